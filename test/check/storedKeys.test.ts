/**
 * The checker's representations (src/check): the stored form of algorithm states (storedState.ts)
 * must thaw to what deepClone makes, a key assembled from cached parts (canonical.ts
 * KeyAssembler) must be the key one KeyWriter would write and shift, with the same fingerprint,
 * and the memoising field writer must write what writeFields writes.
 */
import { describe, expect, it } from 'vitest';
import { deepClone, fieldsWriter, fingerprintInts, KeyAssembler, KeyWriter, sortedNumberKeys, writeFields } from '../../src/check/canonical.js';
import { isStored, store, thaw } from '../../src/check/storedState.js';
import { Rng } from '../../src/core/rng.js';

/** Everything observable of a plain value: types, prototypes, key and Map/Set order, values. */
function shape(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v === undefined ? { undef: true } : v;
  if (Array.isArray(v)) return { array: v.map(shape) };
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [shape(k), shape(x)]) };
  if (v instanceof Set) return { set: [...v].map(shape) };
  const proto = Object.getPrototypeOf(v) === null ? 'null' : v.constructor === Object ? 'object' : 'shared';
  if (proto === 'shared') return { shared: v };
  return { proto, fields: Object.keys(v).map((k) => [k, shape((v as Record<string, unknown>)[k])]) };
}

describe('stored algorithm states', () => {
  class Opaque {
    constructor(readonly n: number) {}
  }
  const opaque = new Opaque(1);
  const keyObj = { k: 1 };
  const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: [1, { c: null }] });
  const state = {
    phase: 'waiting',
    myTs: 17,
    none: null,
    undef: undefined,
    flag: true,
    big: 2 ** 40 + 0.5,
    10: 'integer-like key, enumerated first',
    queue: [{ ts: 3, id: 2 }, { ts: 5, id: 1 }],
    heardFrom: new Set([3, 1, 2]),
    latest: new Map([[3, 9], [1, 4]]),
    nested: new Map<unknown, unknown>([[keyObj, new Set([{ deep: [new Map([[1, 'x']])] }])], ['s', opaque]]),
    nullProto,
    empty: {},
    holes: [[], new Map(), new Set()],
  };

  it('thaws to what deepClone makes: same prototypes, key and Map/Set order, values; shares what it shares', () => {
    const stored = store(state);
    expect(isStored(stored)).toBe(true);
    expect(isStored(deepClone(state))).toBe(false);
    expect(isStored([1, 2])).toBe(false);
    const a = thaw(stored) as typeof state;
    expect(shape(a)).toEqual(shape(deepClone(state)));
    expect(shape(a)).toEqual(shape(state));
    // shared as deepClone shares: class instances, objects used as Map keys
    expect((a.nested.get('s') as Opaque)).toBe(opaque);
    expect([...a.nested.keys()][0]).toBe(keyObj);
    expect(a.queue[0]).not.toBe(state.queue[0]);
  });

  it('every thaw is a fresh copy: mutating it (or the original) never changes the stored form', () => {
    const original = deepClone(state);
    const stored = store(original);
    const a = thaw(stored) as typeof state;
    a.queue.push({ ts: 99, id: 3 });
    a.queue[0]!.ts = 100;
    a.heardFrom.add(7);
    a.latest.set(2, 1);
    (a.nullProto['a'] as unknown[]).push(0);
    original.queue.length = 0;
    original.latest.clear();
    const b = thaw(stored) as typeof state;
    expect(b).not.toBe(a);
    expect(shape(b)).toEqual(shape(state));
  });
});

describe('keys assembled from parts', () => {
  it('equal the key one writer writes and shifts, with the same fingerprint (random parts, shifts and old values)', () => {
    const rng = new Rng(5);
    for (let round = 0; round < 300; round++) {
      const shift = round % 5 !== 0;
      const base = rng.int(0, 40);
      const whole = new KeyWriter();
      whole.lamAt = shift ? [] : null;
      const asm = new KeyAssembler();
      asm.shift = shift;
      const parts = rng.int(1, 6);
      for (let p = 0; p < parts; p++) {
        const w = new KeyWriter();
        w.lamAt = shift ? [] : null;
        const items = rng.int(0, 8);
        for (let i = 0; i < items; i++) {
          const kind = rng.int(0, 2);
          const v = rng.int(0, 60);
          for (const x of [w, whole]) {
            if (kind === 0) x.num(v);
            else if (kind === 1) x.lam(v);
            else x.str(`s${v % 4}`);
          }
        }
        asm.add(w.part());
      }
      if (shift) whole.shiftLamports(base);
      const expected = whole.snapshot();
      expect(asm.snapshot(base)).toEqual(expected);
      expect(asm.fingerprint(base)).toBe(fingerprintInts(expected, expected.length));
    }
  });
});

describe('field writers', () => {
  it('fieldsWriter writes what writeFields writes, whatever the order and set of fields of each object', () => {
    const known = { ts: (v: number, w: KeyWriter) => w.lam(v), kind: (v: string, w: KeyWriter) => w.str(v), map: (v: Map<number, number>, w: KeyWriter) => w.ids(v.keys()) };
    const constant = new Set(['options']);
    const fast = fieldsWriter(known, constant);
    const objects: object[] = [
      { kind: 'REQUEST', ts: 4 },
      { kind: 'REPLY', ts: 5, req: 2 },
      { ts: 5, kind: 'REPLY' },
      { options: { a: 1 }, kind: 'HELLO', extra: [1, { x: 'y' }], map: new Map([[2, 1]]) },
      {},
      { kind: 'RELEASE', ts: 9, resend: true },
      { 3: 'integer-like', kind: 'REQUEST' },
    ];
    for (const round of [0, 1]) {
      for (const o of round ? [...objects].reverse() : objects) {
        const a = new KeyWriter();
        const b = new KeyWriter();
        writeFields(o, a, known, constant);
        fast(o, b);
        expect(b.snapshot(), JSON.stringify(o)).toEqual(a.snapshot());
      }
    }
  });

  it('sortedNumberKeys gives the numeric sort of a Map\'s keys, or null for other keys', () => {
    const rng = new Rng(3);
    const into: number[] = [];
    for (let round = 0; round < 200; round++) {
      const m = new Map<number, number>();
      for (let i = rng.int(0, 9); i > 0; i--) m.set(rng.int(-20, 40), i);
      expect(sortedNumberKeys(m, into)).toEqual([...m.keys()].sort((a, b) => a - b));
    }
    expect(sortedNumberKeys(new Map<unknown, number>([[1, 1], ['a', 2]]), into)).toBeNull();
    expect(sortedNumberKeys(new Map([[NaN, 1]]), into)).toBeNull();
  });
});

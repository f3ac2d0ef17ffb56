/**
 * Property tests of the wire decoder (runtime/net/framer.ts LineDecoder + runtime/net/protocol.ts
 * decodeFrame) with fast-check: random bytes in random chunks, truncated frames, frames over the
 * limit, deep nesting, wrong field types. The decoder never throws, always returns a typed result,
 * never holds more than its limit, and does not depend on how the stream is chunked.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineDecoder, encodeFrame } from '../../src/runtime/net/framer.js';
import { FRAME_TYPES, MAX_WIRE_COUNT, decodeFrame, encodeMsg, type DecodeResult, type RejectReason } from '../../src/runtime/net/protocol.js';
import { makeLayout } from '../../src/core/vector.js';
import type { Envelope } from '../../src/core/types.js';

const LAYOUT = makeLayout([1, 2, 3]);
const REASONS: readonly RejectReason[] = ['invalid_json', 'not_a_frame', 'unknown_type', 'bad_schema', 'bad_vector'];
const RUNS = { numRuns: 300 };

/** Splits `bytes` at the given cut points (sorted, deduplicated, clamped). */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

/** Feeds chunks; returns every line, the error reason (if any) and the largest buffer held. */
function feed(limit: number, chunks: Uint8Array[]): { lines: string[]; error: string | null; maxBuffered: number } {
  const d = new LineDecoder(limit);
  const lines: string[] = [];
  let error: string | null = null;
  let maxBuffered = 0;
  for (const c of chunks) {
    const r = d.push(c);
    lines.push(...r.lines);
    if (r.error) error = r.error.reason;
    maxBuffered = Math.max(maxBuffered, d.bufferedBytes);
  }
  return { lines, error, maxBuffered };
}

/** The typed-result contract of decodeFrame, checked on one result. */
function checkResult(r: DecodeResult): void {
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) {
    expect(REASONS).toContain(r.reason);
    expect(typeof r.message).toBe('string');
    expect(r.message.length).toBeLessThanOrEqual(200);
    return;
  }
  expect(FRAME_TYPES).toContain(r.frame.type);
  const f = r.frame;
  if (f.type === 'msg') {
    const e = f.envelope;
    expect(Number.isSafeInteger(e.from) && e.from > 0).toBe(true);
    expect(e.id.startsWith(`${e.from}-`)).toBe(true);
    expect(Number.isSafeInteger(e.lamport) && e.lamport >= 0).toBe(true);
    expect(e.vector).toHaveLength(LAYOUT.ids.length);
    for (const v of e.vector) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
  } else if (f.type === 'hello' || f.type === 'welcome' || f.type === 'knock') {
    expect(Number.isSafeInteger(f.from) && f.from > 0).toBe(true);
    if (f.type === 'hello' && f.nonce !== undefined) expect(f.nonce).toMatch(/^[0-9a-f]{32}$/);
  } else {
    expect(f.nonce).toMatch(/^[0-9a-f]{32}$/);
  }
}

/** Bytes biased towards the interesting ones: newlines, braces, quotes, invalid UTF-8 lead bytes. */
const wireByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x0a, 0x0a, 0x7b, 0x7d, 0x22, 0x3a, 0x2c, 0xc3, 0xe2, 0xf0, 0xff, 0x80),
);
const wireBytes = fc.array(wireByte, { maxLength: 600 }).map((a) => Uint8Array.from(a));

const validEnvelope: fc.Arbitrary<Envelope<unknown>> = fc
  .record({
    from: fc.constantFrom(1, 2, 3),
    seq: fc.nat({ max: 1e9 }),
    lamport: fc.nat(),
    vector: fc.tuple(fc.nat(), fc.nat(), fc.nat()),
    body: fc.jsonValue({ maxDepth: 4 }),
  })
  .map(({ from, seq, lamport, vector, body }) => ({ id: `${from}-${seq}`, from, lamport, vector, body }));

describe('LineDecoder', () => {
  it('never throws, delivers only complete valid lines within the limit, and never holds more than the limit', () => {
    fc.assert(
      fc.property(wireBytes, fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 1, max: 128 }), (bytes, cuts, limit) => {
        const r = feed(limit, chunk(bytes, cuts));
        expect(r.maxBuffered).toBeLessThanOrEqual(limit);
        for (const line of r.lines) {
          expect(line).not.toContain('\n');
          expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(limit);
        }
        if (r.error) expect(['line_too_long', 'invalid_utf8']).toContain(r.error);
      }),
      RUNS,
    );
  });

  it('does not depend on chunking: any split gives the lines and the error of the whole stream', () => {
    fc.assert(
      fc.property(wireBytes, fc.array(fc.nat(), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), (bytes, cuts, limit) => {
        const whole = feed(limit, [bytes]);
        const split = feed(limit, chunk(bytes, cuts));
        expect(split.lines).toEqual(whole.lines);
        expect(split.error).toEqual(whole.error);
      }),
      RUNS,
    );
  });

  it('matches a reference splitter on streams of valid UTF-8 text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 20 }), fc.integer({ min: 1, max: 100 }), (parts, limit) => {
        const text = parts.join('\n');
        const r = feed(limit, [Buffer.from(text, 'utf8')]);
        // reference: complete lines up to the first over-long one (a lone surrogate becomes U+FFFD in UTF-8)
        const all = Buffer.from(text, 'utf8').toString('utf8').split('\n');
        const complete = all.slice(0, -1);
        const expected: string[] = [];
        let error: string | null = null;
        for (const line of complete) {
          if (Buffer.byteLength(line) > limit) {
            error = 'line_too_long';
            break;
          }
          expected.push(line);
        }
        if (!error && Buffer.byteLength(all.at(-1)!) > limit) error = 'line_too_long';
        expect(r.lines).toEqual(expected);
        expect(r.error).toBe(error);
      }),
      RUNS,
    );
  });

  it('reports an unterminated frame at end of stream as truncated and never delivers it', () => {
    fc.assert(
      fc.property(validEnvelope, fc.nat(), (env, cutAt) => {
        const frame = encodeMsg(env, LAYOUT);
        const cut = cutAt % frame.length; // strictly before the newline
        const d = new LineDecoder();
        expect(d.push(frame.subarray(0, cut)).lines).toEqual([]);
        expect(d.end()).toEqual({ truncated: cut > 0, leftoverBytes: cut });
        // the prefix is never a frame on its own either
        if (cut > 0 && cut < frame.length - 1) expect(decodeFrame(frame.subarray(0, cut).toString('utf8'), LAYOUT).ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('refuses a line one byte over the limit as soon as it is seen, holding nothing', () => {
    for (const limit of [1, 100, 65536]) {
      const d = new LineDecoder(limit);
      const r = d.push(Buffer.alloc(limit + 1, 'x'));
      expect(r.error).toMatchObject({ reason: 'line_too_long', limit });
      expect(d.bufferedBytes).toBe(0);
      expect(d.push(Buffer.from('{}\n')).lines).toEqual([]); // poisoned
      const ok = new LineDecoder(limit).push(Buffer.concat([Buffer.alloc(limit, 'x'), Buffer.from('\n')]));
      expect(ok.error).toBeNull();
      expect(ok.lines[0]).toHaveLength(limit);
    }
  });
});

describe('decodeFrame', () => {
  it('never throws on arbitrary text and always returns a typed result', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (line) => checkResult(decodeFrame(line, LAYOUT))),
      RUNS,
    );
  });

  it('never throws on arbitrary JSON values, with or without a known type', () => {
    const anyType = fc.oneof(fc.constantFrom(...FRAME_TYPES), fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), anyType, (value, type) => {
        checkResult(decodeFrame(JSON.stringify(value), LAYOUT));
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          checkResult(decodeFrame(JSON.stringify({ ...value, type }), LAYOUT));
        }
      }),
      RUNS,
    );
  });

  it('rejects a valid msg with any one field replaced by a value of the wrong type, as bad_schema or bad_vector', () => {
    const field = fc.constantFrom('id', 'from', 'lamport', 'vector', 'body', 'type');
    const wrong = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.nat(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
      fc.constantFrom(-1, 0, 1.5, 2 ** 48, 2 ** 48 + 1, Number.MAX_SAFE_INTEGER, 2 ** 53, Number.MAX_VALUE, '1', '__proto__'),
      fc.integer({ min: 0, max: 2 ** 49 }),
    );
    fc.assert(
      fc.property(validEnvelope, field, wrong, (env, key, value) => {
        const wire = JSON.parse(encodeMsg(env, LAYOUT).toString('utf8')) as Record<string, unknown>;
        wire[key] = value;
        const r = decodeFrame(JSON.stringify(wire), LAYOUT);
        checkResult(r);
        // exactly the valid replacements are accepted
        const valid =
          key === 'body'
            ? true // the body is the algorithm's to validate, not the wire's
            : key === 'lamport'
              ? Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_WIRE_COUNT
              : key === 'id'
                ? typeof value === 'string' && new RegExp(`^${env.from}-[0-9]{1,16}$`).test(value)
                : key === 'from'
                  ? value === env.from
                  : key === 'type'
                    ? value === 'msg'
                    : null; // vector: checked below
        if (valid !== null) expect(r.ok, `${key}=${JSON.stringify(value)}`).toBe(valid);
        if (r.ok && key === 'vector') expect(Object.keys(value as object).sort()).toEqual(['1', '2', '3']);
        if (!r.ok) expect(['bad_schema', 'bad_vector', 'unknown_type', 'not_a_frame']).toContain(r.reason);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses clock counts a receiver could not add 1 to safely (above 2^48)', () => {
    const wire = (lamport: number, v1: number) => JSON.stringify({ type: 'msg', id: '2-1', from: 2, lamport, vector: { 1: v1, 2: 1, 3: 0 }, body: null });
    expect(decodeFrame(wire(MAX_WIRE_COUNT, MAX_WIRE_COUNT), LAYOUT).ok).toBe(true);
    expect(decodeFrame(wire(Number.MAX_SAFE_INTEGER, 0), LAYOUT)).toMatchObject({ ok: false, reason: 'bad_schema' });
    expect(decodeFrame(wire(1, Number.MAX_SAFE_INTEGER), LAYOUT)).toMatchObject({ ok: false, reason: 'bad_vector' });
    // the headroom left: a clock at the cap still counts every event exactly
    expect(MAX_WIRE_COUNT + 1e6 + 1).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('round-trips every valid envelope through encodeMsg, LineDecoder and decodeFrame', () => {
    fc.assert(
      fc.property(fc.array(validEnvelope, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 }), (envs, cuts) => {
        const stream = Buffer.concat(envs.map((e) => encodeMsg(e, LAYOUT)));
        const r = feed(65536, chunk(stream, cuts));
        expect(r.error).toBeNull();
        const decoded = r.lines.map((l) => decodeFrame(l, LAYOUT));
        expect(decoded.map((d) => (d.ok && d.frame.type === 'msg' ? d.frame.envelope : d))).toEqual(
          envs.map((e) => ({ ...e, body: JSON.parse(JSON.stringify(e.body ?? null)) as unknown })), // JSON: -0 is 0
        );
      }),
      RUNS,
    );
  });

  it('survives nesting as deep as a 64 KiB line allows, in the body and in every other field', () => {
    const depth = 32_000; // '[' + ']' per level: the deepest value that fits in one 64 KiB line
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const deepObj = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const lines = [
      `{"type":"msg","id":"2-1","from":2,"lamport":1,"vector":{"1":0,"2":1,"3":0},"body":${deep}}`,
      `{"type":"msg","id":"2-1","from":2,"lamport":1,"vector":${deep},"body":null}`,
      `{"type":"msg","id":"2-1","from":2,"lamport":${deep},"vector":{"1":0,"2":1,"3":0},"body":null}`,
      `{"type":"hello","from":${deepObj}}`,
      `{"type":${deep}}`,
      deep,
      deepObj,
      '['.repeat(depth), // unbalanced
    ];
    for (const line of lines) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(65536);
      const d = new LineDecoder();
      const pushed = d.push(Buffer.from(line + '\n'));
      expect(pushed.error).toBeNull();
      const r = decodeFrame(pushed.lines[0]!, LAYOUT);
      checkResult(r);
    }
    // a deep body is carried, not walked: the frame is accepted
    expect(decodeFrame(lines[0]!, LAYOUT).ok).toBe(true);
    expect(decodeFrame(lines[1]!, LAYOUT)).toMatchObject({ ok: false, reason: 'bad_vector' });
    expect(decodeFrame(lines[3]!, LAYOUT)).toMatchObject({ ok: false, reason: 'bad_schema' });
    expect(decodeFrame(lines[7]!, LAYOUT)).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it('keeps peer-chosen text in rejection messages short', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 100, maxLength: 5000 }), (s) => {
        for (const wire of [{ type: s }, { type: 'msg', id: '2-1', from: 2, lamport: 1, vector: { [s]: 1 }, body: null }]) {
          const r = decodeFrame(JSON.stringify(wire), LAYOUT);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.message.length).toBeLessThanOrEqual(200);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('every encoded frame is exactly one line (newlines inside strings are escaped)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        const b = encodeFrame(v);
        expect(b.indexOf(0x0a)).toBe(b.length - 1);
      }),
      RUNS,
    );
  });
});

/**
 * The stored form of an algorithm state: the checker keeps every frontier state's machines in it,
 * one flat array each instead of the algorithm's graph of objects, Maps and Sets (for the mutex
 * algorithms ~20 objects a machine). The garbage collector copies every frontier state at least
 * once while it is young and traces it while it is old, at a cost that grows with the number of
 * objects; a flat array of small integers and interned strings is one object. Thawing builds a
 * fresh copy, as deepClone (canonical.ts) does for a live state, so a step can mutate it. Pure.
 *
 * Encoding (one value after the other, depth first): a primitive as itself; a plain object as its
 * Shape (its keys, in order, interned in a trie) followed by its values; an array as ARRAY, its
 * length and its elements; a Map as MAP, its size and its entries (keys as they are, values
 * encoded); a Set as SET, its size and its elements; anything else (a class instance, or an object
 * used as a Map key) as SHARED and the object itself, shared as deepClone shares it.
 */

/** The keys of a plain object, in order; interned, so equal key lists are one Shape. */
class Shape {
  private readonly children = new Map<string, Shape>();
  private lastKey: string | undefined = undefined;
  private lastChild: Shape | undefined = undefined;
  /**
   * A plain object with these keys in this order (values undefined): thawing copies it with a
   * spread, which makes the object with all its keys at once instead of adding them one by one.
   */
  readonly template: Record<string, unknown> | null;

  constructor(
    readonly keys: readonly string[],
    readonly nullProto: boolean,
  ) {
    if (nullProto) this.template = null;
    else {
      const t: Record<string, unknown> = {};
      for (const k of keys) t[k] = undefined;
      this.template = t;
    }
  }

  /** The shape with `key` appended. */
  child(key: string): Shape {
    if (key === this.lastKey) return this.lastChild!;
    let c = this.children.get(key);
    if (!c) {
      c = new Shape([...this.keys, key], this.nullProto);
      this.children.set(key, c);
    }
    this.lastKey = key;
    this.lastChild = c;
    return c;
  }
}

/** Markers; private, so a value of a state never equals one. */
class Mark {
  constructor(readonly name: string) {}
}
const STORED = new Mark('stored');
const ARRAY = new Mark('array');
const MAP = new Mark('map');
const SET = new Mark('set');
const SHARED = new Mark('shared');

const PLAIN = new Shape([], false);
const NULL_PROTO = new Shape([], true);

/** A state in stored form. Invariant: never mutated once made. */
export type StoredState = readonly unknown[] & { readonly __stored: true };

/** True when `v` was made by {@link store} (a live state never is: its first element would be private). */
export function isStored(v: unknown): v is StoredState {
  return Array.isArray(v) && v[0] === STORED;
}

let out: unknown[] = [];
let len = 0;

function put(v: unknown): void {
  out[len++] = v;
}

function encode(value: unknown): void {
  if (value === null || typeof value !== 'object') {
    put(value);
    return;
  }
  // the cases in deepClone's order (canonical.ts), so that a thawed copy is what deepClone makes
  const c = (value as object).constructor;
  if (c === Object) encodeFields(value, PLAIN);
  else if (c === Array) {
    const a = value as unknown[];
    put(ARRAY);
    put(a.length);
    for (let i = 0; i < a.length; i++) encode(a[i]);
  } else if (c === Map) {
    const m = value as Map<unknown, unknown>;
    put(MAP);
    put(m.size);
    m.forEach(encodeEntry);
  } else if (c === Set) {
    const s = value as Set<unknown>;
    put(SET);
    put(s.size);
    s.forEach(encodeElement);
  } else if (Object.getPrototypeOf(value) === null) encodeFields(value, NULL_PROTO);
  else {
    put(SHARED);
    put(value);
  }
}

function encodeFields(value: object, root: Shape): void {
  const at = len++;
  let shape = root;
  for (const k in value) {
    shape = shape.child(k);
    encode((value as Record<string, unknown>)[k]);
  }
  out[at] = shape;
}

function encodeEntry(v: unknown, k: unknown): void {
  if (k !== null && typeof k === 'object') put(SHARED);
  put(k);
  encode(v);
}

function encodeElement(v: unknown): void {
  encode(v);
}

/**
 * The stored form of a plain-data value (objects, arrays, Map, Set, primitives; other objects are
 * shared). Invariant: thaw(store(v)) is a deep copy of v with the same prototypes, key order and
 * Map/Set order, sharing what deepClone shares; mutating v afterwards never changes the stored form.
 */
export function store(value: unknown): StoredState {
  len = 0;
  put(STORED);
  encode(value);
  const r = out.slice(0, len);
  // drop the references the scratch holds (it keeps its capacity)
  for (let i = 0; i < len; i++) out[i] = undefined;
  if (out.length > 4096) out = [];
  return r as unknown as StoredState;
}

let src: readonly unknown[] = [];
let pos = 0;

function decode(): unknown {
  const x = src[pos++];
  if (x === null || typeof x !== 'object') return x;
  if (x instanceof Shape) {
    const o: Record<string, unknown> = x.template ? { ...x.template } : Object.create(null);
    const keys = x.keys;
    for (let i = 0; i < keys.length; i++) o[keys[i]!] = decode();
    return o;
  }
  if (x === ARRAY) {
    const n = src[pos++] as number;
    const a = new Array(n);
    for (let i = 0; i < n; i++) a[i] = decode();
    return a;
  }
  if (x === MAP) {
    const n = src[pos++] as number;
    const m = new Map();
    for (let i = 0; i < n; i++) {
      let k = src[pos++];
      if (k === SHARED) k = src[pos++];
      m.set(k, decode());
    }
    return m;
  }
  if (x === SET) {
    const n = src[pos++] as number;
    const s = new Set();
    for (let i = 0; i < n; i++) s.add(decode());
    return s;
  }
  if (x === SHARED) return src[pos++];
  throw new Error('thaw: not a stored state');
}

/** A fresh live copy of a stored state (see {@link store}). */
export function thaw(stored: StoredState): unknown {
  src = stored;
  pos = 1;
  const v = decode();
  src = [];
  return v;
}

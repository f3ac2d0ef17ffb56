/**
 * Copying and fingerprinting states: a deep copy for algorithm states (plain objects, arrays, Map,
 * Set; the algorithms' states are nothing else), a key writer that builds a state's canonical text
 * with the abstractions of abstractions.ts (Lamport values relative to a base, times as clamped ages),
 * and a 53-bit fingerprint of that text. Pure.
 */

/**
 * Deep copy of plain data: objects, arrays, Map, Set and primitives. Functions and class instances
 * other than Map/Set are shared (the algorithms keep none in their states). Invariant: mutating the
 * copy never changes the original.
 */
export function deepClone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  const c = (value as object).constructor;
  if (c === Object) {
    const out: Record<string, unknown> = {};
    for (const k in value) out[k] = deepClone((value as Record<string, unknown>)[k]);
    return out as T;
  }
  if (c === Array) {
    const a = value as unknown as unknown[];
    const out = new Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = deepClone(a[i]);
    return out as T;
  }
  if (c === Map) {
    const out = new Map();
    for (const [k, v] of value as unknown as Map<unknown, unknown>) out.set(k, deepClone(v));
    return out as T;
  }
  if (c === Set) {
    const out = new Set();
    for (const v of value as unknown as Set<unknown>) out.add(deepClone(v));
    return out as T;
  }
  if (Object.getPrototypeOf(value) === null) {
    const out: Record<string, unknown> = Object.create(null);
    for (const k in value) out[k] = deepClone((value as Record<string, unknown>)[k]);
    return out as T;
  }
  return value;
}

/** Interned strings, shared by every writer so that parts written by different writers agree. */
const INTERNED = new Map<string, number>();

/** A string's number in keys: below -2^30 (see KeyWriter.str), in order of first use. */
function intern(s: string): number {
  let id = INTERNED.get(s);
  if (id === undefined) {
    id = -0x40000000 - INTERNED.size;
    INTERNED.set(s, id);
  }
  return id;
}

/**
 * Builds a state's canonical key as a sequence of 32-bit integers (strings are interned to small
 * numbers). `lam` writes a Lamport value relative to the current base (or nothing, when the
 * algorithm never reads Lamport values), `age` a stored time as its age at the machine's current
 * time clamped to [-maxAge, maxAge] (raw when maxAge is 0). Sound only as the abstraction that
 * calls it argues (abstractions.ts).
 */
export class KeyWriter {
  /** The key so far (small integers: V8 keeps them unboxed); `len` entries are valid. */
  buf: number[] = [];
  len = 0;
  /** Subtracted from every Lamport value (a shift-equivariant base: the least machine clock). */
  lamportBase = 0;
  /** False: Lamport values are left out (the algorithm's behaviour does not depend on them). */
  readsLamport = true;
  /** The current machine's time (ms since its start), for ages. */
  now = 0;
  maxAge = 0;

  reset(): void {
    this.len = 0;
  }

  /** Appends one integer of ±(2^30 − 1) (or an interned string id); other numbers go through `num`. */
  int(v: number): void {
    this.buf[this.len++] = v;
  }

  /**
   * A string, as its interned number: below -2^30, where `num` never writes (it keeps to
   * ±(2^30 − 1)), so a string and a number never look alike.
   */
  str(s: string): void {
    this.int(intern(s));
  }

  num(n: number): void {
    if (Number.isInteger(n) && n >= -0x3fffffff && n <= 0x3fffffff) this.int(n);
    else this.str(`#${n}`);
  }

  /** Positions of the Lamport values written (when recording, for caches that shift later). */
  lamAt: number[] | null = null;

  /** A Lamport value (clock, timestamp): relative to the base; null/undefined as a marker. */
  lam(v: number | null | undefined): void {
    if (!this.readsLamport) return;
    if (v === null || v === undefined) {
      this.str('null');
      return;
    }
    const r = v - this.lamportBase;
    if (!Number.isInteger(r) || r < -0x3fffffff || r > 0x3fffffff) throw new RangeError(`Lamport value ${v} out of the checker's range`);
    this.lamAt?.push(this.len);
    this.int(r);
  }

  /**
   * Rewrites the Lamport values recorded in `lamAt` (written raw, with base 0): a value v ≥ base
   * becomes v − base; the values below the base (older than every machine's clock) become their
   * dense rank from the top among those (−1 the newest of them, −2 the next, ...); KeyAssembler
   * applies the same rewriting to cached parts while it hashes them (tested against this). Sound when the
   * algorithm only compares Lamport values and the engine computes max(local, v) + 1 with them:
   * a value below every clock stays below every value made later, so only its order (and
   * equality) among the other old values can matter.
   */
  shiftLamports(base: number): void {
    const at = this.lamAt;
    if (!at) return;
    const buf = this.buf;
    const old = this.oldAt;
    old.length = 0;
    for (let i = 0; i < at.length; i++) {
      const v = buf[at[i]!]!;
      if (v >= base) buf[at[i]!] = v - base;
      else old.push(at[i]!);
    }
    if (old.length === 0) return;
    // the distinct old values, newest first (few: insertion into a small reused array)
    const vals = this.oldValues;
    vals.length = 0;
    for (const p of old) {
      const v = buf[p]!;
      let j = 0;
      while (j < vals.length && vals[j]! > v) j++;
      if (vals[j] !== v) vals.splice(j, 0, v);
    }
    for (const p of old) buf[p] = -1 - vals.indexOf(buf[p]!);
  }

  /** Scratch for shiftLamports (reused: it runs once per successor state). */
  private readonly oldAt: number[] = [];
  private readonly oldValues: number[] = [];

  /** A stored time (ms since start): its age now, clamped; null/undefined as a marker. */
  age(t: number | null | undefined): void {
    if (t === null || t === undefined) {
      this.str('null');
      return;
    }
    if (this.maxAge <= 0) {
      this.num(t);
      return;
    }
    let a = this.now - t;
    if (a > this.maxAge) a = this.maxAge;
    else if (a < -this.maxAge) a = -this.maxAge;
    this.num(Math.round(a));
  }

  /** Any plain value, generically (numbers raw, Map/Set in iteration order). Sound for any field. */
  any(v: unknown): void {
    if (v === null || v === undefined || typeof v !== 'object') {
      if (typeof v === 'number') this.num(v);
      else this.str(typeof v === 'string' ? `s${v}` : String(v));
      return;
    }
    if (Array.isArray(v)) {
      this.str('[');
      for (const x of v) this.any(x);
      this.str(']');
    } else if (v instanceof Map) {
      this.str('M{');
      for (const [k, x] of v) {
        this.any(k);
        this.any(x);
      }
      this.str('}');
    } else if (v instanceof Set) {
      this.str('S{');
      for (const x of v) this.any(x);
      this.str('}');
    } else {
      this.str('{');
      for (const k of Object.keys(v)) {
        this.str(k);
        this.any((v as Record<string, unknown>)[k]);
      }
      this.str('}');
    }
  }

  /** Ids of a set (or map keys) as a bit set: for sets the algorithm only asks membership questions of. */
  ids(ids: Iterable<number>): void {
    let bits = 0;
    let over = false;
    for (const id of ids) {
      if (Number.isInteger(id) && id >= 0 && id < 30) bits |= 1 << id;
      else over = true;
    }
    if (over) {
      this.str('ids');
      for (const id of [...ids].sort((a, b) => a - b)) this.num(id);
      this.str(';');
    } else this.num(bits);
  }

  /** Ends a variable-length part (so [1,2][3] and [1][2,3] differ). */
  end(): void {
    this.str(';');
  }

  /** The key's fingerprint. */
  fingerprint(): number {
    return fingerprintInts(this.buf, this.len);
  }

  /** A copy of the key (tests, debugging). */
  snapshot(): number[] {
    return this.buf.slice(0, this.len);
  }

  /**
   * What was written as a KeyPart, for a writer with Lamport base 0 whose `lamAt` is empty at
   * reset (or null: no Lamport value is to be shifted).
   */
  part(): KeyPart {
    const at = this.lamAt;
    const k = at ? at.length : 0;
    const out = new Array<number>(1 + k + this.len);
    out[0] = k;
    for (let i = 0; i < k; i++) out[1 + i] = at![i]!;
    const buf = this.buf;
    for (let i = 0; i < this.len; i++) out[1 + k + i] = buf[i]!;
    return out;
  }
}

/**
 * A piece of a key written once and reused by every state that holds it (a machine's snapshot, a
 * message in flight): its integers written with Lamport base 0 and where its Lamport values lie,
 * in one array `[k, p_1, ..., p_k, v_1, ..., v_m]` (p_i: indexes into v, ascending). Invariant:
 * never mutated once made.
 */
export type KeyPart = readonly number[];

/**
 * A state's key as the concatenation of parts, fingerprinted without being copied. With `shift`,
 * the Lamport values of the parts are rewritten as KeyWriter.shiftLamports does (v ≥ base: v − base;
 * below it: −1 for the newest of those, −2 the next, ...). Invariant: `fingerprint(base)` equals
 * `fingerprintInts` of `snapshot(base)`, which is the sequence a KeyWriter writing the same values
 * into one buffer and shifting them would hold.
 */
export class KeyAssembler {
  shift = false;
  private parts: KeyPart[] = [];
  private count = 0;
  /** The distinct values below the base, newest first. */
  private readonly old: number[] = [];

  reset(): void {
    this.count = 0;
  }

  add(part: KeyPart): void {
    this.parts[this.count++] = part;
  }

  /** Total length; gathers the old values. */
  private prepare(base: number): number {
    const parts = this.parts;
    const old = this.old;
    old.length = 0;
    let total = 0;
    for (let j = 0; j < this.count; j++) {
      const p = parts[j]!;
      const k = p[0]!;
      total += p.length - 1 - k;
      if (!this.shift) continue;
      for (let i = 1; i <= k; i++) {
        const v = p[1 + k + p[i]!]!;
        if (v >= base) continue;
        let at = 0;
        while (at < old.length && old[at]! > v) at++;
        if (old[at] === v) continue;
        for (let m = old.length; m > at; m--) old[m] = old[m - 1]!;
        old[at] = v;
      }
    }
    return total;
  }

  private shifted(v: number, base: number): number {
    if (v >= base) return v - base;
    const old = this.old;
    let r = 0;
    while (old[r] !== v) r++;
    return -1 - r;
  }

  /** The fingerprint of the key (fingerprintInts of the concatenation). */
  fingerprint(base: number): number {
    const total = this.prepare(base);
    const parts = this.parts;
    const shift = this.shift;
    let h1 = 0xdeadbeef ^ total;
    let h2 = 0x41c6ce57;
    for (let j = 0; j < this.count; j++) {
      const p = parts[j]!;
      const k = p[0]!;
      const from = 1 + k;
      let nextLam = shift && k > 0 ? from + p[1]! : -1;
      let li = 1;
      for (let i = from; i < p.length; i++) {
        let x = p[i]!;
        if (i === nextLam) {
          x = this.shifted(x, base);
          nextLam = li < k ? from + p[1 + li++]! : -1;
        }
        x |= 0;
        h1 = Math.imul(h1 ^ x, 2654435761);
        h2 = Math.imul(h2 ^ x, 1597334677);
        h1 ^= h1 >>> 15;
        h2 ^= h2 >>> 13;
      }
    }
    return finishFingerprint(h1, h2);
  }

  /** The key as one sequence (tests, debugging). */
  snapshot(base: number): number[] {
    this.prepare(base);
    const out: number[] = [];
    for (let j = 0; j < this.count; j++) {
      const p = this.parts[j]!;
      const k = p[0]!;
      const lams = new Set(this.shift ? p.slice(1, 1 + k) : []);
      for (let i = 0; i < p.length - 1 - k; i++) out.push(lams.has(i) ? this.shifted(p[1 + k + i]!, base) : p[1 + k + i]!);
    }
    return out;
  }
}

/**
 * Writes an object's fields: those in `known` with their writer, skipping those in `constant`
 * (the same in every state of a run), and any other field generically. So a field added to an
 * algorithm later is hashed raw, which is sound (it may only make fewer states equal). The
 * abstractions use fieldsWriter, its memoising form; this is the reference it is tested against.
 */
export function writeFields(obj: object, w: KeyWriter, known: Readonly<Record<string, (v: never, w: KeyWriter) => void>>, constant: ReadonlySet<string>): void {
  const rec = obj as Record<string, unknown>;
  for (const k in rec) {
    if (constant.has(k)) continue;
    const f = known[k] as ((v: unknown, w: KeyWriter) => void) | undefined;
    w.str(k);
    if (f) f(rec[k], w);
    else w.any(rec[k]);
  }
}

type FieldWriter = (v: unknown, w: KeyWriter) => void;

/** What fieldsWriter knows of one field name: skipped (constant), else its interned id and writer. */
interface FieldEntry {
  readonly name: string;
  readonly skip: boolean;
  readonly id: number;
  readonly write: FieldWriter | undefined;
}

/**
 * writeFields with `known` and `constant` fixed: writes exactly what writeFields would, but
 * looks each field name up (constant?, its writer, its interned id) once, remembering the entry
 * for the name by its position among the object's fields (the objects of one algorithm list their
 * fields in one order, so the next object's name at that position is usually the same string).
 */
export function fieldsWriter(known: Readonly<Record<string, (v: never, w: KeyWriter) => void>>, constant: ReadonlySet<string>): (obj: object, w: KeyWriter) => void {
  const byName = new Map<string, FieldEntry>();
  const byPosition: FieldEntry[] = [];
  const entry = (k: string): FieldEntry => {
    let e = byName.get(k);
    if (e === undefined) {
      const skip = constant.has(k);
      // interned when first written, as writeFields' w.str(k) would (ids follow first use)
      e = { name: k, skip, id: skip ? 0 : intern(k), write: known[k] as FieldWriter | undefined };
      byName.set(k, e);
    }
    return e;
  };
  return (obj, w) => {
    const rec = obj as Record<string, unknown>;
    let i = 0;
    for (const k in rec) {
      let e = byPosition[i];
      if (e === undefined || e.name !== k) byPosition[i] = e = entry(k);
      i++;
      if (e.skip) continue;
      w.int(e.id);
      if (e.write) e.write(rec[k], w);
      else w.any(rec[k]);
    }
  };
}

/**
 * The keys of a Map in ascending numeric order, as `[...m.keys()].sort((a, b) => a - b)` gives
 * them for number keys, into `out` (reused); null when some key is not a number (or is NaN).
 */
export function sortedNumberKeys(m: ReadonlyMap<unknown, unknown>, out: number[]): number[] | null {
  out.length = 0;
  for (const k of m.keys()) {
    if (typeof k !== 'number' || k !== k) return null;
    let at = out.length;
    while (at > 0 && out[at - 1]! > k) {
      out[at] = out[at - 1]!;
      at--;
    }
    out[at] = k;
  }
  return out;
}

/** 53-bit fingerprint of the first `len` integers of `a` (two 32-bit multiplicative hashes). */
export function fingerprintInts(a: readonly number[], len: number): number {
  let h1 = 0xdeadbeef ^ len;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < len; i++) {
    const x = a[i]! | 0;
    h1 = Math.imul(h1 ^ x, 2654435761);
    h2 = Math.imul(h2 ^ x, 1597334677);
    h1 ^= h1 >>> 15;
    h2 ^= h2 >>> 13;
  }
  return finishFingerprint(h1, h2);
}

function finishFingerprint(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * 53-bit fingerprint of a string (cyrb53, public domain). Two distinct states collide with
 * probability about k²/2^54 for k states (≈ 5·10⁻⁵ at a million).
 */
export function fingerprint(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

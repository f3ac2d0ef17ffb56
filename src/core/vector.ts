/**
 * Vector clocks over a fixed set of machines. A vector is a dense array aligned with a
 * {@link VectorLayout} (machine ids in ascending order), which keeps merges allocation-free and
 * makes the log format (`id:count` pairs joined by `;` in id order) a straight walk. The one codec
 * of that text: {@link formatVector} writes it; {@link parseVector} (to a map),
 * {@link parseVectorInto} (a string, into a layout) and {@link parseVectorCodes} (code units, the
 * log reader's fast path) read it.
 */
import type { MachineId } from './types.js';

/** The machines a vector has entries for, ascending, and each id's index. */
export interface VectorLayout {
  readonly ids: readonly MachineId[];
  readonly index: ReadonlyMap<MachineId, number>;
}

/** Builds the layout for a set of ids. Invariant: ids are unique; the result is sorted ascending. */
export function makeLayout(ids: readonly MachineId[]): VectorLayout {
  const sorted = [...ids].sort((a, b) => a - b);
  const index = new Map<MachineId, number>();
  sorted.forEach((id, i) => index.set(id, i));
  return { ids: sorted, index };
}

/** An all-zero vector for the layout. */
export function zeroVector(layout: VectorLayout): number[] {
  return new Array<number>(layout.ids.length).fill(0);
}

/** Merges `other` into `target` in place: entry-wise maximum. Both must share the layout. */
export function mergeInto(target: number[], other: readonly number[]): void {
  const n = target.length;
  for (let i = 0; i < n; i++) {
    const o = other[i] ?? 0;
    if (o > target[i]!) target[i] = o;
  }
}

/** Formats a vector as the log does: `1:4;2:0;3:7` (id order). */
export function formatVector(layout: VectorLayout, v: readonly number[]): string {
  let out = '';
  const ids = layout.ids;
  for (let i = 0; i < ids.length; i++) {
    if (i > 0) out += ';';
    out += `${ids[i]}:${v[i] ?? 0}`;
  }
  return out;
}

/**
 * Parses the log format `1:4;2:0;3:7` into a map id → count. Returns null on malformed text
 * (so callers can report file and line).
 */
export function parseVector(text: string): Map<MachineId, number> | null {
  const out = new Map<MachineId, number>();
  if (text === '') return out;
  for (const part of text.split(';')) {
    const colon = part.indexOf(':');
    if (colon <= 0) return null;
    const id = Number(part.slice(0, colon));
    const count = Number(part.slice(colon + 1));
    if (!Number.isInteger(id) || !Number.isInteger(count) || count < 0) return null;
    out.set(id, count);
  }
  return out;
}

/**
 * Parses the vector `1:4;2:0;3:7` held in code units codes[a..b) into out[off..off+ids.length)
 * when its ids equal `ids` in order (counts of at most 9 digits). Returns the index after it
 * (where the caller expects the column's end), or -1 when malformed or the ids differ. The log
 * reader's fast path calls it on the file's bytes; {@link parseVectorInto} on a string.
 */
export function parseVectorCodes(codes: ArrayLike<number>, ids: readonly number[], out: Int32Array, off: number, a: number, b: number): number {
  const n = ids.length;
  let k = a;
  for (let j = 0; j < n; j++) {
    if (j > 0) {
      if (k >= b || codes[k]! !== 59 /* ; */) return -1;
      k++;
    }
    let id = 0;
    let digits = 0;
    for (; k < b; k++) {
      const c = codes[k]! - 48;
      if (c < 0 || c > 9) break;
      id = id * 10 + c;
      digits++;
    }
    if (digits === 0 || id !== ids[j] || k >= b || codes[k]! !== 58 /* : */) return -1;
    k++;
    let count = 0;
    digits = 0;
    for (; k < b; k++) {
      const c = codes[k]! - 48;
      if (c < 0 || c > 9) break;
      count = count * 10 + c;
      digits++;
    }
    if (digits === 0 || digits > 9) return -1;
    out[off + j] = count;
  }
  return k;
}

/** Scratch code units for {@link parseVectorInto} (grown on demand, never shrunk). */
let scratch = new Uint16Array(256);

/**
 * Parses a whole vector text (see {@link parseVectorCodes}) into out[off..]; false when malformed
 * or its ids differ from `ids`.
 */
export function parseVectorInto(text: string, ids: readonly number[], out: Int32Array, off: number): boolean {
  const len = text.length;
  if (len > scratch.length) scratch = new Uint16Array(Math.max(len, scratch.length * 2));
  for (let i = 0; i < len; i++) scratch[i] = text.charCodeAt(i);
  return parseVectorCodes(scratch, ids, out, off, 0, len) === len;
}

/**
 * Happened-before through vector clocks: a → b iff a ≤ b entry-wise and a ≠ b.
 * Both vectors share the layout.
 */
export function happenedBefore(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i] ?? 0;
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

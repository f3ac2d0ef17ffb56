/**
 * The id-range grammar of fault flags: machine ids and inclusive ranges separated by commas
 * (`1,2,5-9`), as used by link sides (`1,2>3`) and partition groups (`1-50|51-100`). Pure.
 */
import type { MachineId } from '../core/types.js';

/** Why a list did not parse: a part that is not `<id>` or `<lo>-<hi>`, or a bad range. */
export type IdRangeError = 'syntax' | 'range';

/**
 * Parses `1,2,5-9` into ids in the order written (duplicates kept: callers decide). Returns an
 * {@link IdRangeError} when a part is malformed (`syntax`) or a range is not 1 ≤ lo ≤ hi with at
 * most `maxSpan` between its bounds (`range`).
 */
export function parseIdRanges(text: string, maxSpan = Infinity): MachineId[] | IdRangeError {
  const out: MachineId[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) return 'syntax';
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || hi < lo || hi - lo > maxSpan) return 'range';
    for (let id = lo; id <= hi; id++) out.push(id);
  }
  return out;
}

/**
 * Curves of one experiment trial that the combined report overlays per setting: the distribution
 * of Lamport jumps on receive, and the spread of the Lamport clocks (fastest − slowest live
 * machine) over time. Pure.
 */
import type { Run } from './run.js';

/** Jumps above this are counted in the last bucket. */
export const JUMP_BUCKETS = 60;

export interface TrialCurves {
  /** jumpCounts[k] receives whose jump was k + 1 (the last bucket: that or more). */
  readonly jumpCounts: number[];
  /** Lamport spread sampled every second from the start of ticking: [seconds, max L − min L of live machines]. */
  readonly spread: [number, number][];
}

/** The curves of one run. O(rows + seconds × machines). */
export function trialCurves(run: Run): TrialCurves {
  const jumpCounts = new Array<number>(JUMP_BUCKETS).fill(0);
  let start = -Infinity;
  let end = Infinity;
  for (const log of run.machines) {
    const rows = log.rows;
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.event === 'RECEIVE') jumpCounts[Math.min(JUMP_BUCKETS, Math.max(1, r.lamport - rows[i - 1]!.lamport)) - 1]!++;
    }
    const first = rows.find((r) => r.event === 'START');
    if (first) start = Math.max(start, first.epochMs);
    const last = rows[rows.length - 1];
    if (last) end = Math.min(end, last.epochMs);
  }
  const spread: [number, number][] = [];
  if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
    const cursor = run.machines.map(() => 0);
    for (let s = 0; start + s * 1000 <= end && s <= 100_000; s++) {
      const t = start + s * 1000;
      let lo = Infinity;
      let hi = -Infinity;
      run.machines.forEach((log, m) => {
        const rows = log.rows;
        let i = cursor[m]!;
        while (i + 1 < rows.length && rows[i + 1]!.epochMs <= t) i++;
        cursor[m] = i;
        const r = rows[i];
        if (!r || r.epochMs > t || r.event === 'STOP') return;
        lo = Math.min(lo, r.lamport);
        hi = Math.max(hi, r.lamport);
      });
      if (hi >= lo) spread.push([s, hi - lo]);
    }
  }
  return { jumpCounts, spread };
}

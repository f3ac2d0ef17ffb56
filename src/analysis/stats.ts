/**
 * Per-machine statistics: tick rate, run length, events by type, final Lamport clock, Lamport jumps
 * on receives, queue length, message counts, and drift against the fastest machine. Pure.
 */
import { parseDetail } from '../core/logRow.js';
import type { MessageTally } from './messages.js';
import type { Run } from './run.js';
import type { MachineStats, Summary } from './types.js';

/**
 * count, max, mean and nearest-rank p50/p95 of `values` (all 0 when empty).
 * p_q = the ceil(q·count)-th smallest value.
 */
export function summarize(values: ArrayLike<number>): Summary {
  const count = values.length;
  if (count === 0) return { count: 0, max: 0, mean: 0, p50: 0, p95: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  const rank = (q: number): number => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))]!;
  return { count, max: sorted[count - 1]!, mean: sum / count, p50: rank(0.5), p95: rank(0.95) };
}

/**
 * The common instant at which "drift end" is measured: the earliest STOP row of the run (epoch_ms
 * of the first machine to stop cleanly); when no machine logged a STOP (all were killed), the
 * earliest last row. null for a run without rows. Every machine that stopped is alive at this
 * instant, so the gap there compares each of them with the fastest at one and the same time.
 */
export function driftEndEpochMs(run: Run): number | null {
  let earliestStop = Infinity;
  let earliestLast = Infinity;
  run.cols.forEach((c, m) => {
    if (c.length === 0) return;
    const last = c.epochMs[c.length - 1]!;
    if (last < earliestLast) earliestLast = last;
    if (run.stopped[m] && last < earliestStop) earliestStop = last;
  });
  if (earliestStop !== Infinity) return earliestStop;
  return earliestLast === Infinity ? null : earliestLast;
}

/**
 * Drift: at every distinct system time t (ms) at which some row was written, each machine that is
 * alive (its first row ≤ t ≤ its last row) has gap(t) = max over alive machines of their Lamport
 * clock − its own Lamport clock (clocks as of the last row at or before t). Returns per machine
 * the maximum gap over the whole run, and the final gap: gap(T) at the common instant
 * T = {@link driftEndEpochMs} (the earliest STOP), i.e. the gap at the last row-time ≤ T. A machine
 * not alive at T (killed before it, or started after it) has as final gap its gap at the last t at
 * which it was alive. `endEpochMs` is T (null without rows). Rows are merged by epoch_ms.
 * O(rows · machines) in the worst case (every row at a distinct ms), which stays cheap for ≤ 50.
 */
export function computeDrift(run: Run): { maxGap: number[]; finalGap: number[]; endEpochMs: number | null } {
  const cols = run.cols;
  const M = cols.length;
  const pos = new Int32Array(M);
  const cur = new Float64Array(M);
  const firstEpoch = cols.map((c) => (c.length ? c.epochMs[0]! : Infinity));
  const lastEpoch = cols.map((c) => (c.length ? c.epochMs[c.length - 1]! : -Infinity));
  const endEpochMs = driftEndEpochMs(run);
  const end = endEpochMs ?? Infinity;
  // alive at T: the final gap is frozen at T; otherwise it follows the machine's last alive instant
  const frozenAtEnd = cols.map((_, m) => firstEpoch[m]! <= end && lastEpoch[m]! >= end);
  const maxGap = new Array<number>(M).fill(0);
  const finalGap = new Array<number>(M).fill(0);
  for (;;) {
    let t = Infinity;
    for (let m = 0; m < M; m++) {
      const c = cols[m]!;
      const p = pos[m]!;
      if (p < c.length && c.epochMs[p]! < t) t = c.epochMs[p]!;
    }
    if (t === Infinity) break;
    for (let m = 0; m < M; m++) {
      const { length, epochMs, lamport } = cols[m]!;
      let p = pos[m]!;
      while (p < length && epochMs[p]! <= t) cur[m] = lamport[p++]!;
      pos[m] = p;
    }
    let maxL = -Infinity;
    for (let m = 0; m < M; m++) if (pos[m]! > 0 && lastEpoch[m]! >= t && cur[m]! > maxL) maxL = cur[m]!;
    for (let m = 0; m < M; m++) {
      if (pos[m]! > 0 && lastEpoch[m]! >= t) {
        const gap = maxL - cur[m]!;
        if (gap > maxGap[m]!) maxGap[m] = gap;
        if (!frozenAtEnd[m] || t <= end) finalGap[m] = gap;
      }
    }
  }
  return { maxGap, finalGap, endEpochMs };
}

function numOrNull(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Statistics of every machine, in `run.machines` order. */
export function machineStats(run: Run, tally: MessageTally): MachineStats[] {
  const drift = computeDrift(run);
  return run.machines.map((log, m) => {
    const { length, event, clock, queueLen, detail, epochMs, lamport } = run.cols[m]!;
    // one pass: events are counted by name (names in order of first appearance, as counting with
    // `counts[event] = (counts[event] ?? 0) + 1` gives; a log uses a handful, found in a short list
    // by the previous row's name first), the Lamport jump of each RECEIVE (lamport(RECEIVE) −
    // lamport(previous row), the first row counting from 0) and the queue lengths
    const names: string[] = [];
    const counts: number[] = [];
    const nameIndex = new Map<string, number>(); // for a log with many names
    const jumps = new Float64Array(length);
    let nJumps = 0;
    let over1 = 0;
    let clockEvents = 0;
    let tickRate: number | null = null;
    let seed: number | null = null;
    let qMax = 0;
    let qSum = 0;
    let k = -1;
    let prevName = '';
    for (let i = 0; i < length; i++) {
      const ev = event[i]!;
      if (k < 0 || prevName !== ev) {
        k = names.length <= 16 ? names.indexOf(ev) : (nameIndex.get(ev) ?? -1);
        if (k < 0) {
          k = names.length;
          names.push(ev);
          counts.push(0);
          nameIndex.set(ev, k);
          if (ev === 'START') {
            const d = parseDetail(detail[i]!);
            tickRate = numOrNull(d.get('tick_rate'));
            seed = numOrNull(d.get('seed'));
          }
        }
        prevName = ev;
      }
      counts[k]!++;
      const q = queueLen[i]!;
      if (clock[i] === 1) clockEvents++;
      if (q > qMax) qMax = q;
      qSum += q;
      if (ev === 'RECEIVE') {
        const j = lamport[i]! - (i > 0 ? lamport[i - 1]! : 0);
        if (j > 1) over1++;
        jumps[nJumps++] = j;
      }
    }
    const eventsByType: Record<string, number> = {};
    for (let j = 0; j < names.length; j++) eventsByType[names[j]!] = counts[j]!;
    const sent = eventsByType['SEND'] ?? 0;
    const received = eventsByType['RECEIVE'] ?? 0;
    const dropped = eventsByType['DROP'] ?? 0;
    const starts = eventsByType['START'] ?? 0;
    const last = length - 1;
    return {
      machine: log.machine,
      file: log.file,
      rows: length,
      tickRate,
      seed,
      starts,
      killed: run.killed[m]!,
      firstEpochMs: length ? epochMs[0]! : 0,
      lastEpochMs: length ? epochMs[last]! : 0,
      runLengthMs: length ? epochMs[last]! - epochMs[0]! : 0,
      eventsByType,
      clockEvents,
      finalLamport: length ? lamport[last]! : 0,
      jumps: { ...summarize(jumps.subarray(0, nJumps)), over1 },
      queue: { max: qMax, mean: length ? qSum / length : 0, final: length ? queueLen[last]! : 0 },
      messages: {
        sent,
        sentCopies: tally.copiesBySender[m] ?? 0,
        received,
        dropped,
        lost: tally.lostBySender[m] ?? 0,
        queuedAtEnd: tally.queuedAtEndByReceiver[m] ?? 0,
      },
      drift: { maxGap: drift.maxGap[m]!, finalGap: drift.finalGap[m]!, endEpochMs: drift.endEpochMs },
    };
  });
}

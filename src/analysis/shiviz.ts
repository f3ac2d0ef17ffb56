/**
 * Export of a run's clock events for other tools: ShiViz (https://bestchai.bitbucket.io/shiviz/)
 * and JSON Lines. Pure: yields lines, the CLI writes them.
 *
 * ShiViz's rules (its ModelGraph rejects logs that break them):
 *  - the file starts with the parser regex (line 1) and the multiple-executions delimiter
 *    (line 2, empty: one execution); then each event is two lines: description, `host {clock}`;
 *  - every host appears in its own clock; a host's own counter starts at 1 and rises by exactly 1
 *    per event of that host;
 *  - another host's entry must name a host that has events and lie in 1..(its event count);
 *    zero entries are left out.
 * Only clock events are exported (non-clock rows carry no new clock value). Each host's counters
 * are renumbered: the k-th exported event of host h gets own counter k, and an entry v for h in
 * anyone's vector becomes the number of h's clock events whose own vector entry is ≤ v (for a
 * valid run the own entry already equals k; the mapping keeps the export valid after restarts).
 * Events are ordered by (Lamport clock, machine id, row), an order consistent with happened-before
 * whenever the clock condition holds.
 */
import type { MachineId } from '../core/types.js';
import { formatDense, type Run } from './run.js';

/** ShiViz parser regex for the two-line event format written by {@link shivizLines}. */
export const SHIVIZ_REGEX = '(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})';

/** Host name of a machine in exports. */
export function hostName(id: MachineId): string {
  return `m${id}`;
}

/** One exported event. `clock` is renumbered (see module doc); `vector` is the logged one. */
export interface ExportEvent {
  readonly host: string;
  readonly machine: MachineId;
  readonly event: string;
  readonly time: string;
  readonly epochMs: number;
  readonly lamport: number;
  readonly vector: string;
  readonly peer: string;
  readonly msgId: string;
  readonly detail: string;
  readonly file: string;
  readonly line: number;
  readonly clock: Readonly<Record<string, number>>;
}

/** Number of values in ascending `arr` that are ≤ v. */
function countLe(arr: Int32Array, v: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every clock event of the run, renumbered for ShiViz and ordered by (lamport, machine, row). */
export function* exportEvents(run: Run): Generator<ExportEvent> {
  const n = run.n;
  const M = run.machines.length;
  // per machine: row indices of clock events, and the (made ascending) own entry at each
  const clockRows: Int32Array[] = [];
  const ownVals: Int32Array[] = [];
  const layoutOfMachine: number[] = [];
  for (let m = 0; m < M; m++) {
    const log = run.machines[m]!;
    const own = run.layoutIndex.get(log.machine)!;
    layoutOfMachine.push(own);
    const idx: number[] = [];
    for (let i = 0; i < log.rows.length; i++) if (log.rows[i]!.clock) idx.push(i);
    const rowsArr = Int32Array.from(idx);
    const vals = new Int32Array(idx.length);
    let last = 0;
    for (let k = 0; k < idx.length; k++) {
      // running max keeps the array ascending even if a broken log decreases
      const v = log.vectors[idx[k]! * n + own]!;
      last = v > last ? v : last;
      vals[k] = last;
    }
    clockRows.push(rowsArr);
    ownVals.push(vals);
  }
  const order: [number, number, number][] = []; // [machine index, k, lamport]
  for (let m = 0; m < M; m++) {
    const rowsArr = clockRows[m]!;
    const rows = run.machines[m]!.rows;
    for (let k = 0; k < rowsArr.length; k++) order.push([m, k, rows[rowsArr[k]!]!.lamport]);
  }
  order.sort((a, b) => a[2] - b[2] || run.machines[a[0]]!.machine - run.machines[b[0]]!.machine || a[1] - b[1]);

  for (const [m, k] of order) {
    const log = run.machines[m]!;
    const i = clockRows[m]![k]!;
    const r = log.rows[i]!;
    const clock: Record<string, number> = {};
    for (let h = 0; h < M; h++) {
      if (h === m) {
        clock[hostName(log.machine)] = k + 1;
        continue;
      }
      if (clockRows[h]!.length === 0) continue;
      const v = log.vectors[i * n + layoutOfMachine[h]!]!;
      const c = countLe(ownVals[h]!, v);
      if (c > 0) clock[hostName(run.machines[h]!.machine)] = c;
    }
    yield {
      host: hostName(log.machine),
      machine: log.machine,
      event: r.event,
      time: r.time,
      epochMs: r.epochMs,
      lamport: r.lamport,
      vector: formatDense(run.layout, log.vectors.subarray(i * n, i * n + n)),
      peer: r.peer,
      msgId: r.msgId,
      detail: r.detail,
      file: log.file,
      line: r.line,
      clock,
    };
  }
}

/** One-line description of an event for ShiViz (no newlines). */
export function describe(e: ExportEvent): string {
  const parts = [e.event];
  if (e.msgId) parts.push(e.msgId);
  if (e.peer) parts.push(`peer=${e.peer}`);
  parts.push(`lamport=${e.lamport}`, `time=${e.time}`);
  if (e.detail) parts.push(e.detail);
  return parts.join(' ').replace(/[\r\n]+/g, ' ');
}

/** The ShiViz file, line by line (each without its newline). */
export function* shivizLines(run: Run): Generator<string> {
  yield SHIVIZ_REGEX;
  yield '';
  for (const e of exportEvents(run)) {
    yield describe(e);
    yield `${e.host} ${JSON.stringify(e.clock)}`;
  }
}

/** JSON Lines: one object per exported event. */
export function* jsonLines(run: Run): Generator<string> {
  for (const e of exportEvents(run)) yield JSON.stringify(e);
}

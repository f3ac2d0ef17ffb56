/**
 * The indexed run: parsed logs plus the lookups every statistic and checker needs (SEND rows by
 * msg_id, which machines were killed, the algorithm named in the START rows). Built once, in
 * O(rows), then shared read-only.
 */
import { parseDetail } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import type { LogEntry, MachineLog, RowRef, RunLogs } from './types.js';

/** An indexed run. Invariant: read-only once built; refs point into `machines`. */
export interface Run {
  readonly logs: RunLogs;
  readonly machines: readonly MachineLog[];
  /** Vector layout (ascending ids) and its length. */
  readonly layout: readonly MachineId[];
  readonly n: number;
  /** Machine id → position in the vector layout. */
  readonly layoutIndex: ReadonlyMap<MachineId, number>;
  /** Machine id → index into `machines` (only machines that have a log). */
  readonly machineIndex: ReadonlyMap<MachineId, number>;
  /** `algorithm=` of the START rows (the first one found), null when none says. */
  readonly algorithm: string | null;
  /** The first SEND row of each msg_id. */
  readonly sends: ReadonlyMap<string, RowRef>;
  /** Further SEND rows reusing an msg_id already seen. */
  readonly duplicateSends: readonly RowRef[];
  /** `msgId>dest` → DROP row of the sender for that destination. */
  readonly drops: ReadonlyMap<string, RowRef>;
  /** Per machine: the last row is not STOP, or a START follows a row that is not STOP. */
  readonly killed: readonly boolean[];
  /** Per machine: the log's last row is STOP. */
  readonly stopped: readonly boolean[];
  /** Total rows over all files. */
  readonly totalRows: number;
  /**
   * Per machine, per row: for a RECEIVE whose msg_id has a SEND, that SEND's machine index and
   * row index; -1 otherwise. Saves a string-keyed lookup per receive in every checker.
   */
  readonly pairedSendM: readonly Int32Array[];
  readonly pairedSendI: readonly Int32Array[];
}

/** `file:line` of a row. */
export function where(run: Run, ref: RowRef): string {
  const log = run.machines[ref.m]!;
  return `${log.file}:${log.rows[ref.i]!.line}`;
}

/** `file:line` of row i of a log. */
export function whereIn(log: MachineLog, i: number): string {
  return `${log.file}:${log.rows[i]!.line}`;
}

/** Row i's vector as a view (length n) into the log's vector storage. Do not mutate. */
export function vectorAt(log: MachineLog, i: number, n: number): Int32Array {
  return log.vectors.subarray(i * n, i * n + n);
}

/** The row a ref points to. */
export function rowAt(run: Run, ref: RowRef): LogEntry {
  return run.machines[ref.m]!.rows[ref.i]!;
}

/** Parses a `peer` column (`2;3`) into ids; non-numeric parts are skipped. */
export function parsePeers(peer: string): MachineId[] {
  if (peer === '') return [];
  const out: MachineId[] = [];
  for (const p of peer.split(';')) {
    const id = Number(p);
    if (p !== '' && Number.isInteger(id)) out.push(id);
  }
  return out;
}

/** Formats a dense vector as the log does (`1:4;2:0`). */
export function formatDense(layout: readonly MachineId[], v: ArrayLike<number>): string {
  let s = '';
  for (let j = 0; j < layout.length; j++) s += (j ? ';' : '') + layout[j] + ':' + v[j];
  return s;
}

/** Builds the indexes of a run. O(total rows). */
export function indexRun(logs: RunLogs): Run {
  const layoutIndex = new Map<MachineId, number>();
  logs.layout.forEach((id, j) => layoutIndex.set(id, j));
  const machineIndex = new Map<MachineId, number>();
  logs.machines.forEach((log, m) => machineIndex.set(log.machine, m));
  const sends = new Map<string, RowRef>();
  const duplicateSends: RowRef[] = [];
  const drops = new Map<string, RowRef>();
  const killed: boolean[] = [];
  const stopped: boolean[] = [];
  let algorithm: string | null = null;
  let totalRows = 0;

  logs.machines.forEach((log, m) => {
    const rows = log.rows;
    totalRows += rows.length;
    let wasKilled = false;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const ev = r.event;
      if (ev === 'SEND') {
        if (sends.has(r.msgId)) duplicateSends.push({ m, i });
        else sends.set(r.msgId, { m, i });
      } else if (ev === 'DROP') {
        // a receiver's refusal (dir=in: its queue was full) is about the copy sent to it; summaries have no msg_id
        if (r.detail.includes('dir=in')) {
          if (r.msgId !== '') drops.set(`${r.msgId}>${log.machine}`, { m, i });
        } else for (const to of parsePeers(r.peer)) drops.set(`${r.msgId}>${to}`, { m, i });
      } else if (ev === 'START') {
        if (algorithm === null) {
          const a = parseDetail(r.detail).get('algorithm');
          if (a) algorithm = a;
        }
        if (i > 0 && rows[i - 1]!.event !== 'STOP') wasKilled = true;
      }
    }
    const last = rows[rows.length - 1];
    const isStopped = last !== undefined && last.event === 'STOP';
    stopped.push(isStopped);
    killed.push(wasKilled || !isStopped);
  });

  const pairedSendM: Int32Array[] = [];
  const pairedSendI: Int32Array[] = [];
  for (const log of logs.machines) {
    const rows = log.rows;
    const pm = new Int32Array(rows.length).fill(-1);
    const pi = new Int32Array(rows.length).fill(-1);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.event !== 'RECEIVE' || r.msgId === '') continue;
      const ref = sends.get(r.msgId);
      if (ref) {
        pm[i] = ref.m;
        pi[i] = ref.i;
      }
    }
    pairedSendM.push(pm);
    pairedSendI.push(pi);
  }

  return {
    logs,
    machines: logs.machines,
    layout: logs.layout,
    n: logs.layout.length,
    layoutIndex,
    machineIndex,
    algorithm,
    sends,
    duplicateSends,
    drops,
    killed,
    stopped,
    totalRows,
    pairedSendM,
    pairedSendI,
  };
}

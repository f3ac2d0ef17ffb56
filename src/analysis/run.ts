/**
 * The indexed run: parsed logs plus the lookups every statistic and checker needs (SEND rows by
 * msg_id, which machines were killed, the algorithm named in the START rows, which message copies
 * arrived). Built once, in one pass over the rows plus one over the RECEIVE rows (reading the
 * logs' columns, analysis/columns.ts, derived from the row objects for logs built in memory), then
 * shared read-only. msg_ids of the form `<sender>-<seq>` (what the runtime writes) are looked up by
 * number, not hashed as strings; any other msg_id goes through a string map with the same result.
 */
import { detailValue } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import type { FaultRecord } from '../core/faultsFile.js';
import type { SharedFileText } from '../core/sharedFile.js';
import type { RunSideInputs } from './runInputs.js';
import { columnsOfRows, type LogColumns, NO_MSG_ID } from './columns.js';
import type { LogEntry, MachineLog, RowRef, RunLogs } from './types.js';

/** An indexed run. Invariant: read-only once built; refs point into `machines`. */
export interface Run {
  readonly logs: RunLogs;
  /** The run's shared resource file (critical_section.log), null when not given (RunInputs). */
  readonly sharedFile: SharedFileText | null;
  /** The run's injected faults (faults.csv), null when not given (RunInputs). */
  readonly faults: readonly FaultRecord[] | null;
  readonly machines: readonly MachineLog[];
  /** Per machine: its rows column by column (MachineLog.columns, or built from its rows). */
  readonly cols: readonly LogColumns[];
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
  /** Per machine: index of its first row in a numbering of all rows, machine after machine. */
  readonly rowBase: readonly number[];
  /**
   * Per machine, per row: for a SEND, or a RECEIVE whose msg_id has a SEND, the run-wide row
   * number (rowBase + row index) of the first SEND with that msg_id; -1 otherwise.
   */
  readonly firstSendOf: readonly Int32Array[];
  /**
   * Message copies that arrived: (first SEND's run-wide row number, receiver's machine index) of
   * every RECEIVE row with the msg_id of a SEND. See {@link copyReceived}.
   */
  readonly receivedCopies: { has(firstSend: number, m: number): boolean };
}

/**
 * A set of (first SEND row number, machine index) pairs, e.g. copies of a message received by a
 * machine: a bit mask per row when the run has at most 32 machine logs, numbers in a Set otherwise.
 */
export class CopySet {
  private readonly masks: Uint32Array | null;
  private readonly pairs: Set<number> | null;

  constructor(
    totalRows: number,
    private readonly machines: number,
  ) {
    this.masks = machines <= 32 ? new Uint32Array(totalRows) : null;
    this.pairs = machines <= 32 ? null : new Set();
  }

  has(firstSend: number, m: number): boolean {
    return this.masks !== null ? (this.masks[firstSend]! & (1 << m)) !== 0 : this.pairs!.has(firstSend * this.machines + m);
  }

  add(firstSend: number, m: number): void {
    if (this.masks !== null) this.masks[firstSend]! |= 1 << m;
    else this.pairs!.add(firstSend * this.machines + m);
  }
}

/**
 * Whether machine `to` logged a RECEIVE with the msg_id of SEND row i of machine m: the same
 * answer as `receivedKeys(run).has(`${msgId}>${to}`)` (messages.ts), without building keys.
 */
export function copyReceived(run: Run, m: number, i: number, to: MachineId): boolean {
  const r = run.machineIndex.get(to);
  if (r === undefined) return false;
  const g = run.firstSendOf[m]![i]!;
  return g >= 0 && run.receivedCopies.has(g, r);
}

/** `file:line` of a row. */
export function where(run: Run, ref: RowRef): string {
  return whereAt(run, ref.m, ref.i);
}

/** `file:line` of row i of machine index m. */
export function whereAt(run: Run, m: number, i: number): string {
  return `${run.machines[m]!.file}:${run.cols[m]!.line[i]!}`;
}

/** Row i's vector as a view (length n) into the log's vector storage. Do not mutate. */
export function vectorAt(log: MachineLog, i: number, n: number): Int32Array {
  return log.vectors.subarray(i * n, i * n + n);
}

/** The row a ref points to. */
export function rowAt(run: Run, ref: RowRef): LogEntry {
  return run.machines[ref.m]!.rows[ref.i]!;
}

const NO_PEERS: readonly MachineId[] = Object.freeze([]);
/** parsePeers results by column text: a run's peer columns take a handful of values. */
const peersCache = new Map<string, readonly MachineId[]>();
const PEERS_CACHE_MAX = 4096;

/**
 * Parses a `peer` column (`2;3`) into ids; non-numeric parts are skipped. The result is shared
 * between calls with the same text (frozen): do not mutate it.
 */
export function parsePeers(peer: string): readonly MachineId[] {
  if (peer === '') return NO_PEERS;
  const hit = peersCache.get(peer);
  if (hit !== undefined) return hit;
  const out: MachineId[] = [];
  for (const p of peer.split(';')) {
    const id = Number(p);
    if (p !== '' && Number.isInteger(id)) out.push(id);
  }
  if (peersCache.size >= PEERS_CACHE_MAX) peersCache.clear();
  Object.freeze(out);
  peersCache.set(peer, out);
  return out;
}

/** Whether the `;`-separated list (a peer column) has `token` as one of its items: `list.split(';').includes(token)` without the array. */
export function peerListIncludes(list: string, token: string): boolean {
  let from = 0;
  for (;;) {
    const k = list.indexOf(';', from);
    const end = k < 0 ? list.length : k;
    if (end - from === token.length && list.startsWith(token, from)) return true;
    if (k < 0) return false;
    from = k + 1;
  }
}

/** Formats a dense vector as the log does (`1:4;2:0`). */
export function formatDense(layout: readonly MachineId[], v: ArrayLike<number>): string {
  let s = '';
  for (let j = 0; j < layout.length; j++) s += (j ? ';' : '') + layout[j] + ':' + v[j];
  return s;
}

/**
 * msg_id → run-wide row number of its first SEND. Canonical ids of senders in the layout live in
 * one array per sender indexed by seq (seqs are dense: 1, 2, 3, ...); the rest in a string map.
 */
class SendIndex {
  private readonly bySeq: Int32Array[];
  private readonly other = new Map<string, number>();

  constructor(
    private readonly layoutIndex: ReadonlyMap<MachineId, number>,
    /** Largest seq kept in the arrays (larger ones, from odd logs, go to the map). */
    private readonly maxSeq: number,
  ) {
    this.bySeq = Array.from({ length: layoutIndex.size }, () => new Int32Array(0));
  }

  /** Run-wide row number of the first SEND of the msg_id of row i of `c`, or -1. */
  get(c: LogColumns, i: number): number {
    const sender = c.msgSender[i]!;
    if (sender >= 0) {
      const j = this.layoutIndex.get(sender);
      const seq = c.msgSeq[i]!;
      if (j !== undefined && seq <= this.maxSeq) {
        const arr = this.bySeq[j]!;
        return seq < arr.length ? arr[seq]! - 1 : -1;
      }
    }
    return this.other.get(c.msgIdAt(i)) ?? -1;
  }

  /** Records g as the first SEND of the msg_id of row i of `c` unless one is known; returns the first SEND's row number. */
  add(c: LogColumns, i: number, g: number): number {
    const sender = c.msgSender[i]!;
    if (sender >= 0) {
      const j = this.layoutIndex.get(sender);
      const seq = c.msgSeq[i]!;
      if (j !== undefined && seq <= this.maxSeq) {
        let arr = this.bySeq[j]!;
        if (seq >= arr.length) {
          const grown = new Int32Array(Math.max(seq + 1, arr.length * 2, 64));
          grown.set(arr);
          this.bySeq[j] = arr = grown;
        }
        const known = arr[seq]!;
        if (known !== 0) return known - 1;
        arr[seq] = g + 1;
        return g;
      }
    }
    const msgId = c.msgIdAt(i);
    const known = this.other.get(msgId);
    if (known !== undefined) return known;
    this.other.set(msgId, g);
    return g;
  }
}

/** Builds the indexes of a run, with its side files when given (RunInputs). O(total rows). */
export function indexRun(logs: RunLogs, side: RunSideInputs = {}): Run {
  const layoutIndex = new Map<MachineId, number>();
  logs.layout.forEach((id, j) => layoutIndex.set(id, j));
  const machineIndex = new Map<MachineId, number>();
  logs.machines.forEach((log, m) => machineIndex.set(log.machine, m));
  const M = logs.machines.length;
  const cols = logs.machines.map((log) => log.columns ?? columnsOfRows(log.rows));
  const rowBase: number[] = [];
  let totalRows = 0;
  for (const c of cols) {
    rowBase.push(totalRows);
    totalRows += c.length;
  }
  // run-wide row number → (machine, row)
  const machineOfRow = (g: number): number => {
    let lo = 0;
    let hi = M - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rowBase[mid]! <= g) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const sendIndex = new SendIndex(layoutIndex, totalRows + 1024);
  const firstSends: number[] = [];
  const duplicateSends: RowRef[] = [];
  const drops = new Map<string, RowRef>();
  const killed: boolean[] = [];
  const stopped: boolean[] = [];
  const firstSendOf: Int32Array[] = [];
  let algorithm: string | null = null;

  logs.machines.forEach((log, m) => {
    const c = cols[m]!;
    const { length, event, detail, peer } = c;
    const base = rowBase[m]!;
    const first = new Int32Array(length).fill(-1);
    firstSendOf.push(first);
    let wasKilled = false;
    for (let i = 0; i < length; i++) {
      const ev = event[i]!;
      if (ev === 'SEND') {
        const g = sendIndex.add(c, i, base + i);
        first[i] = g;
        if (g !== base + i) duplicateSends.push({ m, i });
        else firstSends.push(g);
      } else if (ev === 'DROP') {
        // a receiver's refusal (dir=in: its queue was full) is about the copy sent to it; summaries have no msg_id
        const id = c.msgIdAt(i);
        if (detail[i]!.includes('dir=in')) {
          if (id !== '') drops.set(`${id}>${log.machine}`, { m, i });
        } else for (const to of parsePeers(peer[i]!)) drops.set(`${id}>${to}`, { m, i });
      } else if (ev === 'START') {
        if (algorithm === null) {
          const a = detailValue(detail[i]!, 'algorithm');
          if (a) algorithm = a;
        }
        if (i > 0 && event[i - 1] !== 'STOP') wasKilled = true;
      }
    }
    const isStopped = length > 0 && event[length - 1] === 'STOP';
    stopped.push(isStopped);
    killed.push(wasKilled || !isStopped);
  });

  const pairedSendM: Int32Array[] = [];
  const pairedSendI: Int32Array[] = [];
  const receivedCopies = new CopySet(totalRows, M);
  for (let m = 0; m < M; m++) {
    const c = cols[m]!;
    const { length, event, msgSender } = c;
    const first = firstSendOf[m]!;
    const pm = new Int32Array(length).fill(-1);
    const pi = new Int32Array(length).fill(-1);
    let sm = 0; // machine of the last paired SEND: most lookups hit it or a neighbour
    for (let i = 0; i < length; i++) {
      if (event[i] !== 'RECEIVE') continue;
      const g = sendIndex.get(c, i);
      if (g < 0) continue;
      if (msgSender[i] === NO_MSG_ID) {
        // not paired, but it is the receipt of a copy of a SEND without msg_id (as in receivedKeys)
        receivedCopies.add(g, m);
        continue;
      }
      if (!(rowBase[sm]! <= g && (sm + 1 === M || g < rowBase[sm + 1]!))) sm = machineOfRow(g);
      pm[i] = sm;
      pi[i] = g - rowBase[sm]!;
      first[i] = g;
      receivedCopies.add(g, m);
    }
    pairedSendM.push(pm);
    pairedSendI.push(pi);
  }

  let sends: Map<string, RowRef> | null = null;
  return {
    logs,
    sharedFile: side.sharedFile ?? null,
    faults: side.faults ?? null,
    machines: logs.machines,
    cols,
    layout: logs.layout,
    n: logs.layout.length,
    layoutIndex,
    machineIndex,
    algorithm,
    // built when first asked for (the report): analysis itself looks SENDs up through firstSendOf
    get sends(): ReadonlyMap<string, RowRef> {
      if (sends === null) {
        sends = new Map();
        for (const g of firstSends) {
          const m = machineOfRow(g);
          const i = g - rowBase[m]!;
          sends.set(cols[m]!.msgIdAt(i), { m, i });
        }
      }
      return sends;
    },
    duplicateSends,
    drops,
    killed,
    stopped,
    totalRows,
    pairedSendM,
    pairedSendI,
    rowBase,
    firstSendOf,
    receivedCopies,
  };
}

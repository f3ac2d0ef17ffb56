/**
 * Types shared by every analysis module: a run's parsed logs (as the reader produces them), the
 * indexed run the checkers see, and the whole AnalysisResult that `analyze`, `report` and later
 * `experiment` consume. Pure: no I/O, no clock.
 */
import type { MachineId } from '../core/types.js';

/** One parsed log row. `vector` lives in {@link MachineLog.vectors} (row-major, shared layout). */
export interface LogEntry {
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  readonly time: string;
  readonly epochMs: number;
  readonly event: string;
  readonly lamport: number;
  readonly queueLen: number;
  /** `;`-joined machine ids, '' when none. */
  readonly peer: string;
  readonly msgId: string;
  readonly detail: string;
  /** True when the event advances the clocks (see core/events.ts). */
  readonly clock: boolean;
}

/**
 * The rows of one log file, row i across every column. Invariant: every column has `length`
 * entries; `clock[i]` is 1 iff `event[i]` is a clock event; equal to the row objects' fields.
 */
export interface LogColumns {
  readonly length: number;
  readonly line: Float64Array;
  readonly epochMs: Float64Array;
  readonly lamport: Float64Array;
  readonly queueLen: Float64Array;
  readonly clock: Uint8Array;
  readonly event: readonly string[];
  readonly peer: readonly string[];
  /**
   * msg_id as numbers: when it is `<sender>-<seq>` in canonical decimal (columns.ts splitMsgId),
   * msgSender[i] ≥ 0 and msgSeq[i] hold them; msgSender[i] is NO_MSG_ID for an empty
   * msg_id and OTHER_MSG_ID for any other text. msgIdAt gives the text.
   */
  readonly msgSender: Int32Array;
  readonly msgSeq: Int32Array;
  /** The `msg_id` column of row i. */
  msgIdAt(i: number): string;
  readonly detail: readonly string[];
  /** The `time` column of row i (kept as text until asked for: `analyze` never reads it). */
  timeAt(i: number): string;
}

/** A copy of `a` with room for `size` entries. */
/**
 * One machine's log file, rows in file order.
 * Invariant: `vectors.length === rows.length * layout.length`; entry j (layout index) of row i
 * is `vectors[i * layout.length + j]`.
 */
export interface MachineLog {
  /** File name within the log dir, e.g. `log_3.csv` (used in `file:line` references). */
  readonly file: string;
  readonly machine: MachineId;
  readonly rows: readonly LogEntry[];
  readonly vectors: Int32Array;
  /**
   * The rows column by column, when the producer has them (the file reader does; then `rows` is
   * built from them on first use). Absent: indexRun derives them from `rows`.
   */
  readonly columns?: LogColumns;
}

/**
 * Every machine's log of one run. Invariant: `machines` is sorted by id; `layout` (the vector
 * layout: every machine id of the config, ascending) is the same for all rows of all files.
 */
export interface RunLogs {
  readonly dir: string;
  readonly layout: readonly MachineId[];
  readonly machines: readonly MachineLog[];
  /** Non-fatal notes from reading (e.g. a torn last line after a kill, which was skipped). */
  readonly warnings: readonly string[];
}

/** A row by machine index (into `RunLogs.machines`) and row index. */
export interface RowRef {
  readonly m: number;
  readonly i: number;
}

/** A violation or notable row: `where` is `file:line`. */
export interface Finding {
  readonly where: string;
  readonly message: string;
}

/** Result of one invariant or checker. `ok` iff `violations === 0`. */
export interface CheckResult {
  /** Stable kebab-case name, e.g. `lamport-rules`. */
  readonly name: string;
  /** One line saying what is checked. */
  readonly description: string;
  readonly ok: boolean;
  readonly violations: number;
  /** The first offending rows (at most {@link MAX_EXAMPLES}), in discovery order. */
  readonly examples: readonly Finding[];
}

/** How many offending rows a check keeps as examples. */
export const MAX_EXAMPLES = 10;

/** Summary statistics over a list of numbers (all 0 when empty). */
export interface Summary {
  readonly count: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
}

/** Per-machine statistics. Times are ms; counts are rows unless said otherwise. */
export interface MachineStats {
  readonly machine: MachineId;
  readonly file: string;
  readonly rows: number;
  /** `tick_rate` of the first START row (null when absent). */
  readonly tickRate: number | null;
  readonly seed: number | null;
  /** Number of START rows (restarts = starts - 1). */
  readonly starts: number;
  /** True when the log (or an earlier incarnation before a restart) ended without STOP. */
  readonly killed: boolean;
  readonly firstEpochMs: number;
  readonly lastEpochMs: number;
  readonly runLengthMs: number;
  readonly eventsByType: Readonly<Record<string, number>>;
  readonly clockEvents: number;
  readonly finalLamport: number;
  /** Lamport jump on each RECEIVE: lamport(receive) − lamport(previous row of this machine). */
  readonly jumps: Summary & { readonly over1: number };
  readonly queue: { readonly max: number; readonly mean: number; readonly final: number };
  readonly messages: {
    /** SEND rows. */
    readonly sent: number;
    /** Message copies (one per destination of each SEND). */
    readonly sentCopies: number;
    readonly received: number;
    /** DROP rows written by this machine. */
    readonly dropped: number;
    /** Copies this machine sent that were lost (not dropped, not queued at end). */
    readonly lost: number;
    /** Copies addressed to this machine still in flight or in its queue when it stopped. */
    readonly queuedAtEnd: number;
  };
  /**
   * Lamport gap to the fastest alive machine at the same system time: `maxGap` over the whole run;
   * `finalGap` at one instant common to all machines, `endEpochMs` (the run's earliest STOP; see
   * stats.ts computeDrift), each machine's clock taken at its last row at or before that instant.
   */
  readonly drift: { readonly maxGap: number; readonly finalGap: number; readonly endEpochMs: number | null };
}

/**
 * Why a message copy never arrived. `receiver-stopped`: the copy was still in flight or queued
 * when the receiver stopped cleanly (fate `queued-at-end`, not lost); `in-flight`: it vanished on
 * a link that delivered a later copy while both ends ran (lost).
 */
export type LostReason =
  | 'sender-killed'
  | 'receiver-killed'
  | 'receiver-stopped'
  | 'receiver-missing'
  | 'in-flight';

/** One message copy (a SEND to one destination) that never produced a RECEIVE. */
export interface LostMessage {
  readonly msgId: string;
  readonly from: MachineId;
  readonly to: MachineId;
  readonly sendAt: string;
  /**
   * 'dropped' when the sender logged a DROP for this destination; 'queued-at-end' when it was still
   * in flight or queued when the run ended cleanly; 'lost' otherwise.
   */
  readonly fate: 'dropped' | 'lost' | 'queued-at-end';
  readonly reason: LostReason | DropReason;
}

/** Why a copy was dropped by its sender (DROP row). */
export type DropReason = 'destination-down' | 'partitioned' | 'injected_loss' | 'queue_full';

export interface MessageAccounting {
  readonly sends: number;
  readonly copies: number;
  readonly received: number;
  readonly dropped: number;
  /** Copies lost: in flight at a kill, or vanished on a link (not the ones queued at end). */
  readonly lost: number;
  /**
   * Copies still in flight or in the receiver's queue when the run ended cleanly (receiver stopped,
   * sender not killed, after the last copy delivered on that link). Same meaning as simulate's.
   */
  readonly queuedAtEnd: number;
  /** dropped + lost + queuedAtEnd: every copy without a RECEIVE. */
  readonly undelivered: number;
  /** Lost copies by LostReason (queued-at-end ones are not in here). */
  readonly lostByReason: Readonly<Record<string, number>>;
  /** Dropped copies by DropReason (destination down, partitioned link, injected loss). */
  readonly droppedByReason: Readonly<Record<string, number>>;
  /** The first few undelivered copies (dropped and lost), for display. */
  readonly examples: readonly LostMessage[];
}

/** Everything `analyze` knows about a run. JSON-serialisable. */
export interface AnalysisResult {
  readonly dir: string;
  readonly machines: readonly MachineId[];
  readonly layout: readonly MachineId[];
  readonly algorithm: string | null;
  readonly totalRows: number;
  readonly stats: readonly MachineStats[];
  readonly messages: MessageAccounting;
  /** Core invariants first, then algorithm checkers that apply. */
  readonly checks: readonly CheckResult[];
  readonly ok: boolean;
  readonly warnings: readonly string[];
}

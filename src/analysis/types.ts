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
    /** Copies this machine sent that never arrived and were not dropped. */
    readonly lost: number;
  };
  /** Lamport gap to the fastest machine at the same system time, while this machine was alive. */
  readonly drift: { readonly maxGap: number; readonly finalGap: number };
}

/** Why a message copy never arrived. */
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
  /** 'dropped' when the sender logged a DROP for this destination. */
  readonly fate: 'dropped' | 'lost';
  readonly reason: LostReason | DropReason;
}

/** Why a copy was dropped by its sender (DROP row). */
export type DropReason = 'destination-down' | 'partitioned' | 'injected_loss' | 'queue_full';

export interface MessageAccounting {
  readonly sends: number;
  readonly copies: number;
  readonly received: number;
  readonly dropped: number;
  readonly lost: number;
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

/**
 * What the live view's server sends to the page (JSON snapshot and Server-Sent Events) and what its
 * feed worker sends to the server. Rows and faults travel as compact tuples; the README's "Live
 * view" section documents the same shapes.
 */
import type { AnalysisResult, CheckResult } from '../analysis/types.js';
import type { MachineId } from '../core/types.js';

/** One log row: `[machine, epoch_ms, event, lamport, queue_len, peer, msg_id, detail, line]`. */
export type RowTuple = [MachineId, number, string, number, number, string, string, string, number];

/** One faults.csv entry: `[epoch_ms, fault, machine (null for link faults), detail, line]`. */
export type FaultTuple = [number, string, MachineId | null, string, number];

/**
 * Checks that can only be judged on a finished run (they speak of "the end" or of something
 * eventually happening): while the run goes on they are shown as pending, never red.
 * Every other check is a safety property of the rows so far, so a violation in a prefix of the run
 * stays a violation in the whole run.
 */
export const END_OF_RUN_CHECKS: ReadonlySet<string> = new Set(['election-agreement', 'election-recovery', 'mutex-liveness', 'mutex-fairness']);

/** Result of running analyze's checks on the rows that had arrived up to `cutMs`. */
export interface LiveAnalysis {
  /** Rows with epoch_ms ≤ cutMs were analysed (a consistent cut: see feedWorker.ts). */
  readonly cutMs: number;
  readonly rows: number;
  /** Wall time the analysis took in the feed worker (ms). */
  readonly durationMs: number;
  /** True for the analysis of the complete run (the same as `analyze --json`). */
  readonly final: boolean;
  readonly checks: readonly CheckResult[];
  /** Every check that can fail on a prefix holds (end-of-run checks too when final). */
  readonly ok: boolean;
}

/** A batch of new rows and faults. `seq`/`faultSeq`: totals after this batch. */
export interface Batch {
  readonly seq: number;
  readonly faultSeq: number;
  readonly rows: RowTuple[];
  readonly faults: FaultTuple[];
  readonly warnings: string[];
}

/** GET /api/snapshot: the run so far. */
export interface Snapshot {
  readonly version: 1;
  readonly mode: 'live' | 'replay';
  readonly dir: string;
  /** Rows and faults included (every one since the run started: nothing is left out). */
  readonly seq: number;
  readonly faultSeq: number;
  readonly rows: RowTuple[];
  readonly faults: FaultTuple[];
  readonly warnings: string[];
  readonly analysis: LiveAnalysis | null;
  /** The complete analysis once the run has ended (replay: always). */
  readonly result: AnalysisResult | null;
  readonly ended: boolean;
  /** Whether POST /api/control is enabled (start-all --ui-control). */
  readonly control: boolean;
}

/** Messages of the feed worker to the server. */
export type FeedMessage =
  | { type: 'batch'; batch: Batch }
  | { type: 'analysis'; analysis: LiveAnalysis }
  | { type: 'final'; analysis: LiveAnalysis; result: AnalysisResult }
  | { type: 'error'; message: string };

/** Messages of the server to the feed worker. */
export type FeedCommand = { type: 'finish' };

/**
 * `simulate --check`: runs the same simulation for many seeds with rows kept in memory, feeds each
 * run to the analysis invariants (analysis/analyze.ts: the core clock invariants plus every
 * registered algorithm checker) and reports the seeds whose rows break one. No files are written.
 */
import { analyzeRun } from '../../analysis/analyze.js';
import type { RunChecker } from '../../analysis/checker.js';
import type { CheckResult } from '../../analysis/types.js';
import { rowsToRunLogs } from '../../analysis/fromRows.js';
import type { LogRow } from '../../core/logRow.js';
import type { MachineId } from '../../core/types.js';
import { MemoryLogs } from './logSinks.js';
import { type SimulationOptions, runSimulation } from './simulation.js';


/** One seed that broke at least one invariant. */
export interface SeedFailure {
  readonly seed: number;
  /** The failed checks (with their first examples). */
  readonly failed: readonly CheckResult[];
}

export interface CheckSeedsOptions {
  /** Everything but seed and sink. */
  readonly simulation: Omit<SimulationOptions, 'seed' | 'sink'>;
  readonly firstSeed: number;
  readonly seeds: number;
  /** Extra algorithm checkers (default: the registry). */
  readonly checkers?: readonly RunChecker[];
  /** Called after each seed (progress display). */
  readonly onSeed?: (seed: number, failure: SeedFailure | null) => void;
  /** Test-only: corrupts rows before they are checked (to prove a broken run is caught). */
  readonly tamper?: (seed: number, rows: Map<MachineId, LogRow[]>) => void;
}

export interface CheckSeedsResult {
  readonly seedsRun: number;
  readonly failures: readonly SeedFailure[];
  /** Simulator events over all seeds. */
  readonly events: number;
  readonly rows: number;
}

/** Runs seeds firstSeed .. firstSeed+seeds-1 and checks each run. Deterministic per seed. */
export function checkSeeds(opts: CheckSeedsOptions): CheckSeedsResult {
  const failures: SeedFailure[] = [];
  let events = 0;
  let rowCount = 0;
  for (let k = 0; k < opts.seeds; k++) {
    const seed = opts.firstSeed + k;
    const logs = new MemoryLogs();
    const result = runSimulation({ ...opts.simulation, seed, sink: (id) => logs.sink(id) });
    events += result.events;
    opts.tamper?.(seed, logs.rows);
    for (const list of logs.rows.values()) rowCount += list.length;
    const analysis = opts.checkers ? analyzeRun(rowsToRunLogs(logs.rows, opts.simulation.ids), opts.checkers) : analyzeRun(rowsToRunLogs(logs.rows, opts.simulation.ids));
    const failed = analysis.checks.filter((c) => !c.ok);
    const failure = failed.length ? { seed, failed } : null;
    if (failure) failures.push(failure);
    opts.onSeed?.(seed, failure);
  }
  return { seedsRun: opts.seeds, failures, events, rows: rowCount };
}

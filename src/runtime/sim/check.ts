/**
 * `simulate --check`: runs the same simulation for many seeds with rows kept in memory, feeds each
 * run to the analysis invariants (analysis/analyze.ts: the core clock invariants plus every
 * registered algorithm checker) and reports the seeds whose rows break one. No files are written.
 */
import { analyzeRun } from '../../analysis/analyze.js';
import type { RunChecker } from '../../analysis/checkers.js';
import type { CheckResult, LogEntry, MachineLog, RunLogs } from '../../analysis/types.js';
import { isClockEvent } from '../../core/events.js';
import type { LogRow } from '../../core/logRow.js';
import type { MachineId } from '../../core/types.js';
import { MemoryLogs } from './logSinks.js';
import { type SimulationOptions, runSimulation } from './simulation.js';

/**
 * Parses a log-format vector (`1:4;2:0`) whose ids are `layout`, into out[off..]. Returns false
 * when it does not match the layout (reported as a violation by the caller).
 */
function vectorInto(text: string, layout: readonly MachineId[], out: Int32Array, off: number): boolean {
  const parts = text === '' ? [] : text.split(';');
  if (parts.length !== layout.length) return false;
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j]!;
    const colon = p.indexOf(':');
    if (Number(p.slice(0, colon)) !== layout[j]) return false;
    out[off + j] = Number(p.slice(colon + 1));
  }
  return true;
}

/**
 * Turns in-memory rows into the parsed form the analysis reads from files: the same `file:line`
 * references (`log_<id>.csv`, header = line 1) as if the rows had been written and read back.
 * Invariant: for rows written by the simulator, equal to readLogDir() of the files it would write.
 */
export function rowsToRunLogs(rows: ReadonlyMap<MachineId, readonly LogRow[]>, layout: readonly MachineId[], dir = '(memory)'): RunLogs {
  const n = layout.length;
  const warnings: string[] = [];
  const machines: MachineLog[] = [...rows.keys()]
    .sort((a, b) => a - b)
    .map((id) => {
      const list = rows.get(id)!;
      const vectors = new Int32Array(list.length * n);
      const entries: LogEntry[] = list.map((r, i) => {
        if (!vectorInto(r.vector, layout, vectors, i * n)) warnings.push(`log_${id}.csv:${i + 2}: vector "${r.vector}" does not match the layout`);
        return {
          line: i + 2,
          time: r.time,
          epochMs: r.epoch_ms,
          event: r.event,
          lamport: r.lamport,
          queueLen: r.queue_len,
          peer: r.peer,
          msgId: r.msg_id,
          detail: r.detail,
          clock: isClockEvent(r.event),
        };
      });
      return { file: `log_${id}.csv`, machine: id, rows: entries, vectors };
    });
  return { dir, layout: [...layout].sort((a, b) => a - b), machines, warnings };
}

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

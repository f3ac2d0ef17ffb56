/**
 * Simulator throughput measurement, for `npm run bench` (bench/sim.js) and for the report: runs
 * the workload on N machines with rows discarded (the --no-logs path) or formatted into memory as
 * files would get them, and returns events per second of wall time and of process CPU time.
 */
import { createAlgorithm, DEFAULT_ALGORITHM_OPTIONS } from '../../algorithms/registry.js';
import type { RowSink } from '../engine.js';
import { formatRow } from '../log/csvLog.js';
import { DISCARD_SINK } from './logSinks.js';
import { runSimulation } from './simulation.js';

export interface SimBenchCase {
  readonly machines: number;
  /** Virtual ms to simulate. */
  readonly durationMs: number;
  readonly seed?: number;
  /** Format every row with formatRow (as log files would) instead of discarding rows. */
  readonly formatRows?: boolean;
}

export interface SimBenchResult extends Required<SimBenchCase> {
  readonly events: number;
  readonly rows: number;
  /** Wall ms of the whole run, startup included. */
  readonly wallMs: number;
  /** Wall ms of startup alone (machines built, START/READY rows), measured with a zero-length run. */
  readonly startupMs: number;
  readonly eventsPerSec: number;
  /** Events per second of the event loop alone: events / (wallMs − startupMs). */
  readonly loopEventsPerSec: number;
  /** Events per second of process CPU time (user + system: less noisy on a busy machine). */
  readonly eventsPerCpuSec: number;
  readonly rssMb: number;
}

/** Runs one case. Deterministic in events and rows; times are measurements. */
export function benchSimulator(c: SimBenchCase): SimBenchResult {
  const seed = c.seed ?? 1;
  const formatRows = c.formatRows ?? false;
  const ids = Array.from({ length: c.machines }, (_, i) => i + 1);
  const algorithm = () => createAlgorithm('workload', DEFAULT_ALGORITHM_OPTIONS);
  let rows = 0;
  const sink: RowSink = formatRows
    ? {
        write(row) {
          formatRow(row);
          rows++;
        },
      }
    : DISCARD_SINK;
  const s0 = performance.now();
  runSimulation({ ids, seed, algorithm, durationMs: 0, sink: () => DISCARD_SINK });
  const startupMs = performance.now() - s0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = runSimulation({ ids, seed, algorithm, durationMs: c.durationMs, sink: () => sink });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (!formatRows) rows = [...result.counts.values()].reduce((a, b) => a + b, 0);
  return {
    machines: c.machines,
    durationMs: c.durationMs,
    seed,
    formatRows,
    events: result.events,
    rows,
    wallMs,
    startupMs,
    eventsPerSec: result.events / (wallMs / 1000),
    loopEventsPerSec: result.events / (Math.max(wallMs - startupMs, 1e-3) / 1000),
    eventsPerCpuSec: result.events / (cpuMs / 1000),
    rssMb: process.memoryUsage().rss / 1e6,
  };
}

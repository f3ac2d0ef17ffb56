/**
 * Runs the election algorithms in the deterministic simulator and hands the rows to the election
 * checker as if they had been read from files (line = index + 2, after the header), with the
 * crashes/restarts as faults.csv records. Shared by the election simulation tests and measurements.
 */
import { createBully } from '../../src/algorithms/bully.js';
import { createRingElection } from '../../src/algorithms/ringElection.js';
import { electionChecks, electionReport, type ElectionLog, type FaultRecord } from '../../src/analysis/electionChecks.js';
import type { LogRow } from '../../src/core/logRow.js';
import { DEFAULT_SIM_EPOCH, runSimulation, uniformDelay } from '../../src/runtime/sim/simulation.js';

export type ElectionAlgorithmName = 'election' | 'bully';

export interface ElectionSimOptions {
  readonly algorithm: ElectionAlgorithmName;
  readonly n: number;
  readonly seed: number;
  readonly durationMs: number;
  readonly crashes?: readonly { id: number; atMs: number }[];
  readonly restarts?: readonly { id: number; atMs: number }[];
  readonly heartbeatMs?: number;
  readonly leaderTimeoutMs?: number;
  readonly ranks?: ReadonlyMap<number, number>;
  readonly delayMaxMs?: number;
  /** Fixed tick rate for every machine (default: drawn per machine, 1–6). */
  readonly tickRate?: number;
}

export interface ElectionSimRun {
  readonly rows: Map<number, LogRow[]>;
  readonly logs: ElectionLog[];
  readonly faults: FaultRecord[];
}

/** Runs one simulation. Machine ids are 1..n in ring order. */
export function runElectionSim(o: ElectionSimOptions): ElectionSimRun {
  const ids = Array.from({ length: o.n }, (_, i) => i + 1);
  const rows = new Map<number, LogRow[]>();
  const opts = { heartbeatMs: o.heartbeatMs ?? 1000, leaderTimeoutMs: o.leaderTimeoutMs ?? 5000, ranks: o.ranks ?? new Map<number, number>() };
  runSimulation({
    ids,
    seed: o.seed,
    algorithm: () => (o.algorithm === 'election' ? createRingElection(opts) : createBully(opts)),
    delay: uniformDelay(0.5, o.delayMaxMs ?? 40),
    durationMs: o.durationMs,
    tickRate: o.tickRate,
    crashes: o.crashes ?? [],
    restarts: o.restarts ?? [],
    sink: (id) => {
      let list = rows.get(id);
      if (!list) rows.set(id, (list = []));
      const l = list;
      return { write: (r) => l.push(r) };
    },
  });
  const logs: ElectionLog[] = ids.map((id) => ({
    file: `log_${id}.csv`,
    machine: id,
    rows: (rows.get(id) ?? []).map((r, i) => ({ line: i + 2, epochMs: r.epoch_ms, event: r.event, detail: r.detail, peer: r.peer })),
  }));
  const faults: FaultRecord[] = [];
  let line = 2;
  const all = [...(o.crashes ?? []).map((c) => ({ ...c, fault: 'kill' })), ...(o.restarts ?? []).map((c) => ({ ...c, fault: 'restart' }))].sort((a, b) => a.atMs - b.atMs);
  for (const f of all) faults.push({ line: line++, epochMs: DEFAULT_SIM_EPOCH + Math.floor(f.atMs), fault: f.fault, machine: f.id, detail: '' });
  return { rows, logs, faults };
}

/** The checker's results and report for a simulated run. */
export function checkElectionSim(run: ElectionSimRun) {
  return { checks: electionChecks(run.logs, run.faults), report: electionReport(run.logs, run.faults) };
}

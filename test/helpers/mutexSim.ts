/**
 * Runs the mutual-exclusion algorithms in the deterministic simulator and indexes the rows as the
 * analysis would have read them from files (line = index + 2, after the header). The shared
 * resource file's text comes from the simulator's own row pipeline, in global event order.
 */
import type { AnyAlgorithm } from '../../src/core/algorithm.js';
import { rowsToRunLogs } from '../../src/analysis/fromRows.js';
import type { LogRow } from '../../src/core/logRow.js';
import { createLamportMutex } from '../../src/algorithms/mutex.js';
import { createRicartAgrawala } from '../../src/algorithms/ricartAgrawala.js';
import type { MutexOptions } from '../../src/algorithms/mutexCommon.js';
import { indexRun, type Run } from '../../src/analysis/run.js';
import type { RunLogs } from '../../src/analysis/types.js';
import { runSimulation, uniformDelay, type SimulationResult } from '../../src/runtime/sim/simulation.js';

export type MutexAlgorithmName = 'mutex' | 'ricart-agrawala';

export interface MutexSimOptions {
  readonly algorithm: MutexAlgorithmName;
  readonly n: number;
  readonly seed: number;
  readonly durationMs: number;
  readonly requestUntilMs?: number;
  readonly csProbability?: number;
  readonly csTicks?: number;
  readonly failureTimeoutMs?: number;
  readonly delayMaxMs?: number;
  readonly tickRate?: number;
  readonly crashes?: readonly { id: number; atMs: number }[];
  readonly restarts?: readonly { id: number; atMs: number }[];
  /**
   * Machines whose run ends before the others' (as with start-all, where a restarted machine gets a
   * full --duration again and outlives its peers): at atMs the machine writes STOP and goes away.
   * Modelled as a crash (its links break, peers see DISCONNECT) plus the STOP row a real machine
   * writes on the way out, so the logs read as a graceful end, not a kill.
   */
  readonly stops?: readonly { id: number; atMs: number }[];
  readonly partitions?: readonly { groups: number[][]; fromMs: number; toMs: number; text: string }[];
  /** Probability that each message copy is lost in flight (the simulator's --loss). */
  readonly loss?: number;
  /** MutexOptions.retransmitMs (undefined: the algorithms' default). */
  readonly retransmitMs?: number;
  /** Replaces the algorithm (e.g. a deliberately broken variant). */
  readonly build?: (options: MutexOptions, id: number) => AnyAlgorithm;
}

export interface MutexSimRun {
  readonly rows: Map<number, LogRow[]>;
  readonly run: Run;
  readonly sharedText: string;
  readonly result: SimulationResult;
}

/** Turns in-memory rows into the analysis' RunLogs (file `log_<id>.csv`, line = index + 2). */
export function toRunLogs(rows: Map<number, LogRow[]>, ids: readonly number[]): RunLogs {
  return rowsToRunLogs(rows, [...ids].sort((a, b) => a - b), 'sim');
}

/** Runs one simulation. Machine ids are 1..n. */
export function runMutexSim(o: MutexSimOptions): MutexSimRun {
  const ids = Array.from({ length: o.n }, (_, i) => i + 1);
  const rows = new Map<number, LogRow[]>();
  const shared: string[] = [];
  const options: MutexOptions = {
    csProbability: o.csProbability ?? 0.2,
    csTicks: o.csTicks ?? 2,
    failureTimeoutMs: o.failureTimeoutMs ?? 3000,
    ...(o.requestUntilMs !== undefined ? { requestUntilMs: o.requestUntilMs } : {}),
    ...(o.retransmitMs !== undefined ? { retransmitMs: o.retransmitMs } : {}),
  };
  const build = o.build ?? ((opts: MutexOptions) => (o.algorithm === 'mutex' ? createLamportMutex(opts) : createRicartAgrawala(opts)));
  const result = runSimulation({
    ids,
    seed: o.seed,
    algorithm: (id) => build(options, id),
    delay: uniformDelay(0.5, o.delayMaxMs ?? 40),
    durationMs: o.durationMs,
    ...(o.tickRate !== undefined ? { tickRate: o.tickRate } : {}),
    crashes: [...(o.crashes ?? []), ...(o.stops ?? [])],
    restarts: o.restarts ?? [],
    partitions: o.partitions ?? [],
    ...(o.loss !== undefined ? { loss: o.loss } : {}),
    sink: (id) => {
      let list = rows.get(id);
      if (!list) rows.set(id, (list = []));
      const l = list;
      return { write: (r) => l.push(r) };
    },
    sharedResource: { append: (line) => shared.push(line) },
  });
  for (const { id, atMs } of o.stops ?? []) {
    const list = rows.get(id)!;
    const last = list[list.length - 1]!;
    const epoch = list[0]!.epoch_ms + atMs;
    list.push({ ...last, time: new Date(epoch).toISOString(), epoch_ms: epoch, event: 'STOP', queue_len: 0, peer: '', msg_id: '', detail: 'reason=duration' });
  }
  return { rows, run: indexRun(toRunLogs(rows, ids)), sharedText: shared.join(''), result };
}

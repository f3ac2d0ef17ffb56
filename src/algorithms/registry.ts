/**
 * The algorithms a machine can run, by --algorithm name, and the options each takes. The runtime
 * and the simulator build algorithms only through here.
 */
import type { AnyAlgorithm } from '../core/algorithm.js';
import { LabError } from '../core/errors.js';
import { createWorkload } from './workload.js';
import { createLamportMutex } from './mutex.js';
import { createRicartAgrawala } from './ricartAgrawala.js';
import { createRingElection } from './ringElection.js';
import { createBully } from './bully.js';

/** Every option any algorithm reads, already validated by the CLI or config. */
export interface AlgorithmOptions {
  /** workload: upper bound of the event draw. */
  readonly internalMax: number;
  /** mutex algorithms: probability an idle machine requests on a tick. */
  readonly csProbability: number;
  /** mutex algorithms: ticks the critical section is held. */
  readonly csTicks: number;
  /** mutex algorithms: ms a peer may be unreachable before it is dropped from the membership. */
  readonly failureTimeoutMs: number;
  /**
   * mutex algorithms: ms without progress before a waiting machine re-sends its REQUEST (undefined:
   * the algorithm's default, mutexCommon.ts retransmitAfterMs; Infinity: never re-send).
   */
  readonly retransmitMs?: number;
  /** election algorithms: ms between leader checks. */
  readonly heartbeatMs: number;
  /** election algorithms: ms without an answer before the leader is presumed lost. */
  readonly leaderTimeoutMs: number;
  /** election algorithms: ranks from the config, by machine id (missing: drawn from the seed). */
  readonly ranks: ReadonlyMap<number, number>;
}

export const DEFAULT_ALGORITHM_OPTIONS: AlgorithmOptions = {
  internalMax: 10,
  csProbability: 0.2,
  csTicks: 2,
  failureTimeoutMs: 3000,
  heartbeatMs: 1000,
  leaderTimeoutMs: 5000,
  ranks: new Map(),
};

type Factory = (options: AlgorithmOptions) => AnyAlgorithm;

const FACTORIES = new Map<string, Factory>([
  ['workload', (o) => createWorkload({ internalMax: o.internalMax })],
  ['mutex', (o) => createLamportMutex({ csProbability: o.csProbability, csTicks: o.csTicks, failureTimeoutMs: o.failureTimeoutMs, ...(o.retransmitMs !== undefined ? { retransmitMs: o.retransmitMs } : {}) })],
  ['ricart-agrawala', (o) => createRicartAgrawala({ csProbability: o.csProbability, csTicks: o.csTicks, failureTimeoutMs: o.failureTimeoutMs, ...(o.retransmitMs !== undefined ? { retransmitMs: o.retransmitMs } : {}) })],
  ['election', (o) => createRingElection({ heartbeatMs: o.heartbeatMs, leaderTimeoutMs: o.leaderTimeoutMs, ranks: o.ranks })],
  ['bully', (o) => createBully({ heartbeatMs: o.heartbeatMs, leaderTimeoutMs: o.leaderTimeoutMs, ranks: o.ranks })],
]);

/** Names accepted by --algorithm. */
export function algorithmNames(): string[] {
  return [...FACTORIES.keys()];
}

/** Builds an algorithm by name; LabError INVALID_OPTION lists the valid names. */
export function createAlgorithm(name: string, options: AlgorithmOptions): AnyAlgorithm {
  const factory = FACTORIES.get(name);
  if (!factory) {
    throw new LabError('INVALID_OPTION', `unknown algorithm "${name}" (choose from: ${algorithmNames().join(', ')})`);
  }
  return factory(options);
}

/**
 * One `check` run, without I/O: builds the model for an algorithm of the registry (or a test's
 * variant), explores it and, on a violation, replays the counterexample as a run. The CLI
 * (cli/commands/check.ts) parses options, prints and writes the files; tests call this directly.
 */
import type { AnyAlgorithm } from '../core/algorithm.js';
import { LabError } from '../core/errors.js';
import type { MachineId } from '../core/types.js';
import { type AlgorithmOptions, algorithmModule, createAlgorithm } from '../algorithms/registry.js';
import { abstractionFor, type Abstraction } from './abstractions.js';
import { explore, type ExploreResult, type ExploreStats, type Strategy } from './explore.js';
import { type FaultModel, Model, NO_FAULTS } from './model.js';
import { propertiesFor, type PropertySet } from './properties.js';
import { type CounterexampleRun, replayCounterexample } from './trace.js';

export interface CheckOptions {
  readonly algorithm: string;
  readonly machines: number;
  readonly algorithmOptions: AlgorithmOptions;
  readonly faults?: FaultModel;
  readonly strategy?: Strategy;
  readonly maxDepth?: number;
  readonly maxStates?: number;
  readonly tickMs?: number;
  readonly seed?: number;
  readonly walks?: number;
  /** Mutex algorithms: each machine requests at most this often (model.ts `maxRequests`). */
  readonly maxRequests?: number;
  /** Replaces the registry's algorithm (tests: a deliberately broken variant). */
  readonly build?: (id: MachineId) => AnyAlgorithm;
  readonly now?: () => number;
  readonly onProgress?: (stats: ExploreStats) => void;
}

export interface CheckResult {
  readonly stats: ExploreStats;
  readonly properties: PropertySet;
  readonly abstraction: Abstraction;
  readonly violation: ExploreResult['violation'];
  /** The counterexample replayed as a run (null without a violation). */
  readonly counterexample: CounterexampleRun | null;
  readonly model: Model;
}

export const DEFAULT_DEPTH = 1000;
export const DEFAULT_MAX_STATES = 1_000_000;
export const DEFAULT_TICK_MS = 1000;

/** What the election checks allow before machines must agree (electionChecks.ts): leader timeout + 3 heartbeats + 1 s. */
function settleMs(o: AlgorithmOptions): number {
  return o.leaderTimeoutMs + 3 * o.heartbeatMs + 1000;
}

/** Fault model names for --faults. */
export const FAULT_NAMES = ['none', 'crash', 'partition', 'drop'] as const;

/** Parses `none` or a comma list of crash, partition, drop. LabError INVALID_OPTION otherwise. */
export function parseFaults(text: string, max: number): FaultModel {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new LabError('INVALID_OPTION', '--faults: empty (use none, or a list of crash, partition, drop)');
  for (const n of names) {
    if (!(FAULT_NAMES as readonly string[]).includes(n)) throw new LabError('INVALID_OPTION', `--faults: unknown fault "${n}" (choose none, or from: crash, partition, drop)`);
  }
  if (names.includes('none')) {
    if (names.length > 1) throw new LabError('INVALID_OPTION', '--faults: none cannot be combined with other faults');
    return NO_FAULTS;
  }
  return { crash: names.includes('crash'), partition: names.includes('partition'), drop: names.includes('drop'), max };
}

/**
 * The checker's defaults for the algorithm options: the mutex algorithms' re-sending is off
 * (retransmitMs = Infinity) unless asked for. A re-send repeats a REQUEST its receivers already
 * hold or have lost; it matters for liveness after message loss, which check does not verify, and
 * with it on a machine that ticks while nothing is delivered adds a copy to its links every period,
 * so no space closes. Safety with re-sends is covered by the simulator's loss sweeps and by
 * `check --retransmit-ms <ms>` to a bounded depth.
 */
function withCheckDefaults(o: CheckOptions): CheckOptions {
  const mutex = algorithmModule(o.algorithm)?.checker === 'mutex';
  if (!mutex || o.algorithmOptions.retransmitMs !== undefined) return o;
  return { ...o, algorithmOptions: { ...o.algorithmOptions, retransmitMs: Number.POSITIVE_INFINITY } };
}

/** Runs one check. Throws LabError INVALID_OPTION for an unknown algorithm or bad sizes. */
export function runCheck(given: CheckOptions): CheckResult {
  const o = withCheckDefaults(given);
  if (!Number.isInteger(o.machines) || o.machines < 2 || o.machines > 8) throw new LabError('INVALID_OPTION', `--machines ${o.machines}: the checker takes 2 to 8 machines`);
  const build = o.build ?? ((): AnyAlgorithm => createAlgorithm(o.algorithm, o.algorithmOptions));
  build(1); // validates the name
  const faults = o.faults ?? NO_FAULTS;
  const abstraction = abstractionFor(o.algorithm, o.algorithmOptions, faults.crash || faults.partition);
  const properties = propertiesFor(o.algorithm);
  const model = new Model({ algorithmName: o.algorithm, build, machines: o.machines, tickMs: o.tickMs ?? DEFAULT_TICK_MS, faults, abstraction, ...(o.maxRequests !== undefined ? { maxRequests: o.maxRequests } : {}) });
  const result = explore(model, {
    strategy: o.strategy ?? 'bfs',
    maxDepth: o.maxDepth ?? DEFAULT_DEPTH,
    maxStates: o.maxStates ?? DEFAULT_MAX_STATES,
    properties,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.walks !== undefined ? { walks: o.walks } : {}),
    ...(o.now ? { now: o.now } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  let counterexample: CounterexampleRun | null = null;
  if (result.violation) {
    const election = algorithmModule(o.algorithm)?.checker === 'election';
    const f = faults === NO_FAULTS ? 'none' : [faults.crash && 'crash', faults.partition && 'partition', faults.drop && 'drop'].filter(Boolean).join(',') + ` (at most ${faults.max})`;
    counterexample = replayCounterexample(model, result.violation.path, result.violation.finding, {
      header: [`# lamport-lab check --algorithm ${o.algorithm} --machines ${o.machines}: faults ${f}, ${o.strategy ?? 'bfs'}, tick ${model.config.tickMs} ms${o.maxRequests !== undefined ? `, at most ${o.maxRequests} requests per machine` : ''}`],
      holdMs: election ? settleMs(o.algorithmOptions) + 1000 : model.config.tickMs,
      check: (s) => properties.check(s, model),
    });
  }
  return { stats: result.stats, properties, abstraction, violation: result.violation, counterexample, model };
}

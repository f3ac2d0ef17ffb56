/**
 * The algorithms a machine can run, by --algorithm name: the list of algorithm modules
 * (module.ts AlgorithmModule), and what is computed from it in one place: the names, the
 * built-in option defaults, the algorithm options on the command line, and the set of non-clock
 * event names (the runtime's own rows plus every module's notes). The runtime and the simulator
 * build algorithms only through here. Pure: imports no node:*.
 *
 * Adding an algorithm touches 2 files: its module (which exports an AlgorithmModule declaring its
 * name, factory, events, notes, options and defaults, validation, and the keys of its row hook and
 * checker) and {@link ALGORITHM_MODULES} below. The other layers keep their algorithm-specific
 * parts in small registries keyed by what the module names (rowHook: runtime/host/algorithmHooks.ts;
 * checker: analysis/checkers.ts); a new algorithm reuses an existing key or adds an entry there.
 * Optional: a model-checker abstraction and properties in check/ (without one, `check` hashes
 * states raw and checks the clock rules only) and the live page's role column in ui/client.ts.
 */
import type { AnyAlgorithm } from '../core/algorithm.js';
import { LabError } from '../core/errors.js';
import { RUNTIME_EVENTS } from '../core/events.js';
import type { AlgorithmModule, AlgorithmOptions, AlgorithmOptionSpec } from './module.js';
import { workloadModule } from './workload.js';
import { lamportMutexModule } from './mutex.js';
import { ricartAgrawalaModule } from './ricartAgrawala.js';
import { ringElectionModule } from './ringElection.js';
import { bullyModule } from './bully.js';

export type { AlgorithmModule, AlgorithmOptions, AlgorithmOptionSpec } from './module.js';

/** Every algorithm, in --algorithm order. Invariant: names are unique. */
export const ALGORITHM_MODULES: readonly AlgorithmModule[] = [workloadModule, lamportMutexModule, ricartAgrawalaModule, ringElectionModule, bullyModule];

const BY_NAME = new Map(ALGORITHM_MODULES.map((m) => [m.name, m]));

/** The module of `name`, or undefined for an unknown name. */
export function algorithmModule(name: string): AlgorithmModule | undefined {
  return BY_NAME.get(name);
}

/**
 * Every algorithm option once (by key), in the order of first declaration: the order of the
 * algorithms' option lines in --help. Invariant: one spec per key.
 */
export const ALGORITHM_OPTIONS: readonly AlgorithmOptionSpec[] = (() => {
  const seen = new Map<string, AlgorithmOptionSpec>();
  for (const m of ALGORITHM_MODULES) for (const o of m.options) if (!seen.has(o.key)) seen.set(o.key, o);
  return [...seen.values()];
})();

/** The algorithms that read option `key`, in registry order. */
export function algorithmsReading(key: AlgorithmOptionSpec['key']): string[] {
  return ALGORITHM_MODULES.filter((m) => m.options.some((o) => o.key === key)).map((m) => m.name);
}

/** An option's value in AlgorithmOptions units: seconds become whole ms. */
export function optionFieldValue(spec: AlgorithmOptionSpec, value: number): number {
  return spec.value.kind === 'seconds' ? Math.round(value * 1000) : value;
}

/** Built-in defaults: the workload's draw range, no ranks, and each option's declared default. */
export const DEFAULT_ALGORITHM_OPTIONS: AlgorithmOptions = (() => {
  const o: Record<string, unknown> = { internalMax: 10 };
  for (const spec of ALGORITHM_OPTIONS) if (spec.field !== undefined && spec.default !== undefined) o[spec.field] = optionFieldValue(spec, spec.default);
  o['ranks'] = new Map();
  return o as unknown as AlgorithmOptions;
})();

/**
 * Rows that do not advance any clock: the runtime's own (core/events.ts RUNTIME_EVENTS) and every
 * module's notes. Invariant: an algorithm's `note` effects must use a name from this set, and its
 * `event` effects must not, so the checker can tell the two apart.
 */
export const NON_CLOCK_EVENTS: ReadonlySet<string> = new Set([...RUNTIME_EVENTS, ...ALGORITHM_MODULES.flatMap((m) => m.notes)]);

/** True when a row with this event name advanced the clocks. */
export function isClockEvent(event: string): boolean {
  return !NON_CLOCK_EVENTS.has(event);
}

/** Names accepted by --algorithm. */
export function algorithmNames(): string[] {
  return ALGORITHM_MODULES.map((m) => m.name);
}

/** Builds an algorithm by name; LabError INVALID_OPTION lists the valid names. */
export function createAlgorithm(name: string, options: AlgorithmOptions): AnyAlgorithm {
  const module = BY_NAME.get(name);
  if (!module) {
    throw new LabError('INVALID_OPTION', `unknown algorithm "${name}" (choose from: ${algorithmNames().join(', ')})`);
  }
  return module.create(options);
}

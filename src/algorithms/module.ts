/**
 * What an algorithm module declares about itself (AlgorithmModule): its --algorithm name, how it
 * is built, the event names it writes (clock events and non-clock notes), its command-line options
 * with their defaults, and the keys under which the other layers keep their algorithm-specific
 * parts (the runtime's row hook, the analysis checker). Each algorithm file exports one; the
 * registry (registry.ts) lists them. Pure data and pure functions: no I/O, no clock.
 */
import type { AnyAlgorithm } from '../core/algorithm.js';

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

/** How the CLI parses an option's value (the CLI maps each kind to its parser, cli/parsers.ts). */
export type OptionValueKind =
  | { readonly kind: 'number'; readonly min: number; readonly max: number }
  | { readonly kind: 'int'; readonly min: number }
  | { readonly kind: 'seconds' }
  | { readonly kind: 'path' };

/** The keys of algorithm options on the command line (commander's camelCase) and in config.json `defaults`. */
export type AlgorithmOptionKey = 'csProbability' | 'csTicks' | 'sharedFile' | 'failureTimeout' | 'heartbeat' | 'leaderTimeout';

/** The numeric fields of AlgorithmOptions an option may set. */
export type NumericOptionField = 'csProbability' | 'csTicks' | 'failureTimeoutMs' | 'heartbeatMs' | 'leaderTimeoutMs';

/**
 * One command-line option of an algorithm. Invariant: the help line is exactly
 * `${description} (default ${defaultText ?? default})`; options of the same `key` declared by
 * several algorithms are the same object (one flag, one default).
 */
export interface AlgorithmOptionSpec {
  readonly key: AlgorithmOptionKey;
  /** commander flags, e.g. `--cs-probability <p>`. */
  readonly flags: string;
  /** Help text without the default, e.g. `mutex: ticks the critical section is held`. */
  readonly description: string;
  readonly value: OptionValueKind;
  /** Built-in default in the option's own unit (seconds for `seconds`); absent for `path`. */
  readonly default?: number;
  /** The default as the help shows it, when it is not simply `default`. */
  readonly defaultText?: string;
  /**
   * The AlgorithmOptions field the value sets (seconds become ms); absent: a runtime setting, not
   * an algorithm option (the shared resource file).
   */
  readonly field?: NumericOptionField;
}

/** The runtime's per-algorithm row hook (runtime/host/algorithmHooks.ts), by key. */
export type RowHookKind = 'shared-resource';

/** The analysis checker of an algorithm family (analysis/checkers.ts), by name. */
export type CheckerKind = 'mutex' | 'election';

/** Everything algorithm-specific, declared by the algorithm's module. */
export interface AlgorithmModule {
  /** --algorithm name, also the START row's `algorithm=` value. */
  readonly name: string;
  /** Builds the algorithm from the resolved options. */
  readonly create: (options: AlgorithmOptions) => AnyAlgorithm;
  /** The algorithm's own clock events (beside INTERNAL / SEND / RECEIVE). */
  readonly events: readonly string[];
  /** The algorithm's notes: rows that carry the clocks unchanged (its `note` effects). */
  readonly notes: readonly string[];
  /** Command-line options the algorithm reads, in help order. */
  readonly options: readonly AlgorithmOptionSpec[];
  /** Refuses resolved options that cannot work together (throws LabError INVALID_OPTION). */
  readonly validate?: (options: AlgorithmOptions) => void;
  /** The runtime row hook it needs in real processes, if any. */
  readonly rowHook?: RowHookKind;
  /** The analysis checker that understands its runs, if any. */
  readonly checker?: CheckerKind;
  /** Messages one critical-section entry costs without failures (report: messages per entry). */
  readonly messagesPerEntry?: number;
}

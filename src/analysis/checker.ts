/**
 * What a run checker is: a pure function of an indexed run (its logs and side files, see
 * runInputs.ts) to CheckResults. The core invariants (invariants.ts) and the algorithm checkers
 * (mutexChecks.ts, electionChecks.ts) implement it; checkers.ts holds the registry of the latter.
 */
import type { Run } from './run.js';
import type { CheckResult } from './types.js';

/** A pluggable checker. Must be pure and deterministic; must not throw on malformed runs. */
export interface RunChecker {
  /** Stable name (prefix of its results' names, e.g. `mutex`). */
  readonly name: string;
  appliesTo(run: Run): boolean;
  check(run: Run): CheckResult[];
}

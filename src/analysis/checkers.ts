/**
 * The extension point for run checkers. A checker looks at a whole indexed run and returns one or
 * more CheckResults (each an invariant with a violation count and the first offending rows).
 *
 * The core clock invariants (invariants.ts) always run. Algorithm checkers (mutual exclusion,
 * leader election, ...) append themselves to {@link CHECKERS} (or call {@link registerChecker})
 * and say in `appliesTo` which runs they understand: the runs of the algorithms whose module names
 * the checker (AlgorithmModule.checker, by `run.algorithm`, the START row's `algorithm=` value).
 * This is the analysis layer's per-algorithm registry, keyed by that name ('mutex', 'election').
 * Checkers that need a run's side files (the shared file, faults.csv) read them from the run
 * (Run.sharedFile, Run.faults), so the registry is the same for every run.
 */
import type { RunChecker } from './checker.js';
import { electionChecker } from './electionChecks.js';
import { mutexChecker } from './mutexChecks.js';

/** Algorithm checkers. Others append here; order is the order of results. */
export const CHECKERS: RunChecker[] = [electionChecker, mutexChecker];

/** Adds a checker to {@link CHECKERS} unless one with the same name is there already. */
export function registerChecker(checker: RunChecker): void {
  if (!CHECKERS.some((c) => c.name === checker.name)) CHECKERS.push(checker);
}

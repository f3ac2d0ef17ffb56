/**
 * The whole analysis of a run: index it, compute message accounting and per-machine statistics,
 * run the core invariants and every registered algorithm checker that applies. Pure.
 */
import type { RunChecker } from './checker.js';
import { CHECKERS } from './checkers.js';
import { CORE_CHECKERS } from './invariants.js';
import { accountMessages } from './messages.js';
import { indexRun, type Run } from './run.js';
import { machineStats } from './stats.js';
import type { AnalysisResult, CheckResult, RunLogs } from './types.js';

/** Runs one checker; a checker that throws yields one failed result instead of aborting analysis. */
function runChecker(checker: RunChecker, run: Run): CheckResult[] {
  try {
    if (!checker.appliesTo(run)) return [];
    return checker.check(run);
  } catch (e) {
    return [
      {
        name: checker.name,
        description: `checker ${checker.name} crashed`,
        ok: false,
        violations: 1,
        examples: [{ where: '-', message: String((e as Error)?.message ?? e) }],
      },
    ];
  }
}

/**
 * Analyses an indexed run. `extraCheckers` default to the registry {@link CHECKERS}.
 * Invariant: `result.ok` iff every check has zero violations.
 */
export function analyzeIndexedRun(run: Run, extraCheckers: readonly RunChecker[] = CHECKERS): AnalysisResult {
  const tally = accountMessages(run);
  const stats = machineStats(run, tally);
  const checks: CheckResult[] = [];
  for (const c of CORE_CHECKERS) checks.push(...runChecker(c, run));
  for (const c of extraCheckers) checks.push(...runChecker(c, run));
  const { lostBySender: _l, copiesBySender: _c, queuedAtEndByReceiver: _q, ...messages } = tally;
  return {
    dir: run.logs.dir,
    machines: run.machines.map((l) => l.machine),
    layout: run.layout,
    algorithm: run.algorithm,
    totalRows: run.totalRows,
    stats,
    messages,
    checks,
    ok: checks.every((c) => c.ok),
    warnings: run.logs.warnings,
  };
}

/** Analyses parsed logs (see {@link analyzeIndexedRun}). */
export function analyzeRun(logs: RunLogs, extraCheckers: readonly RunChecker[] = CHECKERS): AnalysisResult {
  return analyzeIndexedRun(indexRun(logs), extraCheckers);
}

/**
 * The reusable entry point of analysis over a log directory: read (I/O) then analyse (pure).
 * Besides the logs it reads the run's side files when present — the mutex shared resource file
 * (`critical_section.log`) and the injected faults (`faults.csv`) — and hands them to the checkers.
 * Used by the `analyze`, `report` and `experiment` commands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeIndexedRun } from '../../analysis/analyze.js';
import { CHECKERS, type RunChecker } from '../../analysis/checkers.js';
import { electionCheckerWith, parseFaultsCsv } from '../../analysis/electionChecks.js';
import { indexRun, type Run } from '../../analysis/run.js';
import type { AnalysisResult } from '../../analysis/types.js';
import { LabError } from '../../core/errors.js';
import { readLogDir } from './reader.js';
import { withSharedFileChecker } from './sharedResourceFile.js';

/** Reads and indexes a run. Throws LabError LOG_NOT_FOUND / LOG_UNREADABLE. */
export async function loadRun(dir: string): Promise<Run> {
  return indexRun(await readLogDir(dir));
}

/** Name of the fault record start-all writes beside the logs. */
import { FAULTS_FILE } from '../../core/faultsFile.js';
export { FAULTS_FILE };

/**
 * The registered checkers, fed with the run's side files: the mutex checker also checks the shared
 * file, the election checker uses the exact fault times of faults.csv. Unreadable faults.csv →
 * LabError LOG_UNREADABLE naming it.
 */
export function checkersForDir(dir: string, options: { sharedFile?: string } = {}): RunChecker[] {
  let checkers = withSharedFileChecker(dir, CHECKERS, options.sharedFile);
  const faultsPath = join(dir, FAULTS_FILE);
  let text: string | null = null;
  try {
    text = readFileSync(faultsPath, 'utf8');
  } catch {
    text = null;
  }
  if (text !== null) {
    let faults;
    try {
      faults = parseFaultsCsv(text);
    } catch (e) {
      throw new LabError('LOG_UNREADABLE', `${faultsPath}: ${(e as Error).message}`);
    }
    checkers = checkers.map((c) => (c.name === 'election' ? electionCheckerWith(faults) : c));
  }
  return checkers;
}

/** Reads every log of `dir` (and its side files) and analyses the run. Throws LabError LOG_NOT_FOUND / LOG_UNREADABLE. */
export async function analyzeLogDir(dir: string, extraCheckers?: readonly RunChecker[]): Promise<AnalysisResult> {
  const run = await loadRun(dir);
  return analyzeIndexedRun(run, extraCheckers ?? checkersForDir(dir));
}

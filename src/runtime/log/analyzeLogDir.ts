/**
 * The reusable entry point of analysis over a log directory: read (I/O) then analyse (pure).
 * Used by the `analyze`, `report` and `export` commands and, later, `experiment`.
 */
import { analyzeIndexedRun } from '../../analysis/analyze.js';
import type { RunChecker } from '../../analysis/checkers.js';
import { indexRun, type Run } from '../../analysis/run.js';
import type { AnalysisResult } from '../../analysis/types.js';
import { readLogDir } from './reader.js';

/** Reads and indexes a run. Throws LabError LOG_NOT_FOUND / LOG_UNREADABLE. */
export async function loadRun(dir: string): Promise<Run> {
  return indexRun(await readLogDir(dir));
}

/** Reads every log of `dir` and analyses the run. Throws LabError LOG_NOT_FOUND / LOG_UNREADABLE. */
export async function analyzeLogDir(dir: string, extraCheckers?: readonly RunChecker[]): Promise<AnalysisResult> {
  return analyzeIndexedRun(await loadRun(dir), extraCheckers);
}

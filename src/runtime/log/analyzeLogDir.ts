/**
 * The reusable entry point of analysis over a log directory: read (I/O) then analyse (pure).
 * Reads the run's inputs once (analysis/runInputs.ts): every log, and the side files when present,
 * the mutex shared resource file (`critical_section.log`) and the injected faults (`faults.csv`).
 * The indexed run carries the side files to the checkers. Used by the `analyze`, `report`,
 * `export` and `experiment` commands and by the live view.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeIndexedRun } from '../../analysis/analyze.js';
import { indexRun, type Run } from '../../analysis/run.js';
import type { RunInputs, RunSideInputs } from '../../analysis/runInputs.js';
import type { AnalysisResult } from '../../analysis/types.js';
import { LabError } from '../../core/errors.js';
import { FAULTS_FILE, type FaultRecord, parseFaultsCsv } from '../../core/faultsFile.js';
import { SHARED_FILE_NAME, type SharedFileText } from '../../core/sharedFile.js';
import { readLogDir } from './reader.js';

export { FAULTS_FILE };

/** Where to find the side files: the shared file defaults to `<dir>/critical_section.log`. */
export interface SideFileOptions {
  readonly sharedFile?: string | undefined;
}

/** The shared file's text, or null when it does not exist (or cannot be read). */
export function readSharedFile(dir: string, path: string = join(dir, SHARED_FILE_NAME)): SharedFileText | null {
  try {
    return { name: basename(path), text: readFileSync(path, 'utf8') };
  } catch {
    return null;
  }
}

/** faults.csv of the run, or null when there is none. Unreadable → LabError LOG_UNREADABLE naming it. */
export function readFaults(dir: string): FaultRecord[] | null {
  const path = join(dir, FAULTS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    return parseFaultsCsv(text);
  } catch (e) {
    throw new LabError('LOG_UNREADABLE', `${path}: ${(e as Error).message}`);
  }
}

/** The side files of the run in `dir`. Unreadable faults.csv → LabError LOG_UNREADABLE. */
export function readSideInputs(dir: string, options: SideFileOptions = {}): RunSideInputs {
  return { sharedFile: readSharedFile(dir, options.sharedFile) ?? undefined, faults: readFaults(dir) ?? undefined };
}

/** Reads a run's inputs once. Throws LabError LOG_NOT_FOUND / LOG_UNREADABLE. */
export async function loadRunInputs(dir: string, options: SideFileOptions = {}): Promise<RunInputs> {
  const logs = await readLogDir(dir);
  return { logs, ...readSideInputs(dir, options) };
}

/** Reads and indexes a run with its side files. Throws LabError LOG_NOT_FOUND / LOG_UNREADABLE. */
export async function loadRun(dir: string, options: SideFileOptions = {}): Promise<Run> {
  const inputs = await loadRunInputs(dir, options);
  return indexRun(inputs.logs, inputs);
}

/** Reads every log of `dir` (and its side files) and analyses the run. Throws LabError LOG_NOT_FOUND / LOG_UNREADABLE. */
export async function analyzeLogDir(dir: string, options: SideFileOptions = {}): Promise<AnalysisResult> {
  return analyzeIndexedRun(await loadRun(dir, options));
}

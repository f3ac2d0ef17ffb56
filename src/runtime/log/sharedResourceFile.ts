/**
 * Reading the mutex algorithms' shared resource file for analysis (the check itself is pure, in
 * analysis/mutexChecks.ts). Default location: `<log-dir>/critical_section.log`.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunChecker } from '../../analysis/checkers.js';
import { SHARED_FILE_NAME, type SharedFileText, createMutexChecker } from '../../analysis/mutexChecks.js';

/** The shared file's text, or null when it does not exist (or cannot be read). */
export function readSharedFile(dir: string, path: string = join(dir, SHARED_FILE_NAME)): SharedFileText | null {
  try {
    return { name: basename(path), text: readFileSync(path, 'utf8') };
  } catch {
    return null;
  }
}

/**
 * `checkers` with the registered `mutex` checker replaced by one that also checks the shared file
 * of `dir` (when it exists). Use as the extraCheckers of analyzeLogDir / analyzeIndexedRun.
 */
export function withSharedFileChecker(dir: string, checkers: readonly RunChecker[], path?: string): RunChecker[] {
  const file = readSharedFile(dir, path);
  if (!file) return [...checkers];
  return checkers.map((c) => (c.name === 'mutex' ? createMutexChecker(file) : c));
}

/**
 * Keeping earlier runs: before a new run writes into a log directory, the files of the previous run
 * (log_<id>.csv, faults.csv, critical_section.log, ...) move to `archive/<timestamp>/` inside it,
 * where <timestamp> is when that earlier run started. Nothing is ever deleted.
 */
import { existsSync, mkdirSync, openSync, readSync, closeSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LabError } from '../../core/errors.js';

/** File names that belong to a run (and are archived together). */
export function isRunFile(name: string): boolean {
  return /^log_\d+\.csv$/.test(name) || name === 'faults.csv' || name === 'critical_section.log';
}

/** When the run that wrote `path` started: the first data row's epoch_ms, else the file's mtime. */
function runStartMs(path: string): number {
  try {
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    const lines = buf.subarray(0, n).toString('utf8').split('\n');
    const second = lines[1];
    if (second) {
      const epoch = Number(second.split(',')[1]);
      if (Number.isFinite(epoch) && epoch > 0) return epoch;
    }
  } catch {
    // fall through to mtime
  }
  return statSync(path).mtimeMs;
}

/** Folder name for a run start: ISO time with ':' and '.' made filesystem-safe. */
export function archiveStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[:.]/g, '-');
}

/** Moves `path` into `folder` (created if needed); a name already there gets a numeric prefix. */
function moveInto(folder: string, path: string): void {
  mkdirSync(folder, { recursive: true });
  let target = join(folder, basename(path));
  for (let i = 1; existsSync(target); i++) target = join(folder, `${i}_${basename(path)}`);
  renameSync(path, target);
}

/**
 * Moves the given files (paths inside logDir) into logDir/archive/<stamp>/. A name already present
 * there gets a numeric suffix, so nothing is overwritten. Returns the archive folders used.
 */
export function archiveFiles(logDir: string, paths: readonly string[]): string[] {
  const used = new Set<string>();
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const folder = join(logDir, 'archive', archiveStamp(runStartMs(path)));
    try {
      moveInto(folder, path);
      used.add(folder);
    } catch (e) {
      throw new LabError('IO_ERROR', `cannot archive ${path} (${(e as Error).message})`);
    }
  }
  return [...used];
}

/**
 * Archives every run file in logDir together, in the folder of the run the logs came from (the
 * earliest START among them), so one earlier run stays one folder.
 */
export function archiveRun(logDir: string): string[] {
  if (!existsSync(logDir)) return [];
  const files = readdirSync(logDir).filter(isRunFile).map((n) => join(logDir, n));
  if (files.length === 0) return [];
  const logs = files.filter((f) => basename(f).startsWith('log_'));
  const start = Math.min(...(logs.length ? logs : files).map(runStartMs));
  const folder = join(logDir, 'archive', archiveStamp(start));
  try {
    for (const path of files) moveInto(folder, path);
  } catch (e) {
    throw new LabError('IO_ERROR', `cannot archive earlier logs in ${logDir} (${(e as Error).message})`);
  }
  return [folder];
}

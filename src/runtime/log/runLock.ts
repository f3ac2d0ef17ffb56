/**
 * The log directory's run lock: start-all holds `<log-dir>/.lamport-lab.lock` (JSON: pid, start
 * time, command) from before it archives anything until its run has ended, so a second start-all
 * (or a run-machine outside that run) on the same directory refuses to start instead of moving or
 * overwriting the live run's files. A lock whose process is gone (the holder was SIGKILLed) is
 * stale and is taken over.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../core/errors.js';
import { fileError } from './csvLog.js';

/** The lock file's name inside the log directory. */
export const LOCK_FILE = '.lamport-lab.lock';

/** What the lock file holds. */
export interface LockInfo {
  readonly pid: number;
  /** ISO time the lock was taken. */
  readonly started: string;
  readonly command: string;
}

/** A held lock. */
export interface RunLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent, never throws. */
  release(): void;
}

/**
 * Whether `pid` is a live lamport-lab process. A pid that exists but (on Linux, where its command
 * line can be read) runs something else was reused by the OS after the holder died: not alive.
 */
export function labProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true; // no /proc (or not readable): trust the pid
  }
  return /lamport-lab|machine\.cjs|run-machine|start-all/.test(cmdline);
}

function readLock(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' ? { pid: info.pid, started: String(info.started ?? '?'), command: String(info.command ?? '?') } : null;
  } catch {
    return null;
  }
}

function busy(logDir: string, holder: LockInfo): LabError {
  return new LabError(
    'LOG_DIR_BUSY',
    `${logDir}/ is in use by a running ${holder.command} (pid ${holder.pid}, since ${holder.started}): stop it, wait for it to end, or use another --log-dir`,
  );
}

/**
 * Takes the lock of `logDir` (created if needed) for `command`. Throws LOG_DIR_BUSY while a live
 * process holds it; LOG_DIR_INVALID / IO_ERROR when the directory cannot be made or written.
 * The lock file appears atomically with its content (written aside, then hard-linked into place),
 * so a concurrent reader never sees it empty and two takers cannot both win.
 */
export function acquireRunLock(logDir: string, command: string): RunLock {
  try {
    mkdirSync(logDir, { recursive: true });
  } catch (e) {
    throw fileError(logDir, 'create the log directory', e);
  }
  const path = join(logDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, started: new Date().toISOString(), command };
  const aside = `${path}.${process.pid}`;
  try {
    writeFileSync(aside, JSON.stringify(info) + '\n');
  } catch (e) {
    throw fileError(logDir, 'write in the log directory', e);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(aside, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(logDir, 'take the log directory lock', e);
        const holder = readLock(path);
        if (holder && labProcessAlive(holder.pid)) throw busy(logDir, holder);
        if (attempt >= 2) throw busy(logDir, holder ?? { pid: 0, started: '?', command: 'run' });
        try {
          unlinkSync(path); // stale: its holder is gone
        } catch {
          // someone else removed it first; retry
        }
      }
    }
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // already gone
    }
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        if (readLock(path)?.pid === process.pid) unlinkSync(path);
      } catch {
        // the directory went away: nothing to release
      }
    },
  };
}

/**
 * Throws LOG_DIR_BUSY when a live process other than `allowedPid` (a machine's own start-all)
 * holds the lock of `logDir`. Never throws for a missing or stale lock.
 */
export function checkRunLock(logDir: string, allowedPid: number): void {
  const holder = readLock(join(logDir, LOCK_FILE));
  if (holder && holder.pid !== allowedPid && holder.pid !== process.pid && labProcessAlive(holder.pid)) throw busy(logDir, holder);
}

/**
 * Keeping earlier runs: before a new run writes into a log directory, the files of the previous run
 * (log_<id>.csv, faults.csv, critical_section.log) move to `archive/<timestamp>/` inside it, where
 * <timestamp> is when that earlier run started. Nothing is ever deleted, and one earlier run stays
 * one folder even when the machines of the new run archive their predecessors one by one (three
 * terminals): a log joins the archive folder holding a log of the same run, recognised by time
 * overlap (the machines of one run were alive at the same time). A log still being written by a
 * live machine is never moved.
 */
import { FAULTS_FILE } from '../../core/faultsFile.js';
import { SHARED_FILE_NAME } from '../../core/sharedFile.js';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, readdirSync, renameSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { LabError } from '../../core/errors.js';
import { fileError } from './csvLog.js';
import { labProcessAlive } from './runLock.js';

/** Files shared by the machines of a run (archived with the run's first log to move). */
const SHARED_RUN_FILES = [FAULTS_FILE, SHARED_FILE_NAME];

/** File names that belong to a run (and are archived together). */
export function isRunFile(name: string): boolean {
  return /^log_\d+\.csv$/.test(name) || SHARED_RUN_FILES.includes(name);
}

/** What the first and last rows of a log say: its time span, its START pid, whether it ended. */
interface LogFacts {
  readonly first: number;
  readonly last: number;
  readonly pid: number | null;
  /** The START row's host= (the writer's host name), null in logs from before it was recorded. */
  readonly host: string | null;
  /** The file's last modification (ms since the epoch). */
  readonly mtime: number;
  readonly stopped: boolean;
}

function readAt(fd: number, position: number, length: number): string {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n).toString('utf8');
}

const epochOf = (line: string | undefined): number | null => {
  const epoch = Number(line?.split(',')[1]);
  return Number.isFinite(epoch) && epoch > 0 ? epoch : null;
};

/** Reads a log's first data row and last row (bounded reads); falls back to the mtime. */
function logFacts(path: string): LogFacts {
  const mtime = statSync(path).mtimeMs;
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const head = readAt(fd, 0, Math.min(size, 4096)).split('\n');
      const tailText = readAt(fd, Math.max(0, size - 4096), Math.min(size, 4096));
      const tail = tailText.split('\n').filter((l) => l.length > 0);
      const firstRow = head[1];
      const lastRow = tail.length > 1 || size <= 4096 ? tail[tail.length - 1] : undefined;
      const first = epochOf(firstRow) ?? mtime;
      const last = Math.max(first, epochOf(lastRow) ?? mtime);
      const pid = /(?:^|[ ,"])pid=(\d+)/.exec(firstRow ?? '')?.[1];
      const host = /(?:^|[ ,"])host=([^\s,"]+)/.exec(firstRow ?? '')?.[1] ?? null;
      return { first, last, pid: pid ? Number(pid) : null, host, mtime, stopped: lastRow?.split(',')[3] === 'STOP' };
    } finally {
      closeSync(fd);
    }
  } catch {
    return { first: mtime, last: mtime, pid: null, host: null, mtime, stopped: false };
  }
}

/** Whether a live machine of this host, other than this process, is still writing the log at `path`. */
function beingWritten(facts: LogFacts): boolean {
  if (facts.host !== null && facts.host !== hostname()) return false; // its pid is not ours to look up
  return !facts.stopped && facts.pid !== null && facts.pid !== process.pid && labProcessAlive(facts.pid);
}

/** How recently a log of another host (another container, or a shared volume) must have been written to count as live. */
export const FOREIGN_LIVE_MS = 60_000;

/**
 * Whether the log may still be written by a machine of the current run, as far as shared files are
 * concerned: a live machine of this host (beingWritten), or a log of another host (a container of
 * the same compose run: its pid lives in another pid namespace) without STOP, written in the last
 * FOREIGN_LIVE_MS.
 */
function mayBeLive(facts: LogFacts, now: number): boolean {
  if (facts.host !== null && facts.host !== hostname()) return !facts.stopped && now - facts.mtime < FOREIGN_LIVE_MS;
  return beingWritten(facts);
}

/** Folder name for a run start: ISO time with ':' and '.' made filesystem-safe. */
export function archiveStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[:.]/g, '-');
}

/** The run start an archive folder name stands for (inverse of archiveStamp), or null. */
function stampEpoch(name: string): number | null {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z$/.exec(name);
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) : null;
}

/** Moves `path` into `folder` (created if needed); a name already there gets a numeric prefix. */
function moveInto(folder: string, path: string): void {
  mkdirSync(folder, { recursive: true });
  let target = join(folder, basename(path));
  for (let i = 1; existsSync(target); i++) target = join(folder, `${i}_${basename(path)}`);
  renameSync(path, target);
}

const overlaps = (a: { first: number; last: number }, b: { first: number; last: number }): boolean => a.first <= b.last && b.first <= a.last;

/**
 * The archive folder for a log of span `span` named `name`: an existing folder of logDir/archive
 * that holds a log of the same run (overlapping span) and no file of that name yet, else a new
 * folder named by the log's start. Only folders started no later than the log ended are looked at,
 * newest first, at most 50.
 */
function folderFor(logDir: string, name: string, span: { first: number; last: number }): string {
  const root = join(logDir, 'archive');
  if (existsSync(root)) {
    const candidates = readdirSync(root)
      .map((n) => ({ n, t: stampEpoch(n) }))
      .filter((c): c is { n: string; t: number } => c.t !== null && c.t <= span.last)
      .sort((a, b) => b.t - a.t)
      .slice(0, 50);
    for (const { n } of candidates) {
      const folder = join(root, n);
      const files = readdirSync(folder);
      if (files.includes(name)) continue;
      const logs = files.filter((f) => /^log_\d+\.csv$/.test(f));
      if (logs.some((f) => overlaps(logFacts(join(folder, f)), span))) return folder;
    }
  }
  return join(root, archiveStamp(span.first));
}

/**
 * Archives the run files of logDir that belong to earlier runs, each log into its run's folder
 * (see folderFor) and the shared files (faults.csv, critical_section.log) into the folder of the
 * run they were last written in. Only `only` logs are considered when given (a machine archives
 * its own predecessor); shared files move only when no live machine writes into logDir any more.
 * Throws LOG_DIR_BUSY for a log in `only` that a live machine still writes. Returns the folders used.
 */
function archive(logDir: string, only?: readonly string[]): string[] {
  if (!existsSync(logDir)) return [];
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch (e) {
    throw fileError(logDir, 'read the log directory', e);
  }
  const shared = SHARED_RUN_FILES.filter((n) => names.includes(n));
  const logNames = names.filter((n) => /^log_\d+\.csv$/.test(n));
  const mineNames = only ? logNames.filter((n) => only.includes(n)) : logNames;
  const facts = (n: string) => ({ name: n, path: join(logDir, n), facts: logFacts(join(logDir, n)) });
  const mine = mineNames.map(facts);
  // the other logs are read only when they matter: to see whether shared files are still in use
  const others = shared.length ? logNames.filter((n) => !mineNames.includes(n)).map(facts) : [];
  for (const l of mine) {
    if (beingWritten(l.facts)) {
      throw new LabError('LOG_DIR_BUSY', `${l.path} is being written by a running machine (pid ${l.facts.pid}): stop it first, or use --append or another --log-dir`);
    }
  }
  const used: { folder: string; span: { first: number; last: number } }[] = [];
  try {
    for (const l of [...mine].sort((a, b) => a.facts.first - b.facts.first)) {
      const folder = folderFor(logDir, l.name, l.facts);
      moveInto(folder, l.path);
      const seen = used.find((u) => u.folder === folder);
      if (seen) seen.span = { first: Math.min(seen.span.first, l.facts.first), last: Math.max(seen.span.last, l.facts.last) };
      else used.push({ folder, span: { first: l.facts.first, last: l.facts.last } });
    }
    // shared files move when nothing live writes here any more (the first machine of a new run)
    const now = Date.now();
    if (!others.some((l) => mayBeLive(l.facts, now))) {
      for (const name of shared) {
        const path = join(logDir, name);
        const mtime = statSync(path).mtimeMs;
        const span = { first: mtime, last: mtime };
        const folder =
          used.find((u) => overlaps({ first: u.span.first, last: u.span.last + 5000 }, span))?.folder ??
          used[used.length - 1]?.folder ??
          folderFor(logDir, name, span);
        moveInto(folder, path);
        if (!used.some((u) => u.folder === folder)) used.push({ folder, span });
      }
    }
  } catch (e) {
    throw new LabError('IO_ERROR', `cannot archive earlier logs in ${logDir} (${(e as Error).message})`, { cause: e });
  }
  return used.map((u) => u.folder);
}

/**
 * A machine starting a new log (run-machine without --append): moves its own predecessor
 * `log_<id>.csv` into the folder of the run it belongs to (the same folder its peers' logs of that
 * run went to or will go to) and, if nothing live writes into logDir, the shared files with it.
 */
export function archiveMachineLog(logDir: string, logPath: string): string[] {
  return archive(logDir, [basename(logPath)]);
}

/**
 * Archives every run file in logDir (start-all, simulate): each earlier run into its own folder,
 * one folder per run.
 */
export function archiveRun(logDir: string): string[] {
  return archive(logDir);
}

/** Compatibility: archives the given log files of logDir (see archiveMachineLog). */
export function archiveFiles(logDir: string, paths: readonly string[]): string[] {
  return archive(logDir, paths.map((p) => basename(p)));
}

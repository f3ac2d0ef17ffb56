/**
 * Writing the event log: header + one RFC 4180 row per event, formatted by csv-stringify's sync API
 * and handed to the OS with a synchronous write. A row is in the kernel when write() returns, so a
 * SIGKILL right after loses nothing and tears no row (ARCHITECTURE.md, "Event log"). A row is
 * written whole or not at all: when the disk fills up mid-row, the part that was written is cut off
 * again (ftruncate back to the last whole row) and the log refuses every later row.
 */
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { LOG_COLUMNS, type LogRow, rowValues } from '../../core/logRow.js';
import { LabError, isLabError } from '../../core/errors.js';
import type { RowSink } from '../engine.js';

/** The header line as written. */
export const LOG_HEADER = stringify([LOG_COLUMNS as unknown as string[]]);

/** Formats one row as a CSV line (with trailing newline). */
export function formatRow(row: LogRow): string {
  return stringify([rowValues(row)]);
}

/** errno codes meaning "the disk (or the user's quota) is full". */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The typed error for a failed file operation on `path`: DISK_FULL for ENOSPC/EDQUOT,
 * LOG_DIR_INVALID when a path component is a file (ENOTDIR, EEXIST from mkdir, EISDIR),
 * IO_ERROR (permissions, read-only filesystem, I/O error) otherwise. A LabError passes through.
 */
export function fileError(path: string, what: string, e: unknown): LabError {
  if (isLabError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ?? '';
  if (DISK_FULL_CODES.has(code)) return new LabError('DISK_FULL', `${path}: disk full (${code}): cannot ${what}`, { cause: e });
  if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR') {
    return new LabError('LOG_DIR_INVALID', `${path}: cannot ${what}: a part of the path is a file, not a directory (${code})`, { cause: e });
  }
  return new LabError('IO_ERROR', `${path}: cannot ${what} (${err?.message ?? String(e)})`, { cause: e });
}

/**
 * Whether `e` means the log (or a file beside it in `where`) can no longer be written (disk full,
 * I/O error): the machine must stop, since a row it cannot log must not be acted on. Returns the
 * typed error, or null for anything else.
 */
export function logFailure(e: unknown, where = 'log'): LabError | null {
  if (isLabError(e)) return e.code === 'DISK_FULL' || e.code === 'IO_ERROR' ? e : null;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && (DISK_FULL_CODES.has(code) || code === 'EIO' || code === 'EROFS')) return fileError(where, 'write', e);
  return null;
}

/** Opens the log for appending; `truncate` empties it first (a new log). */
function openLog(path: string, truncate: boolean): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
    // O_APPEND in both cases: after a cut-back (ftruncate) the next write lands at the new end
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (truncate ? constants.O_TRUNC : 0);
    return openSync(path, flags, 0o666);
  } catch (e) {
    throw fileError(path, 'open the log', e);
  }
}

/**
 * A log file written row by row with writeSync. Invariants: after write() returns, the row is in
 * the OS (survives SIGKILL of this process); the header is written once, when the file is empty;
 * the file only ever holds whole rows: a write that fails part-way (disk full) is cut back to the
 * previous row's end, write() throws a LabError (DISK_FULL or IO_ERROR), and so does every later
 * write() (`failure` is set), so nothing that was not logged can be acted on.
 */
export class SyncCsvLog implements RowSink {
  private fd: number | null;
  /** Bytes of whole rows in the file. */
  private size: number;
  /** Why the log stopped accepting rows, once it has. */
  failure: LabError | null = null;
  rows = 0;

  constructor(
    readonly path: string,
    append = false,
  ) {
    this.fd = openLog(path, !append);
    try {
      this.size = fstatSync(this.fd).size;
      if (this.size === 0) this.writeWhole(LOG_HEADER);
    } catch (e) {
      this.close();
      throw fileError(path, 'write the log header', e);
    }
  }

  write(row: LogRow): void {
    if (this.failure) throw this.failure;
    if (this.fd === null) return;
    this.writeWhole(formatRow(row));
    this.rows++;
  }

  /** Writes `text` completely or, on failure, not at all (cut back to the last whole row). */
  private writeWhole(text: string): void {
    const fd = this.fd!;
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    } catch (e) {
      if (written > 0) {
        try {
          ftruncateSync(fd, this.size);
        } catch {
          // not a regular file (e.g. /dev/full): nothing to cut back
        }
      }
      this.failure = fileError(this.path, 'write the log', e);
      throw this.failure;
    }
    this.size += bytes.length;
  }

  /** Flushes to disk and closes. Idempotent; never throws (a failed disk was reported by write()). */
  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync can fail on some filesystems (e.g. pipes); the rows are already in the OS
    }
    try {
      closeSync(this.fd);
    } catch {
      // closing a descriptor cannot lose rows that write() accepted
    }
    this.fd = null;
  }
}

/**
 * A log file written in batches (for the simulator, where no process can be killed mid-run and
 * speed matters). Invariant: every row written before close() is in the file after close().
 */
export class BufferedCsvLog implements RowSink {
  private fd: number;
  private buffer: string[] = [];
  private bytes = 0;
  rows = 0;

  constructor(
    readonly path: string,
    private readonly flushBytes = 1 << 20,
  ) {
    this.fd = openLog(path, true);
    writeSync(this.fd, LOG_HEADER);
  }

  write(row: LogRow): void {
    const line = formatRow(row);
    this.buffer.push(line);
    this.bytes += line.length;
    this.rows++;
    if (this.bytes >= this.flushBytes) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bytes = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

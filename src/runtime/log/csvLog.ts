/**
 * Writing the event log: header + one RFC 4180 row per event, formatted by csv-stringify's sync API
 * and handed to the OS with a synchronous write. A row is in the kernel when write() returns, so a
 * SIGKILL right after loses nothing and tears no row (ARCHITECTURE.md, "Event log").
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { LOG_COLUMNS, type LogRow, rowValues } from '../../core/logRow.js';
import { LabError } from '../../core/errors.js';
import type { RowSink } from '../engine.js';

/** The header line as written. */
export const LOG_HEADER = stringify([LOG_COLUMNS as unknown as string[]]);

/** Formats one row as a CSV line (with trailing newline). */
export function formatRow(row: LogRow): string {
  return stringify([rowValues(row)]);
}

function openLog(path: string, append: boolean): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, append ? 'a' : 'w');
    return fd;
  } catch (e) {
    throw new LabError('IO_ERROR', `${path}: cannot open log (${(e as Error).message})`);
  }
}

/**
 * A log file written row by row with writeSync. Invariant: after write() returns, the row is in
 * the OS (survives SIGKILL of this process); the header is written once, when the file is empty.
 */
export class SyncCsvLog implements RowSink {
  private fd: number | null;
  rows = 0;

  constructor(
    readonly path: string,
    append = false,
  ) {
    this.fd = openLog(path, append);
    if (statSync(path).size === 0) writeSync(this.fd, LOG_HEADER);
  }

  write(row: LogRow): void {
    if (this.fd === null) return;
    writeSync(this.fd, formatRow(row));
    this.rows++;
  }

  /** Flushes to disk and closes. Idempotent. */
  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync can fail on some filesystems (e.g. pipes); the rows are already in the OS
    }
    closeSync(this.fd);
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
    this.fd = openLog(path, false);
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

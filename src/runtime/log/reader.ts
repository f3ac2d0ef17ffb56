/**
 * Streaming reader of a run's event logs: every `log_<id>.csv` of a directory, parsed with
 * csv-parse's stream API (no `columns`, no casts: fields stay strings and are converted here,
 * which is several times faster) into typed rows with file and line numbers.
 *
 * Unreadable input throws LabError: LOG_NOT_FOUND for a missing directory or one without logs,
 * LOG_UNREADABLE `<file>:<line>: <what>` for a bad header, wrong column count, non-numeric field,
 * malformed vector, or a vector whose ids differ from the run's layout. One exception: a torn last
 * line (no trailing newline, e.g. the machine was SIGKILLed mid-write) is skipped with a warning.
 */
import { createReadStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { LabError } from '../../core/errors.js';
import { isClockEvent } from '../../core/events.js';
import { LOG_COLUMNS } from '../../core/logRow.js';
import { parseVector } from '../../core/vector.js';
import type { MachineId } from '../../core/types.js';
import type { LogEntry, MachineLog, RunLogs } from '../../analysis/types.js';

/** File names the reader picks up, capturing the machine id. */
export const LOG_FILE_RE = /^log_(\d+)\.csv$/;

const NCOLS = LOG_COLUMNS.length;

/** Non-negative integer from decimal digits only (no sign, no spaces); -1 when malformed. */
function parseUint(s: string): number {
  const len = s.length;
  if (len === 0 || len > 15) return -1;
  let v = 0;
  for (let k = 0; k < len; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses `1:4;2:0;3:7` into out[off..off+ids.length) when its ids equal `ids` in order.
 * Returns false when malformed or the ids differ.
 */
function parseVectorInto(text: string, ids: readonly number[], out: Int32Array, off: number): boolean {
  const n = ids.length;
  const len = text.length;
  let k = 0;
  for (let j = 0; j < n; j++) {
    if (j > 0) {
      if (text.charCodeAt(k) !== 59 /* ; */) return false;
      k++;
    }
    let id = 0;
    let digits = 0;
    for (; k < len; k++) {
      const c = text.charCodeAt(k) - 48;
      if (c < 0 || c > 9) break;
      id = id * 10 + c;
      digits++;
    }
    if (digits === 0 || id !== ids[j] || text.charCodeAt(k) !== 58 /* : */) return false;
    k++;
    let count = 0;
    digits = 0;
    for (; k < len; k++) {
      const c = text.charCodeAt(k) - 48;
      if (c < 0 || c > 9) break;
      count = count * 10 + c;
      digits++;
    }
    if (digits === 0 || digits > 9) return false;
    out[off + j] = count;
  }
  return k === len;
}

/** Shared state while reading the files of one run. */
interface LayoutState {
  ids: number[] | null;
  from: string;
}

async function endsWithNewline(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } finally {
    await fh.close();
  }
}

/**
 * Reads one log file. `layout` is shared across files: the first vector seen fixes it.
 * Throws LabError LOG_UNREADABLE on bad input (see module doc).
 */
export async function readLogFile(
  path: string,
  file: string,
  machine: MachineId,
  layout: LayoutState = { ids: null, from: '' },
  warnings: string[] = [],
): Promise<MachineLog> {
  const rows: LogEntry[] = [];
  let vectors = new Int32Array(0);
  let n = layout.ids?.length ?? 0;
  let sawHeader = false;
  let pending: LabError | null = null; // a bad record; fatal unless it turns out to be a torn last line
  const machineText = String(machine);
  const fail = (line: number, what: string): LabError => new LabError('LOG_UNREADABLE', `${file}:${line}: ${what}`);

  const onRecord = (rec: string[], line: number): void => {
    if (pending) throw pending;
    if (!sawHeader) {
      sawHeader = true;
      if (rec.length !== NCOLS || rec.some((h, k) => h !== LOG_COLUMNS[k])) {
        throw fail(line, `bad header "${rec.join(',')}", expected "${LOG_COLUMNS.join(',')}"`);
      }
      return;
    }
    if (rec.length !== NCOLS) {
      pending = fail(line, `expected ${NCOLS} columns, got ${rec.length}`);
      return;
    }
    const [time, epochText, machineCol, event, lamportText, vectorText, queueText, peer, msgId, detail] = rec as [
      string, string, string, string, string, string, string, string, string, string,
    ];
    const epochMs = parseUint(epochText);
    if (epochMs < 0) return void (pending = fail(line, `epoch_ms is not a non-negative integer: "${epochText}"`));
    if (machineCol !== machineText) return void (pending = fail(line, `machine column "${machineCol}" in the log of machine ${machine}`));
    if (event === '') return void (pending = fail(line, 'empty event'));
    const lamport = parseUint(lamportText);
    if (lamport < 0) return void (pending = fail(line, `lamport is not a non-negative integer: "${lamportText}"`));
    const queueLen = parseUint(queueText);
    if (queueLen < 0) return void (pending = fail(line, `queue_len is not a non-negative integer: "${queueText}"`));
    if (layout.ids === null) {
      const parsed = parseVector(vectorText);
      if (parsed === null || parsed.size === 0) return void (pending = fail(line, `malformed vector "${vectorText}"`));
      const ids = [...parsed.keys()];
      for (let k = 1; k < ids.length; k++) {
        if (ids[k]! <= ids[k - 1]!) return void (pending = fail(line, `vector ids not ascending: "${vectorText}"`));
      }
      layout.ids = ids;
      layout.from = `${file}:${line}`;
      n = ids.length;
    }
    if (!layout.ids.includes(machine)) {
      throw fail(line, `machine ${machine} is not in the vector layout ${layout.ids.join(',')}`);
    }
    const idx = rows.length;
    if ((idx + 1) * n > vectors.length) {
      const grown = new Int32Array(Math.max(1024 * n, vectors.length * 2));
      grown.set(vectors);
      vectors = grown;
    }
    if (!parseVectorInto(vectorText, layout.ids, vectors, idx * n)) {
      const p = parseVector(vectorText);
      return void (pending = fail(
        line,
        p === null
          ? `malformed vector "${vectorText}"`
          : `vector ids ${[...p.keys()].join(',')} differ from the run's layout ${layout.ids.join(',')} (${layout.from})`,
      ));
    }
    rows.push({ line, time, epochMs, event, lamport, queueLen, peer, msgId, detail, clock: isClockEvent(event) });
  };

  // Records are consumed from 'data' events: in flowing mode csv-parse emits each record
  // synchronously while parsing, so `parser.info.lines` is the record's last line (on_record
  // would cost an info object per record, measured ~25% slower).
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true });
  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(path, { highWaterMark: 1 << 20 });
    let done = false;
    const finish = (e: unknown): void => {
      if (done) return;
      done = true;
      input.unpipe(parser);
      input.destroy();
      parser.destroy();
      if (e instanceof LabError) reject(e);
      else if ((e as { code?: unknown })?.code && !String((e as { code: unknown }).code).startsWith('CSV_')) {
        reject(new LabError('LOG_UNREADABLE', `${file}: ${(e as Error).message}`, { cause: e }));
      } else {
        reject(new LabError('LOG_UNREADABLE', `${file}:${parser.info.lines}: ${(e as Error).message}`, { cause: e }));
      }
    };
    input.on('error', finish);
    parser.on('error', finish);
    parser.on('data', (rec: string[]) => {
      if (done) return;
      try {
        onRecord(rec, parser.info.lines);
      } catch (e) {
        finish(e);
      }
    });
    parser.on('end', () => {
      if (!done) {
        done = true;
        resolve();
      }
    });
    input.pipe(parser);
  });
  if (!sawHeader) throw fail(1, 'empty file (no header)');
  if (pending) {
    if (await endsWithNewline(path)) throw pending;
    warnings.push(`${(pending as LabError).message} (torn last line, skipped)`);
  }
  return { file, machine, rows, vectors: vectors.subarray(0, rows.length * n) };
}

/**
 * Reads every `log_<id>.csv` in `dir`, sorted by machine id.
 * Throws LOG_NOT_FOUND when `dir` is missing or holds no log file, LOG_UNREADABLE on bad input.
 */
export async function readLogDir(dir: string): Promise<RunLogs> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new LabError('LOG_NOT_FOUND', `log directory not found: ${dir}`, { cause: e });
    throw new LabError('LOG_UNREADABLE', `cannot read log directory ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const files = names
    .map((name) => ({ name, m: LOG_FILE_RE.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
    .map((f) => ({ name: f.name, id: Number(f.m[1]) }))
    .sort((a, b) => a.id - b.id);
  if (files.length === 0) throw new LabError('LOG_NOT_FOUND', `no log_<id>.csv files in ${dir}`);
  const layout: LayoutState = { ids: null, from: '' };
  const warnings: string[] = [];
  const machines: MachineLog[] = [];
  for (const f of files) {
    const log = await readLogFile(join(dir, f.name), f.name, f.id, layout, warnings);
    if (log.rows.length > 0) machines.push(log);
    else warnings.push(`${f.name}: no rows`);
  }
  if (machines.length === 0 || layout.ids === null) throw new LabError('LOG_UNREADABLE', `no rows in any log file in ${dir}`);
  // a file read before the layout was known has no rows, so every kept log uses layout.ids
  return { dir, layout: layout.ids, machines, warnings };
}

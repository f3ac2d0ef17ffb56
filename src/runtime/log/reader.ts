/**
 * Streaming reader of a run's event logs: every `log_<id>.csv` of a directory into typed rows with
 * file and line numbers. Each file is read in 1 MiB pieces and scanned by fastCsv.ts, which
 * gives csv-parse's records on the files we write (LF or CRLF, quoted fields) without making a
 * string per field; each row is converted from the field bounds straight into the log's columns
 * (analysis/columns.ts: numbers in typed arrays, msg_id as numbers, shared strings, the time as
 * its ms when canonical), and the row objects are built from the columns only when first asked for
 * (`analyze` and `report` never ask, except the election checkers). Whatever the scanner does not follow exactly (a stray CR,
 * bad quoting, UTF-16) makes the file be read again with csv-parse's stream API, so the result is
 * always csv-parse's. Both paths feed one row builder (same checks, same errors).
 *
 * Unreadable input throws LabError: LOG_NOT_FOUND for a missing directory or one without logs,
 * LOG_UNREADABLE `<file>:<line>: <what>` for a bad header, wrong column count, non-numeric field,
 * malformed vector, or a vector whose ids differ from the run's layout. One exception: a torn last
 * line (no trailing newline, e.g. the machine was SIGKILLed mid-write) is skipped with a warning.
 */
import { createReadStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { isAscii } from 'node:buffer';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { LabError } from '../../core/errors.js';
import { isClockEvent } from '../../algorithms/registry.js';
import { LOG_COLUMNS } from '../../core/logRow.js';
import { parseVector, parseVectorCodes, parseVectorInto } from '../../core/vector.js';
import type { MachineId } from '../../core/types.js';
import type { LogEntry, MachineLog, RunLogs } from '../../analysis/types.js';
import { type CharCodes, charCodesOf, CsvScanner, type CsvSink, splitLine } from './fastCsv.js';
import { ColumnsBuilder, type LogColumns, MSG_ID, NO_MSG_ID, OTHER_MSG_ID, rowsOfColumns } from '../../analysis/columns.js';

/** A log as the reader returns it: always with its columns. */
export type ReadLog = MachineLog & { readonly columns: LogColumns };

/** File names the reader picks up, capturing the machine id. */
export const LOG_FILE_RE = /^log_(\d+)\.csv$/;

const NCOLS = LOG_COLUMNS.length;

/** Non-negative integer from the decimal digits text[a..b) only (no sign, no spaces); -1 when malformed. */
function parseUint(text: string, a = 0, b = text.length): number {
  const len = b - a;
  if (len <= 0 || len > 15) return -1;
  let v = 0;
  for (let k = a; k < b; k++) {
    const c = text.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** splitMsgId (analysis/columns.ts) of the text whose code units are codes[a..b), without making the string. */
function splitMsgIdCodes(codes: CharCodes, a: number, b: number): void {
  MSG_ID.seq = 0;
  if (a === b) {
    MSG_ID.sender = NO_MSG_ID;
    return;
  }
  MSG_ID.sender = OTHER_MSG_ID;
  let k = a;
  let v = 0;
  for (; k < b; k++) {
    const c = codes[k]! - 48;
    if (c < 0 || c > 9) break;
    if (k - a === 10 || (k > a && v === 0)) return;
    v = v * 10 + c;
  }
  if (k === a || k === b || codes[k] !== 45 /* - */ || v > 0x7fffffff) return;
  const sender = v;
  const s0 = ++k;
  v = 0;
  for (; k < b; k++) {
    const c = codes[k]! - 48;
    if (c < 0 || c > 9 || k - s0 === 10 || (k > s0 && v === 0)) return;
    v = v * 10 + c;
  }
  if (k === s0 || v > 0x7fffffff) return;
  MSG_ID.sender = sender;
  MSG_ID.seq = v;
}

/** The number written in the n decimal digits at bytes[k..k+n), or -1 when one is not a digit. */
function digitsAt(bytes: Buffer, k: number, n: number): number {
  let v = 0;
  for (let j = 0; j < n; j++) {
    const c = bytes[k + j]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
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

/** Most runs use a handful of event names: rows share one string per name (and its `clock`). */
const MAX_INTERNED_EVENTS = 64;
/** Short peer/detail values are shared through a direct-mapped table of this many slots. */
const SHARED_SLOTS = 1024;
const MAX_SHARED_LENGTH = 32;

/**
 * Builds one file's rows from its records, in file order. Both parsers feed it: csv-parse through
 * {@link record}, the scanner through {@link line}/{@link quoted}. `line` converts straight
 * from the line's text; any record it does not take as an ordinary row (wrong column count,
 * a bad number, the first row fixing the layout, ...) goes through `record` as strings, so the
 * checks and messages are exactly those of `record`.
 */
class LogBuilder implements CsvSink {
  readonly cols = new ColumnsBuilder();
  /** The day (`YYYY-MM-DDT` bytes) of the last canonical time seen, and its ms (NaN: none yet). */
  private readonly dayKey = new Uint8Array(11);
  private dayMs = NaN;
  vectors = new Int32Array(0);
  sawHeader = false;
  /** A bad record; fatal unless it turns out to be a torn last line. */
  pending: LabError | null = null;
  private n: number;
  private readonly machineText: string;
  /** The layout's ids once known and this machine is in it (the fast path's precondition). */
  private fastIds: number[] | null = null;
  private readonly events: string[] = [];
  private readonly eventClock: boolean[] = [];
  private readonly eventCodes: Uint16Array[] = [];
  private readonly machineCodes: Uint16Array;
  private readonly sharedSlots = new Array<string | undefined>(SHARED_SLOTS);

  constructor(
    private readonly file: string,
    private readonly machine: MachineId,
    private readonly layout: LayoutState,
  ) {
    this.n = layout.ids?.length ?? 0;
    this.machineText = String(machine);
    this.machineCodes = charCodesOf(this.machineText);
    if (layout.ids !== null && layout.ids.includes(machine)) this.fastIds = layout.ids;
  }

  private fail(line: number, what: string): LabError {
    return new LabError('LOG_UNREADABLE', `${this.file}:${line}: ${what}`);
  }

  /** One record as strings (any parser). Throws LabError for a bad header or a vector layout the run does not use. */
  record(rec: string[], line: number): void {
    const layout = this.layout;
    const machine = this.machine;
    if (this.pending) throw this.pending;
    if (!this.sawHeader) {
      this.sawHeader = true;
      if (rec.length !== NCOLS || rec.some((h, k) => h !== LOG_COLUMNS[k])) {
        throw this.fail(line, `bad header "${rec.join(',')}", expected "${LOG_COLUMNS.join(',')}"`);
      }
      return;
    }
    if (rec.length !== NCOLS) {
      this.pending = this.fail(line, `expected ${NCOLS} columns, got ${rec.length}`);
      return;
    }
    const [time, epochText, machineCol, event, lamportText, vectorText, queueText, peer, msgId, detail] = rec as [
      string, string, string, string, string, string, string, string, string, string,
    ];
    const epochMs = parseUint(epochText);
    if (epochMs < 0) return void (this.pending = this.fail(line, `epoch_ms is not a non-negative integer: "${epochText}"`));
    if (machineCol !== this.machineText) return void (this.pending = this.fail(line, `machine column "${machineCol}" in the log of machine ${machine}`));
    if (event === '') return void (this.pending = this.fail(line, 'empty event'));
    const lamport = parseUint(lamportText);
    if (lamport < 0) return void (this.pending = this.fail(line, `lamport is not a non-negative integer: "${lamportText}"`));
    const queueLen = parseUint(queueText);
    if (queueLen < 0) return void (this.pending = this.fail(line, `queue_len is not a non-negative integer: "${queueText}"`));
    if (layout.ids === null) {
      const parsed = parseVector(vectorText);
      if (parsed === null || parsed.size === 0) return void (this.pending = this.fail(line, `malformed vector "${vectorText}"`));
      const ids = [...parsed.keys()];
      for (let k = 1; k < ids.length; k++) {
        if (ids[k]! <= ids[k - 1]!) return void (this.pending = this.fail(line, `vector ids not ascending: "${vectorText}"`));
      }
      layout.ids = ids;
      layout.from = `${this.file}:${line}`;
      this.n = ids.length;
    }
    if (!layout.ids.includes(machine)) {
      throw this.fail(line, `machine ${machine} is not in the vector layout ${layout.ids.join(',')}`);
    }
    this.fastIds = layout.ids;
    const n = this.n;
    const idx = this.cols.length;
    this.reserve(idx);
    if (!parseVectorInto(vectorText, layout.ids, this.vectors, idx * n)) {
      const p = parseVector(vectorText);
      return void (this.pending = this.fail(
        line,
        p === null
          ? `malformed vector "${vectorText}"`
          : `vector ids ${[...p.keys()].join(',')} differ from the run's layout ${layout.ids.join(',')} (${layout.from})`,
      ));
    }
    this.cols.pushRow(line, time, epochMs, event, isClockEvent(event), lamport, queueLen, peer, msgId, detail);
  }

  /** Rows so far. */
  get rowCount(): number {
    return this.cols.length;
  }

  /** Makes room for about `rows` rows in all (an estimate: fewer or more are fine). */
  expectRows(rows: number): void {
    this.cols.reserve(rows);
    if (this.n > 0 && rows * this.n > this.vectors.length) {
      const grown = new Int32Array(rows * this.n);
      grown.set(this.vectors);
      this.vectors = grown;
    }
  }

  /** Room for the vector of row idx. */
  private reserve(idx: number): void {
    const n = this.n;
    if ((idx + 1) * n > this.vectors.length) {
      const grown = new Int32Array(Math.max(1024 * n, this.vectors.length * 2));
      grown.set(this.vectors);
      this.vectors = grown;
    }
  }

  /** Index into `events` of the event name bytes[a..b) (a non-empty name), or -1 when the table is full. */
  private eventAt(bytes: Buffer, a: number, b: number): number {
    const known = this.eventCodes;
    const len = b - a;
    for (let k = 0; k < known.length; k++) {
      const e = known[k]!;
      if (e.length !== len) continue;
      let j = 0;
      while (j < len && bytes[a + j] === e[j]) j++;
      if (j === len) return k;
    }
    const events = this.events;
    if (events.length >= MAX_INTERNED_EVENTS) return -1;
    // a property key is V8's internalized copy: `row.event === 'SEND'` is then a pointer compare
    const e = Object.keys({ [bytes.toString('latin1', a, b)]: 0 })[0]!;
    events.push(e);
    this.eventCodes.push(charCodesOf(e));
    this.eventClock.push(isClockEvent(e));
    return events.length - 1;
  }

  /** bytes[a..b) (ASCII) as a string, shared with earlier equal short values (peer lists, details repeat). */
  private shared(bytes: Buffer, a: number, b: number): string {
    const len = b - a;
    if (len === 0) return '';
    if (len > MAX_SHARED_LENGTH) return bytes.toString('latin1', a, b);
    const h = (len * 31 + bytes[a]! * 7 + bytes[b - 1]! * 3 + bytes[(a + b) >> 1]!) & (SHARED_SLOTS - 1);
    const hit = this.sharedSlots[h];
    if (hit !== undefined && hit.length === len) {
      let j = 0;
      while (j < len && hit.charCodeAt(j) === bytes[a + j]) j++;
      if (j === len) return hit;
    }
    const v = bytes.toString('latin1', a, b);
    this.sharedSlots[h] = v;
    return v;
  }

  /**
   * The ms of the time text bytes[a..a+24) when it is `new Date(ms).toISOString()` (years
   * 0000–9999, what the runtime writes), else NaN. The day part (`YYYY-MM-DDT`) is checked once
   * per day by a round trip through Date, the time of day by its digits and ranges.
   */
  private isoMs(bytes: Buffer, a: number): number {
    const key = this.dayKey;
    let j = 0;
    if (this.dayMs === this.dayMs) while (j < 11 && bytes[a + j] === key[j]) j++;
    if (j < 11) {
      const day = bytes.toString('latin1', a, a + 11);
      const ms = Date.parse(`${day}00:00:00.000Z`);
      if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 11) !== day) return NaN;
      for (let k = 0; k < 11; k++) key[k] = bytes[a + k]!;
      this.dayMs = ms;
    }
    if (bytes[a + 13] !== 58 /* : */ || bytes[a + 16] !== 58 || bytes[a + 19] !== 46 /* . */ || bytes[a + 23] !== 90 /* Z */) return NaN;
    const h = digitsAt(bytes, a + 11, 2);
    const m = digitsAt(bytes, a + 14, 2);
    const sec = digitsAt(bytes, a + 17, 2);
    const ms = digitsAt(bytes, a + 20, 3);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59 || ms < 0) return NaN;
    return this.dayMs + ((h * 60 + m) * 60 + sec) * 1000 + ms;
  }

  /**
   * Converts the ordinary row starting at bytes[a] (ASCII) in one left-to-right pass, without
   * splitting it: returns where it ends (the index of its LF, or `limit`), or -1 when it is not an
   * ordinary row of the known layout (nothing is then added; the caller hands it to {@link record}).
   */
  private row(bytes: Buffer, a: number, limit: number, line: number): number {
    const ids = this.fastIds;
    if (ids === null || this.pending !== null || !this.sawHeader) return -1;
    // time
    let k = a;
    for (; k < limit; k++) {
      const c = bytes[k]!;
      if (c === 44 || c === 10) break;
    }
    if (k >= limit || bytes[k] !== 44) return -1;
    const timeMs = k - a === 24 ? this.isoMs(bytes, a) : NaN;
    const t1 = k;
    // epoch_ms: 1..15 digits
    let i = k + 1;
    // (its own variable: past 2^31 it is a double, the small fields below stay small integers)
    let epochMs = 0;
    for (k = i; k < limit; k++) {
      const c = bytes[k]! - 48;
      if (c < 0 || c > 9) break;
      epochMs = epochMs * 10 + c;
    }
    if (k === i || k - i > 15 || k >= limit || bytes[k] !== 44) return -1;
    // machine
    i = k + 1;
    const m = this.machineCodes;
    const ml = m.length;
    if (i + ml >= limit || bytes[i + ml] !== 44) return -1;
    for (let j = 0; j < ml; j++) if (bytes[i + j] !== m[j]) return -1;
    // event
    i += ml + 1;
    for (k = i; k < limit; k++) {
      const c = bytes[k]!;
      if (c === 44 || c === 10) break;
    }
    if (k === i || k >= limit || bytes[k] !== 44) return -1;
    const ev = this.eventAt(bytes, i, k);
    if (ev < 0) return -1;
    // lamport
    i = k + 1;
    let lamport = 0;
    for (k = i; k < limit; k++) {
      const c = bytes[k]! - 48;
      if (c < 0 || c > 9) break;
      lamport = lamport * 10 + c;
    }
    if (k === i || k - i > 15 || k >= limit || bytes[k] !== 44) return -1;
    // vector
    i = k + 1;
    const idx = this.cols.length;
    this.reserve(idx);
    k = parseVectorCodes(bytes, ids, this.vectors, idx * this.n, i, limit);
    if (k < 0 || k >= limit || bytes[k] !== 44) return -1;
    // queue_len
    i = k + 1;
    let queueLen = 0;
    for (k = i; k < limit; k++) {
      const c = bytes[k]! - 48;
      if (c < 0 || c > 9) break;
      queueLen = queueLen * 10 + c;
    }
    if (k === i || k - i > 15 || k >= limit || bytes[k] !== 44) return -1;
    // peer, msg_id, detail (the rest: no more commas)
    const p0 = k + 1;
    let p1 = p0;
    for (; p1 < limit; p1++) {
      const c = bytes[p1]!;
      if (c === 44 || c === 10) break;
    }
    if (p1 >= limit || bytes[p1] !== 44) return -1;
    const m0 = p1 + 1;
    let m1 = m0;
    for (; m1 < limit; m1++) {
      const c = bytes[m1]!;
      if (c === 44 || c === 10) break;
    }
    if (m1 >= limit || bytes[m1] !== 44) return -1;
    const d0 = m1 + 1;
    for (k = d0; k < limit; k++) {
      const c = bytes[k]!;
      if (c === 10) break;
      if (c === 44) return -1;
    }
    const cols = this.cols;
    splitMsgIdCodes(bytes, m0, m1);
    cols.push(
      line,
      epochMs,
      this.events[ev]!,
      this.eventClock[ev]!,
      lamport,
      queueLen,
      this.shared(bytes, p0, p1),
      MSG_ID.sender,
      MSG_ID.seq,
      this.shared(bytes, d0, k),
    );
    if (MSG_ID.sender === OTHER_MSG_ID) cols.pushOtherMsgId(bytes.toString('latin1', m0, m1));
    if (timeMs === timeMs) cols.pushTimeMs(timeMs);
    else cols.pushTime(bytes.toString('latin1', a, t1));
    return k;
  }

  /** An unquoted record (fastCsv.ts): converted in place when the piece is ASCII, else as strings. */
  line(text: string, codes: CharCodes, a: number, b: number, line: number): void {
    if (codes instanceof Buffer && this.row(codes, a, b, line) === b) return;
    this.record(splitLine(text, a, b), line);
  }

  /** Records of plain ASCII lines (fastCsv.ts, CsvSink.lines): each converted in place, or as strings. */
  lines(bytes: Buffer, from: number, to: number, line: number): number {
    let p = from;
    while (p < to) {
      let k = this.row(bytes, p, to, line);
      if (k < 0 || bytes[k] !== 10) {
        k = bytes.indexOf(10, p);
        if (k > p) this.record(splitLine(bytes.toString('latin1', p, k), 0, k - p), line);
      }
      line++;
      p = k + 1;
    }
    return line;
  }

  quoted(fields: string[], line: number): void {
    this.record(fields, line);
  }

  /** The log: its columns, and its row objects built from them when first asked for. */
  result(): ReadLog {
    const columns = this.cols.finish();
    let rows: LogEntry[] | null = null;
    return {
      file: this.file,
      machine: this.machine,
      vectors: this.vectors.subarray(0, columns.length * this.n),
      columns,
      get rows(): LogEntry[] {
        return (rows ??= rowsOfColumns(columns));
      },
    };
  }
}

/** Bytes read at a time by the fast path (a piece grows while it holds no line end). */
export const READ_CHUNK = 1 << 20;

/**
 * The fast path: reads `path` in pieces cut at line ends and scans them (fastCsv.ts). Returns the
 * builder and whether the file ends with a newline, or null when the scanner bailed (the caller
 * then reads the file with csv-parse). Throws the builder's LabErrors.
 */
async function scanFile(path: string, builder: LogBuilder, chunk: number): Promise<{ endsWithNewline: boolean } | null> {
  const fh = await open(path, 'r');
  try {
    const scanner = new CsvScanner(builder);
    const { size } = await fh.stat();
    let consumed = 0; // bytes scanned so far
    let estimated = false;
    let buf = Buffer.allocUnsafe(chunk);
    let have = 0;
    let bomDone = false;
    let last = -1;
    for (;;) {
      if (have === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, have);
        buf = grown;
      }
      const { bytesRead } = await fh.read(buf, have, buf.length - have, null);
      const eof = bytesRead === 0;
      if (!eof) {
        have += bytesRead;
        last = buf[have - 1]!;
      }
      let from = 0;
      if (!bomDone) {
        if (have < 3 && !eof) continue;
        bomDone = true;
        if (have >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return null; // csv-parse reads UTF-16 LE then
        if (have >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) from = 3;
      }
      if (eof) {
        if (have > from && !scanner.push(buf.toString('utf8', from, have))) return null;
        if (!scanner.end()) return null;
        return { endsWithNewline: last === -1 || last === 0x0a };
      }
      const nl = buf.lastIndexOf(0x0a, have - 1);
      if (nl >= from) {
        const piece = buf.subarray(from, nl + 1);
        // ASCII bytes are their own code units: latin1 decodes them to the same text, faster
        const ascii = isAscii(piece);
        // the usual piece (ASCII, no quote, no CR) is converted from its bytes, never decoded
        const plain = ascii && piece.indexOf(0x22) < 0 && piece.indexOf(0x0d) < 0 && scanner.pushPlainLines(buf, from, nl + 1);
        if (!plain && !scanner.push(buf.toString(ascii ? 'latin1' : 'utf8', from, nl + 1), ascii ? piece : undefined)) return null;
        consumed += nl + 1 - from;
        from = nl + 1;
        if (!estimated && builder.rowCount > 0) {
          // the rest of the file has rows of about the same length: size the columns once
          estimated = true;
          builder.expectRows(Math.ceil((builder.rowCount * size * 1.05) / consumed) + 64);
        }
      }
      if (from > 0) {
        buf.copy(buf, 0, from, have);
        have -= from;
      }
    }
  } finally {
    await fh.close();
  }
}

/** The csv-parse path: parses `path` with csv-parse's stream API into the builder. */
async function parseFileWithCsvParse(path: string, file: string, builder: LogBuilder): Promise<void> {
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
        builder.record(rec, parser.info.lines);
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
}

/** Which parser read a file: `fast` (fastCsv.ts) or `csv-parse` (the scanner bailed, or was not asked). */
export type ParserPath = 'fast' | 'csv-parse';

export interface ReadLogFileOptions {
  /** `csv-parse` skips the fast path (the reference the tests compare with). Default `auto`. */
  parser?: 'auto' | 'csv-parse';
  /** Told which parser produced the result. */
  onPath?: (path: ParserPath) => void;
  /** Fast path piece size in bytes (tests use small ones to cut records across pieces). */
  chunkBytes?: number;
}

/**
 * Reads one log file. `layout` is shared across files: the first vector seen fixes it.
 * Throws LabError LOG_UNREADABLE on bad input (see module doc). The result (rows, vectors,
 * warnings, errors) is the same whichever parser reads the file.
 */
export async function readLogFile(
  path: string,
  file: string,
  machine: MachineId,
  layout: LayoutState = { ids: null, from: '' },
  warnings: string[] = [],
  options: ReadLogFileOptions = {},
): Promise<ReadLog> {
  const before = { ids: layout.ids, from: layout.from };
  let builder = new LogBuilder(file, machine, layout);
  let ending: { endsWithNewline: boolean } | null = null;
  if (options.parser !== 'csv-parse') {
    try {
      ending = await scanFile(path, builder, options.chunkBytes ?? READ_CHUNK);
    } catch (e) {
      if (e instanceof LabError) throw e;
      throw new LabError('LOG_UNREADABLE', `${file}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (ending === null) {
    // csv-parse reads it from the start, as if the fast path had not run
    layout.ids = before.ids;
    layout.from = before.from;
    builder = new LogBuilder(file, machine, layout);
    await parseFileWithCsvParse(path, file, builder);
  }
  options.onPath?.(ending === null ? 'csv-parse' : 'fast');
  if (!builder.sawHeader) throw new LabError('LOG_UNREADABLE', `${file}:1: empty file (no header)`);
  if (builder.pending) {
    if (ending ? ending.endsWithNewline : await endsWithNewline(path)) throw builder.pending;
    warnings.push(`${(builder.pending as LabError).message} (torn last line, skipped)`);
  }
  return builder.result();
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
    if (log.columns.length > 0) machines.push(log);
    else warnings.push(`${f.name}: no rows`);
  }
  if (machines.length === 0 || layout.ids === null) throw new LabError('LOG_UNREADABLE', `no rows in any log file in ${dir}`);
  // a file read before the layout was known has no rows, so every kept log uses layout.ids
  return { dir, layout: layout.ids, machines, warnings };
}

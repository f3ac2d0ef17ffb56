/**
 * Following a run's files while machines write them: each `log_<id>.csv` and `faults.csv` is read
 * from the offset reached last time (one stat per file per poll; open and read only when it grew), complete
 * records only (up to the last newline; a record still being written, or with a quoted newline
 * not yet closed, waits for the next poll). Parsing uses csv-parse's sync API on the new bytes.
 *
 * The machines are not touched: they write their logs as always (synchronous write(2)); this
 * module only reads. A file that shrinks (replaced) is read again from its start.
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { LOG_COLUMNS } from '../core/logRow.js';
import { isClockEvent } from '../algorithms/registry.js';
import { parseVector } from '../core/vector.js';
import type { MachineId } from '../core/types.js';
import type { LogEntry } from '../analysis/types.js';
import { FAULTS_FILE, FAULT_COLUMNS, isFaultHeader } from '../core/faultsFile.js';

/** File names of machine logs (the same pattern as the log reader's). */
const LOG_FILE_RE = /^log_(\d+)\.csv$/;
/** Largest read per file per poll: a big backlog is taken in slices, keeping each poll short. */
const MAX_READ = 4 << 20;

/** One CSV record with the file line it ends on (1-based, the header is line 1). */
export interface LineRecord {
  readonly fields: string[];
  readonly line: number;
}

/**
 * Follows one growing CSV file by byte offset. Invariant: every complete record is returned exactly
 * once, in file order; the header record is returned too (callers check and skip it).
 */
export class FileTail {
  private offset = 0;
  private lines = 0;
  private carry: Buffer = Buffer.alloc(0);
  /** True when the last poll left bytes unread (a backlog larger than one slice). */
  behind = false;

  constructor(readonly path: string) {}

  /** New complete records since the last call ([] when the file is missing or unchanged). */
  poll(): LineRecord[] {
    // one stat per poll when nothing changed (the common case between two rows)
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return [];
    }
    if (size === this.offset) {
      this.behind = false;
      return [];
    }
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    let chunk: Buffer;
    try {
      size = fstatSync(fd).size;
      if (size < this.offset) {
        // replaced or truncated: start again
        this.offset = 0;
        this.lines = 0;
        this.carry = Buffer.alloc(0);
      }
      const want = Math.min(size - this.offset, MAX_READ);
      this.behind = false;
      if (want <= 0) return [];
      chunk = Buffer.allocUnsafe(want);
      const got = readSync(fd, chunk, 0, want, this.offset);
      chunk = chunk.subarray(0, got);
      this.offset += got;
      this.behind = this.offset < size;
    } finally {
      closeSync(fd);
    }
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = data.lastIndexOf(0x0a);
    if (end < 0) {
      this.carry = data;
      return [];
    }
    const text = data.subarray(0, end + 1).toString('utf8');
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = parse(text, { relax_column_count: true, skip_empty_lines: true, info: true, bom: this.lines === 0 }) as never;
    } catch (e) {
      if ((e as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') {
        this.carry = data; // a quoted newline: wait for the rest of the record
        return [];
      }
      // not CSV at all: skip these bytes, say so once through the caller's row checks
      this.carry = data.subarray(end + 1);
      this.lines += countNewlines(text);
      return [{ fields: ['?unparsable'], line: this.lines }];
    }
    const base = this.lines;
    this.carry = Buffer.from(data.subarray(end + 1));
    this.lines += countNewlines(text);
    return records.map((r) => ({ fields: r.record, line: base + r.info.lines }));
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) n++;
  return n;
}

/** One parsed log row of machine `machine`, with its vector as id → count. */
export interface TailedRow {
  readonly machine: MachineId;
  readonly entry: LogEntry;
  readonly vector: Map<MachineId, number>;
}

/** One faults.csv entry as written by start-all. */
export interface TailedFault {
  readonly line: number;
  readonly time: string;
  readonly epochMs: number;
  readonly fault: string;
  readonly machine: MachineId | null;
  readonly detail: string;
}

/** What one poll of a log directory found. */
export interface PollResult {
  readonly rows: TailedRow[];
  readonly faults: TailedFault[];
  /** Rows that could not be parsed (`file:line: what`); they are skipped. */
  readonly warnings: string[];
  /** True when every file was read to the size it had when the poll began. */
  readonly complete: boolean;
}

function uint(s: string): number {
  return /^\d{1,15}$/.test(s) ? Number(s) : -1;
}

/**
 * Follows every `log_<id>.csv` of a directory (found as they appear) and its `faults.csv`.
 * Invariant: each row is reported once, each machine's rows in file order.
 */
export class LogDirFollower {
  private readonly logs = new Map<MachineId, { tail: FileTail; file: string; header: boolean }>();
  private readonly faults: FileTail;
  private faultsHeader = false;
  private lastScan = -Infinity;

  constructor(
    readonly dir: string,
    /** How often (ms) to look for new log files; the directory listing is the only non-O(1) step. */
    private readonly scanEveryMs = 500,
  ) {
    this.faults = new FileTail(join(dir, FAULTS_FILE));
  }

  /** Machines whose log file was found so far, ascending. */
  machines(): MachineId[] {
    return [...this.logs.keys()].sort((a, b) => a - b);
  }

  /** Reads what was appended since the last poll. `nowMs` (monotonic) paces the directory scans. */
  poll(nowMs: number, forceScan = false): PollResult {
    if (forceScan || nowMs - this.lastScan >= this.scanEveryMs) {
      this.lastScan = nowMs;
      this.scan();
    }
    const rows: TailedRow[] = [];
    const warnings: string[] = [];
    let complete = true;
    for (const id of this.machines()) {
      const f = this.logs.get(id)!;
      const records = f.tail.poll();
      if (f.tail.behind) complete = false;
      for (const rec of records) {
        if (!f.header) {
          f.header = true;
          if (rec.fields.join(',') !== LOG_COLUMNS.join(',')) warnings.push(`${f.file}:${rec.line}: bad header "${rec.fields.join(',')}"`);
          continue;
        }
        const row = toRow(id, rec, f.file, warnings);
        if (row) rows.push(row);
      }
    }
    const faults: TailedFault[] = [];
    for (const rec of this.faults.poll()) {
      if (!this.faultsHeader) {
        this.faultsHeader = true;
        if (rec.fields.length === FAULT_COLUMNS.length && isFaultHeader(rec.fields)) continue;
      }
      const [time = '', epoch = '', fault = '', machine = '', detail = ''] = rec.fields;
      const epochMs = uint(epoch);
      if (epochMs < 0) {
        warnings.push(`${FAULTS_FILE}:${rec.line}: epoch_ms is not an integer`);
        continue;
      }
      const m = uint(machine);
      faults.push({ line: rec.line, time, epochMs, fault, machine: m < 0 ? null : m, detail });
    }
    return { rows, faults, warnings, complete };
  }

  private scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = LOG_FILE_RE.exec(name);
      if (!m) continue;
      const id = Number(m[1]);
      if (!this.logs.has(id)) this.logs.set(id, { tail: new FileTail(join(this.dir, name)), file: name, header: false });
    }
  }
}

/** Validates one record like the log reader does; null (and a warning) when malformed. */
function toRow(machine: MachineId, rec: LineRecord, file: string, warnings: string[]): TailedRow | null {
  const f = rec.fields;
  const bad = (what: string): null => {
    warnings.push(`${file}:${rec.line}: ${what}`);
    return null;
  };
  if (f.length !== LOG_COLUMNS.length) return bad(`expected ${LOG_COLUMNS.length} columns, got ${f.length}`);
  const [time, epochText, machineCol, event, lamportText, vectorText, queueText, peer, msgId, detail] = f as [
    string, string, string, string, string, string, string, string, string, string,
  ];
  const epochMs = uint(epochText);
  const lamport = uint(lamportText);
  const queueLen = uint(queueText);
  if (epochMs < 0 || lamport < 0 || queueLen < 0) return bad('non-numeric epoch_ms, lamport or queue_len');
  if (machineCol !== String(machine)) return bad(`machine column "${machineCol}" in the log of machine ${machine}`);
  if (event === '') return bad('empty event');
  const vector = parseVector(vectorText);
  if (vector === null || vector.size === 0) return bad(`malformed vector "${vectorText}"`);
  return {
    machine,
    vector,
    entry: { line: rec.line, time, epochMs, event, lamport, queueLen, peer, msgId, detail, clock: isClockEvent(event) },
  };
}

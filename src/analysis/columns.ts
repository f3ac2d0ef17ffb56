/**
 * A machine log's rows column by column: numbers in typed arrays, the short text columns as
 * arrays of (mostly shared) strings. The statistics and core invariants read these instead of the
 * row objects: one pass over a few dense arrays instead of a pointer chase per row, and the reader
 * need not build a million row objects that `analyze` never looks at (MachineLog.rows is then
 * built from the columns on first use, see {@link rowsOfColumns}). Pure.
 */
import { isoTimeFormatter } from '../core/isoTime.js';
import type { LogColumns, LogEntry } from './types.js';

export type { LogColumns };

/** {@link LogColumns.msgSender} of an empty msg_id. */
export const NO_MSG_ID = -1;
/** {@link LogColumns.msgSender} of a msg_id that is not `<sender>-<seq>` in canonical decimal. */
export const OTHER_MSG_ID = -2;

/** Where {@link splitMsgId} puts its result. */
export const MSG_ID = { sender: 0, seq: 0 };

/**
 * Splits a msg_id for the columns: `<sender>-<seq>` in canonical decimal (no sign, no leading
 * zero, both < 2^31) sets MSG_ID.sender and MSG_ID.seq; '' sets sender NO_MSG_ID, any other text
 * OTHER_MSG_ID. Two canonical msg_ids are equal strings iff their numbers are equal, and
 * `${sender}-${seq}` gives the text back.
 */
export function splitMsgId(id: string): void {
  MSG_ID.seq = 0;
  if (id === '') {
    MSG_ID.sender = NO_MSG_ID;
    return;
  }
  MSG_ID.sender = OTHER_MSG_ID;
  const len = id.length;
  let k = 0;
  let v = 0;
  for (; k < len; k++) {
    const c = id.charCodeAt(k) - 48;
    if (c < 0 || c > 9) break;
    if (k === 10 || (k > 0 && v === 0)) return;
    v = v * 10 + c;
  }
  if (k === 0 || k === len || id.charCodeAt(k) !== 45 /* - */ || v > 0x7fffffff) return;
  const sender = v;
  const s0 = ++k;
  v = 0;
  for (; k < len; k++) {
    const c = id.charCodeAt(k) - 48;
    if (c < 0 || c > 9 || k - s0 === 10 || (k > s0 && v === 0)) return;
    v = v * 10 + c;
  }
  if (k === s0 || v > 0x7fffffff) return;
  MSG_ID.sender = sender;
  MSG_ID.seq = v;
}

function grown<T extends Float64Array | Uint8Array | Int32Array>(a: T, size: number): T {
  const out = new (a.constructor as new (n: number) => T)(size);
  out.set(a);
  return out;
}

/**
 * Builds columns row by row. A row's `time` is either a string ({@link pushTime}) or, when it is
 * the canonical `new Date(ms).toISOString()` text of some ms (what the runtime writes), that ms
 * ({@link pushTimeMs}): the text is made again only when asked for, so the reader keeps neither
 * a string per row nor the file's text.
 */
export class ColumnsBuilder {
  length = 0;
  private line = new Float64Array(0);
  private epochMs = new Float64Array(0);
  private lamport = new Float64Array(0);
  private queueLen = new Float64Array(0);
  private clock = new Uint8Array(0);
  private readonly event: string[] = [];
  private readonly peer: string[] = [];
  private msgSender = new Int32Array(0);
  private msgSeq = new Int32Array(0);
  private readonly otherMsgIds = new Map<number, string>();
  private readonly detail: string[] = [];
  /** Per row: the ms whose ISO text the time is, or NaN when the time is a key into `times`. */
  private timeMs = new Float64Array(0);
  private readonly times = new Map<number, string>();

  /** Makes room for `rows` rows in all (a reader that can estimate the count saves the regrowing). */
  reserve(rows: number): void {
    if (rows <= this.line.length) return;
    this.line = grown(this.line, rows);
    this.epochMs = grown(this.epochMs, rows);
    this.lamport = grown(this.lamport, rows);
    this.queueLen = grown(this.queueLen, rows);
    this.clock = grown(this.clock, rows);
    this.timeMs = grown(this.timeMs, rows);
    this.msgSender = grown(this.msgSender, rows);
    this.msgSeq = grown(this.msgSeq, rows);
  }

  /**
   * Appends a row whose time follows with {@link pushTime} or {@link pushTimeAt}. Its msg_id is
   * `sender`, `seq` as in {@link LogColumns.msgSender}; an OTHER_MSG_ID's text follows with
   * {@link pushOtherMsgId} ({@link pushRow} does all that for a row of strings).
   */
  push(line: number, epochMs: number, event: string, clock: boolean, lamport: number, queueLen: number, peer: string, sender: number, seq: number, detail: string): void {
    const i = this.length;
    if (i >= this.line.length) this.reserve(Math.max(i + 1, this.line.length * 2, 1024));
    this.line[i] = line;
    this.epochMs[i] = epochMs;
    this.lamport[i] = lamport;
    this.queueLen[i] = queueLen;
    this.clock[i] = clock ? 1 : 0;
    this.event.push(event);
    this.peer.push(peer);
    this.msgSender[i] = sender;
    this.msgSeq[i] = seq;
    this.detail.push(detail);
    this.length = i + 1;
  }

  /** The msg_id text of the row just pushed (its sender: OTHER_MSG_ID). */
  pushOtherMsgId(text: string): void {
    this.otherMsgIds.set(this.length - 1, text);
  }

  /** Appends a row given as strings where the row objects have them. */
  pushRow(line: number, time: string, epochMs: number, event: string, clock: boolean, lamport: number, queueLen: number, peer: string, msgId: string, detail: string): void {
    splitMsgId(msgId);
    this.push(line, epochMs, event, clock, lamport, queueLen, peer, MSG_ID.sender, MSG_ID.seq, detail);
    if (MSG_ID.sender === OTHER_MSG_ID) this.pushOtherMsgId(msgId);
    this.pushTime(time);
  }

  /** The time of the row just pushed, as a string. */
  pushTime(time: string): void {
    const i = this.length - 1;
    this.timeMs[i] = NaN;
    this.times.set(i, time);
  }

  /** The time of the row just pushed is `new Date(ms).toISOString()` (ms an integer, years 0000–9999). */
  pushTimeMs(ms: number): void {
    this.timeMs[this.length - 1] = ms;
  }

  /** The columns (the builder must not be used afterwards). */
  finish(): LogColumns {
    const n = this.length;
    const { times, otherMsgIds } = this;
    const timeMs = this.timeMs.subarray(0, n);
    const iso = isoTimeFormatter();
    const msgSender = this.msgSender.subarray(0, n);
    const msgSeq = this.msgSeq.subarray(0, n);
    return {
      length: n,
      line: this.line.subarray(0, n),
      epochMs: this.epochMs.subarray(0, n),
      lamport: this.lamport.subarray(0, n),
      queueLen: this.queueLen.subarray(0, n),
      clock: this.clock.subarray(0, n),
      event: this.event,
      peer: this.peer,
      msgSender,
      msgSeq,
      msgIdAt(i: number): string {
        const s = msgSender[i]!;
        if (s >= 0) return `${s}-${msgSeq[i]!}`;
        return s === NO_MSG_ID ? '' : otherMsgIds.get(i)!;
      },
      detail: this.detail,
      timeAt(i: number): string {
        const ms = timeMs[i]!;
        return ms === ms ? iso(ms) : times.get(i)!;
      },
    };
  }
}

/** The columns of row objects (for logs that come as rows, e.g. from the simulator). */
export function columnsOfRows(rows: readonly LogEntry[]): LogColumns {
  const b = new ColumnsBuilder();
  for (const r of rows) b.pushRow(r.line, r.time, r.epochMs, r.event, r.clock, r.lamport, r.queueLen, r.peer, r.msgId, r.detail);
  return b.finish();
}

/** The row objects of columns, equal field by field to the rows the columns were built from. */
export function rowsOfColumns(c: LogColumns): LogEntry[] {
  const out = new Array<LogEntry>(c.length);
  for (let i = 0; i < c.length; i++) {
    out[i] = {
      line: c.line[i]!,
      time: c.timeAt(i),
      epochMs: c.epochMs[i]!,
      event: c.event[i]!,
      lamport: c.lamport[i]!,
      queueLen: c.queueLen[i]!,
      peer: c.peer[i]!,
      msgId: c.msgIdAt(i),
      detail: c.detail[i]!,
      clock: c.clock[i] === 1,
    };
  }
  return out;
}

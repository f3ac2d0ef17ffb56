/**
 * Rate limits for log rows that a hostile or broken peer can cause at any rate it likes (ERROR rows
 * for rejected connections and frames, DROP rows for messages refused by a full queue). Per source
 * (a remote address or a peer), the first `burst` rows of a window of `windowMs` are written as they
 * come; the rest of that window are only counted, and one summary row (`count=`) stands for them
 * when the window ends. So one source costs at most burst + 1 rows per window, however fast it is.
 * Time is passed in (the engine's ms since start), so it runs under virtual time too.
 */

export interface RowLimit {
  /** Rows of one source written as they come, per window (≥ 1). */
  readonly burst: number;
  /** Length of a window in ms, counted from the first row of the source in it. */
  readonly windowMs: number;
}

/** What a summary row says: `count` rows of `source` (by reason) were not written in this window. */
export interface RowSummary {
  readonly source: string;
  /** The peer column of the rows summarised (the last one seen). */
  readonly peer: string;
  readonly count: number;
  readonly byReason: ReadonlyMap<string, number>;
  readonly windowMs: number;
}

interface Window {
  readonly startMs: number;
  written: number;
  suppressed: number;
  peer: string;
  readonly byReason: Map<string, number>;
}

/** Sources tracked at once; beyond this, new sources share the key `other` (bounded memory). */
const MAX_SOURCES = 1024;

/**
 * Invariants: at most `burst` rows of a source are admitted per window; every row not admitted is
 * counted in exactly one summary (given to the callback of a later admit/flush, or of flush(all)).
 */
export class RowLimiter {
  private readonly windows = new Map<string, Window>();
  /** Earliest end of a window (Infinity when none): flush() is O(1) before it. */
  private nextEndMs = Infinity;

  constructor(private readonly limit: RowLimit) {}

  /** True when some window is open (a flush may have something to do). */
  get active(): boolean {
    return this.windows.size > 0;
  }

  /**
   * One row of `source` at `nowMs`: true when it is to be written, false when it is only counted.
   * Windows that have ended are summarised (through `onSummary`) first.
   */
  admit(source: string, reason: string, peer: string, nowMs: number, onSummary: (s: RowSummary) => void): boolean {
    this.flush(nowMs, onSummary);
    let key = source;
    let w = this.windows.get(key);
    if (!w && this.windows.size >= MAX_SOURCES) {
      key = 'other';
      w = this.windows.get(key);
    }
    if (!w) {
      w = { startMs: nowMs, written: 0, suppressed: 0, peer, byReason: new Map() };
      this.windows.set(key, w);
      if (nowMs + this.limit.windowMs < this.nextEndMs) this.nextEndMs = nowMs + this.limit.windowMs;
    }
    if (w.written < this.limit.burst) {
      w.written++;
      return true;
    }
    w.suppressed++;
    w.peer = peer;
    w.byReason.set(reason, (w.byReason.get(reason) ?? 0) + 1);
    return false;
  }

  /** Ends the windows that are over at `nowMs` (all of them with `all`), summarising what they suppressed. */
  flush(nowMs: number, onSummary: (s: RowSummary) => void, all = false): void {
    if (!all && nowMs < this.nextEndMs) return;
    let next = Infinity;
    for (const [source, w] of this.windows) {
      const end = w.startMs + this.limit.windowMs;
      if (all || nowMs >= end) {
        this.windows.delete(source);
        if (w.suppressed > 0) onSummary({ source, peer: w.peer, count: w.suppressed, byReason: w.byReason, windowMs: this.limit.windowMs });
      } else if (end < next) next = end;
    }
    this.nextEndMs = next;
  }
}

/** `a:3,b:5` for a summary's detail (no spaces), most frequent first. */
export function formatReasons(byReason: ReadonlyMap<string, number>): string {
  return [...byReason]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([r, n]) => `${r}:${n}`)
    .join(',');
}

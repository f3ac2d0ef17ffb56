/**
 * Real-time tick scheduling against the monotonic clock. Tick k is due at t0 + k·period, computed
 * from the start rather than from the previous tick, so handling time and timer lateness never
 * accumulate: over D seconds a machine at rate r performs r·D ticks (the last one may be late by
 * the timer's granularity, never skipped).
 */
import { performance } from 'node:perf_hooks';

export interface TickerOptions {
  /** Ticks per second. */
  readonly rate: number;
  /** Called once per tick with the tick number (1, 2, ...). */
  readonly onTick: (n: number) => void;
  /**
   * Shift of the whole schedule in ms, in [0, period): tick n is due at t0 + offset + n·period.
   * Machines with the same rate get different offsets so they do not all tick at the same instant.
   */
  readonly offsetMs?: number;
  /** Stop after this many ticks (e.g. rate × duration); called with onDone. */
  readonly maxTicks?: number;
  readonly onDone?: () => void;
  /** Monotonic ms (injectable for tests). */
  readonly now?: () => number;
}

/** Drift-free ticker. Invariant: tick n never runs before t0 + offset + n·period. */
export class RealTicker {
  private timer: NodeJS.Timeout | null = null;
  private count = 0;
  private t0 = 0;
  private running = false;
  private started = false;
  private readonly period: number;
  private readonly offset: number;
  private readonly now: () => number;

  constructor(private readonly opts: TickerOptions) {
    this.period = 1000 / opts.rate;
    const offset = opts.offsetMs ?? 0;
    if (!(offset >= 0 && offset < this.period)) throw new RangeError(`tick offset ${offset} ms is outside [0, ${this.period})`);
    this.offset = offset;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Ticks performed. */
  get ticks(): number {
    return this.count;
  }

  /** Monotonic ms from which ticks are counted (start time + offset). */
  get startedAt(): number {
    return this.t0;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.started = true;
    this.t0 = this.now() + this.offset;
    this.schedule();
  }

  /**
   * Resumes a stopped ticker on its original schedule: the ticks that fell due while it was stopped
   * run at once (as after SIGSTOP/SIGCONT), so the count over the duration stays exact. No-op when
   * it is running or was never started.
   */
  resume(): void {
    if (this.running || !this.started) return;
    if (this.opts.maxTicks !== undefined && this.count >= this.opts.maxTicks) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (!this.running) return;
    const due = this.t0 + (this.count + 1) * this.period;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - this.now()));
  }

  private fire(): void {
    this.timer = null;
    if (!this.running) return;
    // Run every tick that is due (catching up after a stall keeps the count exact).
    while (this.running && this.now() >= this.t0 + (this.count + 1) * this.period - 0.5) {
      this.count++;
      this.opts.onTick(this.count);
      if (this.opts.maxTicks !== undefined && this.count >= this.opts.maxTicks) {
        this.stop();
        this.opts.onDone?.();
        return;
      }
    }
    this.schedule();
  }
}

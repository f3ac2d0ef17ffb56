/**
 * Exponential backoff with jitter for redialing a peer. Pure: the random source is injected, no
 * clock is read, nothing is scheduled here (the transport owns the timers).
 */

export interface BackoffOptions {
  /** Delay before the first retry, in ms (before jitter). */
  readonly initialMs: number;
  /** Growth per attempt (>= 1). */
  readonly factor: number;
  /** Upper bound of any delay, in ms (before jitter). */
  readonly maxMs: number;
  /**
   * Fraction of the delay that is randomised, in [0, 1]: the delay is drawn uniformly from
   * [base * (1 - jitter), base]. 0 = deterministic; 1 = "full jitter".
   */
  readonly jitter: number;
}

/**
 * Redial defaults: 50 ms, doubling, capped at 8 s, half of each delay randomised.
 * Cap 8 s: a peer that comes (back) up knocks on us and we redial it at once (TcpTransport.redialNow),
 * so our own retries only matter when its knock cannot reach us; a low cap mostly burns CPU on
 * refused connections while many machines start (100 machines: all ready in 40 s with a 2 s cap,
 * 32 s with 8 s, measured here).
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 50, factor: 2, maxMs: 8000, jitter: 0.5 };

/** Validates options; throws RangeError on nonsense (a programming error). */
function checkOptions(o: BackoffOptions): void {
  if (!(o.initialMs >= 0) || !(o.maxMs >= o.initialMs) || !(o.factor >= 1) || !(o.jitter >= 0 && o.jitter <= 1)) {
    throw new RangeError(`invalid backoff options ${JSON.stringify(o)}`);
  }
}

/**
 * The un-jittered delay of retry number `attempt` (0-based): min(maxMs, initialMs * factor^attempt).
 * Invariant: non-decreasing in `attempt`, never above `maxMs`, finite for any attempt.
 */
export function baseDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  checkOptions(options);
  const n = Math.max(0, Math.floor(attempt));
  const raw = options.initialMs * Math.pow(options.factor, n);
  return Number.isFinite(raw) ? Math.min(options.maxMs, raw) : options.maxMs;
}

/**
 * The jittered delay of retry number `attempt`, using one draw of `random` (values in [0, 1)).
 * Invariant: baseDelay * (1 - jitter) <= result <= baseDelay, rounded to whole ms.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const base = baseDelay(attempt, options);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(base * (1 - options.jitter * (1 - r)));
}

/** Attempt counter around {@link backoffDelay}: `next()` after each failure, `reset()` after a success. */
export class Backoff {
  private attempt = 0;
  readonly options: BackoffOptions;

  constructor(
    private readonly random: () => number = Math.random,
    options: Partial<BackoffOptions> = {},
  ) {
    this.options = { ...DEFAULT_BACKOFF, ...options };
    checkOptions(this.options);
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay to wait before the next try; advances the attempt counter. */
  next(): number {
    const delay = backoffDelay(this.attempt, this.random, this.options);
    this.attempt++;
    return delay;
  }

  /** Back to the initial delay (call once a connection succeeded). */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * What a machine decides before its first tick, shared by real processes and the simulator so the
 * same seed gives the same machine in both: its seeded RNG, its tick rate (the first draw), the
 * START row's detail.
 */
import { formatDetail } from '../../core/logRow.js';
import { Rng } from '../../core/rng.js';

export interface TickRateChoice {
  /** Fixed rate (--tick-rate), or undefined to draw one. */
  readonly fixed?: number | undefined;
  /** Upper bound of the drawn rate (--max-tick-rate, default 6). */
  readonly max: number;
  /** Lower bound of the drawn rate (default 1). */
  readonly min?: number | undefined;
}

/**
 * Seeds the machine's generator and draws its tick rate. Invariant: the rate is the generator's
 * first draw (even when fixed, so later draws do not depend on --tick-rate).
 */
export function setupMachine(seed: number, rate: TickRateChoice): { rng: Rng; tickRate: number } {
  const rng = new Rng(seed);
  const drawn = rng.int(rate.min ?? 1, rate.max);
  return { rng, tickRate: rate.fixed ?? drawn };
}

/** What every START row says first, then what the driver adds. */
export interface StartRowFields {
  readonly seed: number;
  readonly tickRate: number;
  readonly algorithm: string;
  /** The driver's own pairs, in order (pid and host; mode=simulated; mode=checked tick_ms=...); undefined ones are left out. */
  readonly more?: Readonly<Record<string, string | number | undefined>>;
  /** After a restart (--append): the rows the earlier incarnations logged. */
  readonly restoredRows?: number | undefined;
  /** Free text appended last (run-machine's startDetail from start-all, e.g. `restart=1`). */
  readonly extra?: string | undefined;
}

/**
 * The START row's detail, the same shape for every driver: `seed=.. tick_rate=.. algorithm=..`,
 * the driver's pairs, `restored_rows=..` after a restart, then the extra text. Analysis reads
 * seed, tick_rate and algorithm from it (analysis/runInfo.ts, the model checker's replays).
 */
export function startRowDetail(f: StartRowFields): string {
  const pairs = formatDetail({ seed: f.seed, tick_rate: f.tickRate, algorithm: f.algorithm, ...f.more, restored_rows: f.restoredRows });
  return f.extra ? `${pairs} ${f.extra}` : pairs;
}

/**
 * What a machine decides before its first tick, shared by real processes and the simulator so the
 * same seed gives the same machine in both: its seeded RNG, its tick rate (the first draw), the
 * START row's detail.
 */
import { Rng } from '../core/rng.js';

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

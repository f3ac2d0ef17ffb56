/**
 * The model checker's generator: every draw an algorithm makes becomes a choice point. Instead of
 * pseudo-random numbers it hands out the values of a choice sequence, so the explorer can run one
 * step once per combination of values (an odometer over the draws made in that step).
 *
 * Classes of values explored (one representative per class that can lead to different effects):
 * - `chance(p)`: the two outcomes true and false (only the possible one when p is 0 or 1);
 * - `int(lo, hi)`: every value lo..hi (the workload's draws 4..10 all give INTERNAL and lead to
 *   the same state; the state hash merges them);
 * - `float()` and `nextU32()`: not explorable (a continuum); the checker refuses an algorithm
 *   that draws them (ModelError UNSUPPORTED_DRAW). No algorithm of the registry does.
 */
import { Rng } from '../core/rng.js';

/** A draw the checker cannot enumerate. */
export class UnsupportedDrawError extends Error {
  constructor(what: string) {
    super(`the algorithm drew ${what}, which the model checker cannot enumerate (only chance() and int() are choice points)`);
    this.name = 'UnsupportedDrawError';
  }
}

/**
 * A generator fed by a choice sequence. Invariant: with the same sequence (or code), the same
 * draws return the same values, so a step replays exactly.
 */
export class ChoiceRng extends Rng {
  /** Values chosen so far in the current step, and how many alternatives each draw had. */
  private values: number[] = [];
  private radices: number[] = [];
  private prefix: readonly number[] = [];
  /** Replay from a code (mixed radix) instead of a prefix; -1 when not replaying. */
  private code = -1;

  /** When set, every draw appends a description (`chance(0.2)=true`, `int(1,10)=7`): replays. */
  log: string[] | null = null;

  constructor() {
    super(0);
  }

  /** Starts a step whose first draws take `prefix` (then the first alternative of every draw). */
  begin(prefix: readonly number[] = []): void {
    this.values = [];
    this.radices = [];
    this.prefix = prefix;
    this.code = -1;
  }

  /** Starts a step replaying the choices encoded by {@link encode}. */
  beginCode(code: number): void {
    this.begin();
    this.code = code;
  }

  /** The choices of the step as one number: Σ value_i · Π_{j<i} radix_j (exact below 2^53). */
  encode(): number {
    let code = 0;
    let scale = 1;
    for (let i = 0; i < this.values.length; i++) {
      code += this.values[i]! * scale;
      scale *= this.radices[i]!;
    }
    return code;
  }

  /** The next combination of choices for the same step (odometer), or null when all were made. */
  nextPrefix(): number[] | null {
    for (let i = this.values.length - 1; i >= 0; i--) {
      if (this.values[i]! + 1 < this.radices[i]!) {
        const next = this.values.slice(0, i);
        next.push(this.values[i]! + 1);
        return next;
      }
    }
    return null;
  }

  private choose(radix: number): number {
    const i = this.values.length;
    let v: number;
    if (this.code >= 0) {
      v = this.code % radix;
      this.code = Math.floor(this.code / radix);
    } else v = i < this.prefix.length ? this.prefix[i]! : 0;
    this.values.push(v);
    this.radices.push(radix);
    return v;
  }

  /** Number of draws in the current step. */
  get draws(): number {
    return this.values.length;
  }

  /** When true, every chance() is false (the model's request bound, model.ts `maxRequests`). */
  denyChance = false;

  override chance(p: number): boolean {
    if (!(p > 0) || this.denyChance) return false;
    if (p >= 1) return true;
    const v = this.choose(2) === 0;
    this.log?.push(`chance(${p})=${v}`);
    return v;
  }

  override int(lo: number, hi: number): number {
    if (hi <= lo) return lo;
    const v = lo + this.choose(hi - lo + 1);
    this.log?.push(`int(${lo},${hi})=${v}`);
    return v;
  }

  override float(): number {
    throw new UnsupportedDrawError('float()');
  }

  override nextU32(): number {
    // the base constructor warms the generator up; afterwards a raw draw is not explorable
    if (this.values === undefined) return super.nextU32();
    throw new UnsupportedDrawError('nextU32()');
  }
}

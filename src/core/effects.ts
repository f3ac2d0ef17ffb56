/**
 * The one builder every algorithm assembles its effect list with (see algorithm.ts for Effect and
 * the Context contract). It keeps the effects in the order they are added, formats `detail` from
 * key=value pairs, leaves out sends to nobody, and knows the Lamport stamp each clock effect will
 * get. Pure: no I/O, no clock, no randomness.
 */
import type { Context, Effect } from './algorithm.js';
import { formatDetail } from './logRow.js';
import type { MachineId } from './types.js';

/** `key=value` pairs of a row's detail, in order; undefined values are left out (formatDetail). */
export type DetailPairs = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Collects the effects of one algorithm call. Invariants: `effects` holds them in the order added;
 * a send to nobody is never added (the engine would skip it: it is no event and gets no stamp), so
 * the k-th clock effect (send or event) in `effects` is stamped `lamport + k` by the engine, as
 * `nextStamp()` says beforehand.
 */
export class EffectList<Body> {
  readonly effects: Effect<Body>[] = [];
  private clockEffects = 0;
  private readonly lamport: number;

  /** `ctx`: the call's context (only its Lamport clock is read). */
  constructor(ctx: Pick<Context, 'lamport'>) {
    this.lamport = ctx.lamport;
  }

  /** The stamp the next clock effect added will get. */
  nextStamp(): number {
    return this.lamport + this.clockEffects + 1;
  }

  /** ONE send (one SEND row, one msg_id) to every machine of `to`; nothing when `to` is empty. */
  send(to: readonly MachineId[], body: Body): void {
    if (to.length === 0) return;
    this.effects.push({ kind: 'send', to, body });
    this.clockEffects++;
  }

  /** A clock event of the algorithm's own (a name outside NON_CLOCK_EVENTS, algorithms/registry.ts), about `peer` if given. */
  event(event: string, detail: DetailPairs = {}, peer?: readonly MachineId[]): void {
    this.effects.push(peer === undefined ? { kind: 'event', event, detail: formatDetail(detail) } : { kind: 'event', event, detail: formatDetail(detail), peer });
    this.clockEffects++;
  }

  /** A row that carries the clocks unchanged (a name from NON_CLOCK_EVENTS, algorithms/registry.ts), about `peer`. */
  note(event: string, peer: readonly MachineId[], detail: DetailPairs = {}): void {
    this.effects.push({ kind: 'note', event, peer, detail: formatDetail(detail) });
  }
}

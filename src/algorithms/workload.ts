/**
 * The classic random-event model (the default algorithm). Each tick that finds the network queue
 * empty draws d in 1..internalMax: 1 sends to the next machine after this one in config order,
 * 2 to the one after that, 3 to every peer, anything else is an INTERNAL event. Messages are taken
 * one per tick by the runtime (receiveMode 'one-per-tick'), so a slow machine's queue grows.
 *
 * A send to several peers is ONE clock event (one SEND row, one msg_id): in Lamport's model a send
 * is an event of the sender, and multicasting one message is one event. Some implementations bump
 * the clock once per destination, which makes a "send to both" look like two events and inflates
 * jumps at the receivers; we do not.
 */
import type { Algorithm, Effect } from '../core/algorithm.js';
import { EffectList } from '../core/effects.js';
import { INTERNAL } from '../core/events.js';
import type { MachineId } from '../core/types.js';
import type { AlgorithmModule } from './module.js';

export interface WorkloadOptions {
  /** Upper bound of the draw (default 10): P(internal) = (internalMax − 3) / internalMax. */
  readonly internalMax: number;
}

/** Workload bodies carry nothing but the clocks the envelope already has. */
export interface WorkloadBody {
  readonly kind: 'tick';
}

export interface WorkloadState {
  readonly internalMax: number;
}

/**
 * Destinations for a draw: `peers` is in config order starting after self. With 2 machines the
 * "one after that" wraps round to the only peer, so draws 1, 2 and 3 all reach it.
 */
export function workloadTargets(draw: number, peers: readonly MachineId[]): readonly MachineId[] | null {
  if (peers.length === 0) return null;
  if (draw === 1) return [peers[0]!];
  if (draw === 2) return [peers[1 % peers.length]!];
  if (draw === 3) return peers;
  return null;
}

/** Builds the workload algorithm. Invariant: every onTick returns exactly one clock effect. */
export function createWorkload(options: WorkloadOptions): Algorithm<WorkloadState, WorkloadBody> {
  const body: WorkloadBody = { kind: 'tick' };
  return {
    name: 'workload',
    receiveMode: 'one-per-tick',
    init: () => ({ internalMax: options.internalMax }),
    startDetail: (state) => `internal_max=${state.internalMax}`,
    onTick(state, ctx): Effect<WorkloadBody>[] {
      const out = new EffectList<WorkloadBody>(ctx);
      const draw = ctx.rng.int(1, state.internalMax);
      const to = workloadTargets(draw, ctx.peers);
      if (to) out.send(to, body);
      else out.event(INTERNAL, { draw });
      return out.effects;
    },
    onMessage: () => [],
    describe: () => '',
    parseBody(raw) {
      return raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'tick' ? body : null;
    },
  };
}

/** The `workload` module (the default): no options of its own (--internal-max is a general option), no notes. */
export const workloadModule: AlgorithmModule = {
  name: 'workload',
  create: (o) => createWorkload({ internalMax: o.internalMax }),
  events: [],
  notes: [],
  options: [],
};

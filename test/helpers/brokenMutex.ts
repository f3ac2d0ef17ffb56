/**
 * Deliberately broken algorithm variants for tests that must show a checker catches a bug: each is
 * the real algorithm wrapped, never a copy of it.
 */
import type { Algorithm, Effect } from '../../src/core/algorithm.js';
import { createLamportMutex, type LamportMutexState } from '../../src/algorithms/mutex.js';
import type { MutexBody, MutexOptions } from '../../src/algorithms/mutexCommon.js';

/**
 * A broken Lamport mutex: it enters as soon as its own request heads its queue, without waiting for
 * a later-timestamped message from every peer.
 */
export function impatientLamport(options: MutexOptions): Algorithm<LamportMutexState, MutexBody> {
  const inner = createLamportMutex(options);
  const cheat = (s: LamportMutexState, self: number, effects: Effect<MutexBody>[]): Effect<MutexBody>[] => {
    if (s.phase === 'waiting' && s.queue[0]?.id === self) {
      s.phase = 'held';
      s.heldTicks = 0;
      return [...effects, { kind: 'event', event: 'CS_ENTER', detail: `ts=${s.myTs}` }];
    }
    return effects;
  };
  return {
    ...inner,
    onTick: (s, ctx) => cheat(s, ctx.self, inner.onTick(s, ctx)),
    onMessage: (s, from, body, ctx) => cheat(s, ctx.self, inner.onMessage(s, from, body, ctx)),
  };
}

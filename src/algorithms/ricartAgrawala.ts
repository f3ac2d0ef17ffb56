/**
 * Ricart–Agrawala mutual exclusion (1981), as a pure state machine (`--algorithm ricart-agrawala`):
 * Lamport's algorithm with the RELEASE folded into deferred replies, 2(N−1) messages per entry.
 *  - Request: send REQUEST(ts) to every live peer (ts = the Lamport stamp of that send event; the
 *    CS_REQUEST row follows it, as in mutex.ts).
 *  - On REQUEST(ts) from j: if we are in the critical section, or waiting with a request that
 *    precedes (ts, j) in the (timestamp, id) order, defer the answer; otherwise REPLY(ts) at once.
 *  - Enter when every live peer has replied to our current request.
 *  - Exit: send the deferred REPLYs.
 * Same workload, log rows (CS_REQUEST, CS_ENTER, CS_EXIT with ts=) and checker as mutex.ts, and
 * the same membership with failure timeout (MEMBER_DOWN / MEMBER_UP), with the same trade-off: a
 * falsely suspected peer is not waited for, so it may be in the critical section at the same time;
 * the checker reports it. When a link comes up we re-send what may have been DROPped while it was
 * down: our REQUEST if that peer has not replied to it, and our last REPLY to that peer (a REPLY
 * for a request that is no longer current is ignored by its receiver).
 * Lost messages on a link that stays up (--loss, --partition): RA stays safe (entry needs an
 * explicit REPLY to the current request from every live peer), and liveness is restored by
 * re-sending: a waiting machine that has had no REPLY for retransmitAfterMs re-sends REQUEST(ts),
 * resend=1, to the peers that have not replied, every that long while stuck. A re-sent REQUEST
 * already answered is answered again (REPLY resend=1), one already deferred stays deferred, one
 * never seen is handled as new. An idle machine that has not heard from some peers for that long
 * (their link-up HELLO lost) asks them, HELLO ask=1; they answer HELLO. A fault-free run never
 * re-sends or asks (see mutexCommon.ts).
 * As in mutex.ts, a machine issues its first request only after it has heard from every live peer
 * (peers send HELLO when a link comes up and they have nothing else to say). Safety does not rest
 * on it: a machine inside defers every request, whatever its timestamp, and a waiting machine that
 * still counts a REPLY from the restarted machine's earlier incarnation got that REPLY for a
 * request the restarted machine's clock (continued, as with --append) has already passed, so it
 * defers the new request too. Without it a restarted machine's stale clock would put its requests
 * out of (timestamp, id) order, which the fairness check reports.
 */
import type { Algorithm, MessageContext } from '../core/algorithm.js';
import type { MachineId } from '../core/types.js';
import type { AlgorithmModule } from './module.js';
import {
  compareRequests,
  createMutexAlgorithm,
  livePeers,
  type MutexBody,
  type MutexCoreState,
  type MutexEffects,
  type MutexOptions,
  mutexModule,
} from './mutexCommon.js';

/** Mutable state of one machine: the shared part plus the replies given, deferred and received. */
export interface RicartAgrawalaState extends MutexCoreState {
  /** Peers that replied to our current request. Invariant: empty when idle. */
  readonly repliedBy: Set<MachineId>;
  /** Peer → timestamp of its request whose reply we defer. */
  readonly deferred: Map<MachineId, number>;
  /** Peer → timestamp of the last request of it we replied to (re-sent when its link comes up). */
  readonly lastReplyTo: Map<MachineId, number>;
}

/** True when a REQUEST (ts, from) must wait for our exit: we are inside, or our request goes first. */
export function mustDefer(state: RicartAgrawalaState, self: MachineId, ts: number, from: MachineId): boolean {
  if (state.phase === 'held') return true;
  if (state.phase === 'waiting' && state.myTs !== null) return compareRequests({ ts: state.myTs, id: self }, { ts, id: from }) < 0;
  return false;
}

/** Every live peer has replied to our current request. */
export function allReplied(state: RicartAgrawalaState): boolean {
  if (state.phase !== 'waiting') return false;
  for (const p of state.membership.live) if (!state.repliedBy.has(p)) return false;
  return true;
}

function reply(state: RicartAgrawalaState, to: MachineId, ts: number, out: MutexEffects): void {
  const again = state.lastReplyTo.get(to) === ts;
  state.lastReplyTo.set(to, ts);
  out.send([to], again ? { kind: 'REPLY', ts, resend: true } : { kind: 'REPLY', ts });
}

/** Sends a peer what it may have missed while the link was down (or while it was out); HELLO if nothing. */
function resync(state: RicartAgrawalaState, peer: MachineId, out: MutexEffects): void {
  let sent = false;
  if (state.phase === 'waiting' && state.myTs !== null && !state.repliedBy.has(peer)) {
    out.send([peer], { kind: 'REQUEST', ts: state.myTs });
    sent = true;
  }
  const last = state.lastReplyTo.get(peer);
  if (last !== undefined) {
    out.send([peer], { kind: 'REPLY', ts: last, resend: true }); // a repeat: it may have been lost
    sent = true;
  }
  if (!sent) out.send([peer], { kind: 'HELLO' });
}

/** Forgets a peer that was dropped or has rejoined: its deferred request, our last reply, its reply. */
function forget(state: RicartAgrawalaState, peer: MachineId): void {
  state.deferred.delete(peer);
  state.lastReplyTo.delete(peer);
  state.repliedBy.delete(peer);
}

/** A member's message: answer or defer its REQUEST, count its REPLY, answer its ask. */
function receive(state: RicartAgrawalaState, from: MachineId, body: MutexBody, ctx: MessageContext, out: MutexEffects): void {
  switch (body.kind) {
    case 'REQUEST':
      // a request already answered is answered again (its REPLY may be lost); one already deferred stays so
      if (state.lastReplyTo.get(from) === body.ts) reply(state, from, body.ts, out);
      else if (state.deferred.get(from) === body.ts) break;
      else if (mustDefer(state, ctx.self, body.ts, from)) state.deferred.set(from, body.ts);
      else reply(state, from, body.ts, out);
      break;
    case 'REPLY':
      if (state.phase === 'waiting' && body.ts === state.myTs && !state.repliedBy.has(from)) {
        state.repliedBy.add(from);
        state.progressAt = ctx.now;
      }
      break;
    case 'HELLO':
      if (body.ask) out.send([from], { kind: 'HELLO' });
      break;
    case 'RELEASE':
      break;
  }
}

/** Builds Ricart–Agrawala. Invariant: at most one CS_ENTER per CS_REQUEST, each followed by one CS_EXIT. */
export function createRicartAgrawala(options: MutexOptions): Algorithm<RicartAgrawalaState, MutexBody> {
  return createMutexAlgorithm<RicartAgrawalaState>(
    {
      name: 'ricart-agrawala',
      init: (core) => ({ ...core, repliedBy: new Set(), deferred: new Map(), lastReplyTo: new Map() }),
      mayEnter: allReplied,
      requested: (state) => state.repliedBy.clear(),
      exited(state, _ts, ctx, out) {
        state.repliedBy.clear();
        for (const peer of ctx.peers) {
          const ts = state.deferred.get(peer);
          if (ts !== undefined && state.membership.live.has(peer)) reply(state, peer, ts, out);
        }
        state.deferred.clear();
      },
      waitingFor: (state, ctx) => livePeers(state.membership, ctx).filter((p) => !state.repliedBy.has(p)),
      dropped: forget,
      rejoined: forget,
      greet: resync,
      receive,
    },
    options,
  );
}

/** The `ricart-agrawala` module: 2 (n−1) messages per entry. */
export const ricartAgrawalaModule: AlgorithmModule = mutexModule('ricart-agrawala', createRicartAgrawala, 2);

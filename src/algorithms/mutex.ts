/**
 * Lamport's distributed mutual exclusion (Lamport 1978, "Time, Clocks, and the Ordering of Events
 * in a Distributed System"), as a pure state machine (`--algorithm mutex`).
 *
 * Every machine keeps a request queue ordered by (Lamport timestamp, machine id).
 *  - Request: send REQUEST(ts) to every live peer and queue (ts, self). ts is the Lamport stamp of
 *    the REQUEST send event; the CS_REQUEST row follows it (effects [send REQUEST, CS_REQUEST]).
 *  - On REQUEST(ts) from j: queue (ts, j), answer with a timestamped REPLY(ts).
 *  - Enter when (a) our request heads our queue and (b) from every live peer we have received some
 *    message (REPLY, REQUEST, RELEASE or HELLO) whose Lamport timestamp is greater than our request's.
 *    Channels are FIFO, so (b) means no earlier request of that peer can still be on its way.
 *  - Exit: dequeue our request, send RELEASE(ts) to every live peer. On RELEASE from j: dequeue j's.
 * Messages per entry without faults: (N−1) REQUEST + (N−1) REPLY + (N−1) RELEASE = 3(N−1) copies.
 * The workload: an idle machine requests on a tick with probability csProbability and holds the
 * critical section for csTicks ticks. Messages are handled on arrival (receiveMode 'on-arrival').
 *
 * Links and failures (beyond the paper, which assumes no failures):
 *  - Whenever our outgoing link to a peer comes up we send it our state: REQUEST(ts) while we hold
 *    a request, HELLO otherwise. A REQUEST replaces any older request of its sender in the queue,
 *    HELLO and RELEASE remove the sender's requests. So messages DROPped while a link was down are
 *    made good, and a peer that restarted with no memory learns the requests it must respect.
 *  - Fresh-member rule: a machine issues its first request only after it has heard from every live
 *    peer. That pushes its clock past every outstanding request it learns of, so a restarted
 *    machine cannot jump the queue with a small timestamp.
 *  - Why a restarted machine (empty queue) cannot enter beside a holder h: h's re-sent REQUEST is
 *    the first message on h's new link to it, and links are FIFO, so the "later message from every
 *    peer" condition for h cannot hold before h's request is in its queue, ahead of its own (its
 *    clock has passed h's timestamp). Its old request, if peers still hold it, is replaced by its
 *    HELLO or new REQUEST. (Checked with crash/restart sweeps in test/sim/mutex.sim.test.ts.)
 *  - A peer whose link stays down for failureTimeoutMs (checked on ticks) is dropped: note
 *    MEMBER_DOWN, its requests leave the queue and we stop waiting for its messages. It rejoins
 *    (note MEMBER_UP) when its link comes up again or a message from it arrives, as a fresh member.
 *
 * Lost messages on a link that stays up (transport-injected --loss and --partition, the
 * simulator's --loss; delivery stays FIFO, copies just go missing):
 *  - Every message states the sender's current request: REQUEST(ts) and REPLY(req=ts) "I hold
 *    ts", RELEASE, HELLO and a REPLY without req "I hold none"; the receiver replaces what it knew.
 *    Safety then needs no message to arrive: if j enters while i holds an earlier request ti,
 *    j has from i a message stamped above j's ts ≥ ti, so sent after i requested, so it told j of
 *    ti (still held: j cannot enter) or came after i's exit. Without it a lost REQUEST lets two in.
 *  - Liveness needs lost messages made good: a waiting machine that has not heard from the peers it
 *    waits for (no later message yet, or a request ahead of ours in the queue) for
 *    retransmitAfterMs re-sends REQUEST(ts) with resend=1 to them, every that long while stuck,
 *    so after a heal it recovers within that time. A REQUEST already queued only replaces itself;
 *    it is answered again with a REPLY marked resend=1 (carrying the replier's current request,
 *    which clears a request whose RELEASE was lost). Both are extra copies, marked so the
 *    messages-per-entry count can leave them out; a fault-free run sends none (see
 *    retransmitAfterMs). An idle machine still waiting to hear from some peers (their link-up
 *    HELLO lost) asks them, HELLO ask=1, as often; they answer with their state.
 *
 * Trade-off: the failure timeout is a guess. A crashed peer is dropped after failureTimeoutMs and
 * the others go on; but a peer that is only slow or cut off (a false suspicion) is still running
 * the algorithm with a membership of its own, and two such groups can be in the critical section at
 * the same time, or a request it made before being dropped can be ordered before one already
 * granted. Safety then breaks, and the checker (analysis/mutexChecks.ts) reports the overlap with
 * the offending rows. A longer timeout makes that less likely and failover slower.
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
  type RequestKey,
  mutexModule,
} from './mutexCommon.js';

/** Mutable state of one machine (owned by the runtime, passed back on every call): the shared part plus the request queue. */
export interface LamportMutexState extends MutexCoreState {
  /** The request queue, sorted by (ts, id). Invariant: at most one entry per machine. */
  readonly queue: RequestKey[];
  /** Peer → highest Lamport timestamp of any message received from it (since it last joined). */
  readonly latestFrom: Map<MachineId, number>;
  /** Peer → timestamp of the last request of it we replied to (a second REPLY to it is a resend). */
  readonly repliedTo: Map<MachineId, number>;
}

/** Inserts a request in order, replacing any other request of the same machine (one per machine). */
export function enqueueRequest(queue: RequestKey[], key: RequestKey): void {
  removeRequestsOf(queue, key.id);
  let at = queue.length;
  while (at > 0 && compareRequests(queue[at - 1]!, key) > 0) at--;
  queue.splice(at, 0, key);
}

/** Removes every request of machine id (optionally only those with ts ≤ upTo). */
export function removeRequestsOf(queue: RequestKey[], id: MachineId, upTo = Infinity): void {
  for (let i = queue.length - 1; i >= 0; i--) {
    const k = queue[i]!;
    if (k.id === id && k.ts <= upTo) queue.splice(i, 1);
  }
}

/**
 * Lamport's entry condition: our request heads the queue and every live peer has sent us a message
 * timestamped later than it.
 */
export function canEnter(state: LamportMutexState, self: MachineId): boolean {
  if (state.phase !== 'waiting' || state.myTs === null) return false;
  const head = state.queue[0];
  if (!head || head.id !== self || head.ts !== state.myTs) return false;
  for (const p of state.membership.live) if ((state.latestFrom.get(p) ?? -1) <= state.myTs) return false;
  return true;
}

/**
 * Peers a waiting machine waits for: live peers it has no message stamped after its request from,
 * and the owners of requests ahead of its own in its queue.
 */
export function blockers(state: LamportMutexState, self: MachineId): MachineId[] {
  if (state.phase !== 'waiting' || state.myTs === null) return [];
  const out = new Set<MachineId>();
  for (const p of state.membership.live) if ((state.latestFrom.get(p) ?? -1) <= state.myTs) out.add(p);
  for (const k of state.queue) {
    if (k.id === self && k.ts === state.myTs) break;
    if (k.id !== self) out.add(k.id);
  }
  return [...out];
}

/** Our state in one message: REQUEST(ts) while we hold a request, HELLO otherwise. */
function stateMessage(state: LamportMutexState): MutexBody {
  return state.myTs !== null ? { kind: 'REQUEST', ts: state.myTs } : { kind: 'HELLO' };
}

/** A member's message: every one states the sender's current request (see the header). */
function receive(state: LamportMutexState, from: MachineId, body: MutexBody, ctx: MessageContext, out: MutexEffects): void {
  const blockedBy = state.phase === 'waiting' ? blockers(state, ctx.self).length : 0;
  const latest = state.latestFrom.get(from) ?? -1;
  if (ctx.msgLamport > latest) state.latestFrom.set(from, ctx.msgLamport);
  switch (body.kind) {
    case 'REQUEST': {
      enqueueRequest(state.queue, { ts: body.ts, id: from });
      const again = state.repliedTo.get(from) === body.ts;
      state.repliedTo.set(from, body.ts);
      const reply: MutexBody = {
        kind: 'REPLY',
        ts: body.ts,
        ...(state.myTs !== null ? { req: state.myTs } : {}),
        ...(again ? { resend: true as const } : {}),
      };
      out.send([from], reply);
      break;
    }
    case 'RELEASE':
      removeRequestsOf(state.queue, from, body.ts);
      break;
    case 'HELLO':
      removeRequestsOf(state.queue, from);
      if (body.ask) out.send([from], state.myTs !== null ? { kind: 'REQUEST', ts: state.myTs, resend: true } : { kind: 'HELLO' });
      break;
    case 'REPLY':
      // the replier's current request, as of this message (FIFO: newer than anything before it)
      if (body.req !== undefined) enqueueRequest(state.queue, { ts: body.req, id: from });
      else removeRequestsOf(state.queue, from);
      break;
  }
  // progress: fewer peers to wait for (a message that changes nothing does not delay a re-send)
  if (state.phase === 'waiting' && blockers(state, ctx.self).length < blockedBy) state.progressAt = ctx.now;
}

/** Builds Lamport's mutual exclusion. Invariant: at most one CS_ENTER per CS_REQUEST, each followed by one CS_EXIT. */
export function createLamportMutex(options: MutexOptions): Algorithm<LamportMutexState, MutexBody> {
  return createMutexAlgorithm<LamportMutexState>(
    {
      name: 'mutex',
      init: (core) => ({ ...core, queue: [], latestFrom: new Map(), repliedTo: new Map() }),
      mayEnter: canEnter,
      requested: (state, ts, ctx) => enqueueRequest(state.queue, { ts, id: ctx.self }),
      exited(state, ts, ctx, out) {
        removeRequestsOf(state.queue, ctx.self);
        out.send(livePeers(state.membership, ctx), { kind: 'RELEASE', ts });
      },
      waitingFor: (state, ctx) => blockers(state, ctx.self),
      dropped(state, peer) {
        removeRequestsOf(state.queue, peer);
        state.latestFrom.delete(peer);
      },
      rejoined(state, peer) {
        state.latestFrom.delete(peer);
        state.repliedTo.delete(peer);
        removeRequestsOf(state.queue, peer);
      },
      greet: (state, peer, out) => out.send([peer], stateMessage(state)),
      receive,
    },
    options,
  );
}

/** The `mutex` module: Lamport's algorithm, 3 (n−1) messages per entry. */
export const lamportMutexModule: AlgorithmModule = mutexModule('mutex', createLamportMutex, 3);

/**
 * The bully algorithm (`--algorithm bully`, Garcia-Molina 1982), with the same logs and failure
 * detector as the ring election (see electionCommon.ts).
 *
 * - A machine without a leader logs ELECTION and sends ONE ELECTION{rank} to every connected peer
 *   that may outrank it (peers of known lower rank are left out; with ranks drawn from the seed
 *   nobody knows the others' ranks at first, so the first election goes to every peer).
 * - A receiver that outranks the sender replies ANSWER and starts its own election (or, when it is
 *   the leader already, re-announces itself with NEW_LEADER to every connected peer).
 * - No ANSWER within ackTimeoutMs: the machine wins, adopts itself (LEADER) and sends NEW_LEADER to
 *   every connected peer. An ANSWER but no NEW_LEADER within electionTimeoutMs: it starts again.
 * - NEW_LEADER from a machine it outranks: this machine bullies — starts an election it will win
 *   (this is how a restarted or resumed old leader takes over again). Otherwise it adopts.
 * - After a partition: the leaders' announcements (LEADER_ANNOUNCE, electionCommon.ts) make the
 *   lower leader of two adopt the higher one, with its followers, without an election.
 *
 * Messages per election, n live machines, the initiator of rank k from the top (k = 1 highest):
 * up to k ELECTION sends (one per initiator taking part, each to every higher machine), their
 * ANSWERs, and one NEW_LEADER send (n − 1 copies). A paused higher machine does not answer and is
 * simply passed over. Announcements: see electionCommon.ts (none while every live machine follows
 * the leader).
 */
import type { Algorithm, Context } from '../core/algorithm.js';
import type { MachineId } from '../core/types.js';
import {
  adopt,
  announceToNewPeer,
  beginElection,
  connectedPeers,
  describeElectionBody,
  electionStartDetail,
  electionTiming,
  followerTick,
  handleLiveness,
  initElectionState,
  leaderTick,
  onNewLeader,
  outranks,
  parseElectionBody,
  selfKey,
  type ElectionBody,
  type ElectionState,
  type Out,
} from './electionCommon.js';
import type { ElectionOptions } from './ringElection.js';

/** Announces this machine as leader to every connected peer and adopts itself. */
function win(state: ElectionState, ctx: Context, out: Out): void {
  const to = connectedPeers(ctx);
  if (to.length) out.push({ kind: 'send', to, body: { kind: 'NEW_LEADER', leader: state.self, rank: state.rank, initiator: state.self } });
  adopt(state, state.self, state.rank, ctx, out);
}

/** Starts a bully election: ELECTION to every connected peer not known to rank lower. */
export function startBullyElection(state: ElectionState, reason: string, ctx: Context, out: Out): void {
  beginElection(state, reason, ctx, out);
  const me = selfKey(state);
  const to = connectedPeers(ctx).filter((p) => {
    const r = state.ranks.get(p);
    return r === undefined || outranks({ id: p, rank: r }, me);
  });
  if (to.length) out.push({ kind: 'send', to, body: { kind: 'ELECTION', initiator: state.self, rank: state.rank, list: [[state.self, state.rank]] } });
}

/** One tick: decide a running election, else the leader's status. */
export function bullyTick(state: ElectionState, ctx: Context): Out {
  const out: Out = [];
  const t = state.timing;
  if (state.electing) {
    if (state.answeredAt === null) {
      if (ctx.now - state.electionAt >= t.ackTimeoutMs) win(state, ctx, out);
    } else if (ctx.now - state.answeredAt >= t.electionTimeoutMs) startBullyElection(state, 'timeout', ctx, out);
    return out;
  }
  if (state.leader === null) {
    startBullyElection(state, state.elections === 0 ? 'startup' : 'no_leader', ctx, out);
    return out;
  }
  if (followerTick(state, ctx, out)) startBullyElection(state, 'leader_lost', ctx, out);
  else leaderTick(state, ctx, out);
  return out;
}

/** Handles one bully message. */
export function bullyMessage(state: ElectionState, from: MachineId, body: ElectionBody, ctx: Context): Out {
  const out: Out = [];
  if (handleLiveness(state, from, body, ctx, out, (reason) => startBullyElection(state, reason, ctx, out))) return out;
  switch (body.kind) {
    case 'ELECTION': {
      state.ranks.set(from, body.rank);
      if (!outranks(selfKey(state), { id: from, rank: body.rank })) return out; // the sender will win over us
      out.push({ kind: 'send', to: [from], body: { kind: 'ANSWER', rank: state.rank } });
      if (state.leader === state.self) {
        const to = connectedPeers(ctx);
        if (to.length) out.push({ kind: 'send', to, body: { kind: 'NEW_LEADER', leader: state.self, rank: state.rank, initiator: state.self } });
      } else if (!state.electing) startBullyElection(state, 'bully', ctx, out);
      return out;
    }
    case 'ANSWER':
      state.ranks.set(from, body.rank);
      if (state.electing && state.answeredAt === null) state.answeredAt = ctx.now;
      return out;
    case 'NEW_LEADER':
      onNewLeader(state, body.leader, body.rank, ctx, out, (reason) => startBullyElection(state, reason, ctx, out));
      return out;
    default:
      return out; // ELECTION_ACK belongs to the ring
  }
}

/** Builds the bully algorithm. Invariant: pure; the same logs and START detail as the ring election. */
export function createBully(options: ElectionOptions): Algorithm<ElectionState, ElectionBody> {
  const timing = electionTiming(options.heartbeatMs, options.leaderTimeoutMs);
  return {
    name: 'bully',
    receiveMode: 'on-arrival',
    init: (ctx) => initElectionState(ctx, options.ranks, timing),
    startDetail: electionStartDetail,
    onTick: bullyTick,
    onMessage: bullyMessage,
    onPeerUp: (state, peer) => announceToNewPeer(state, peer),
    describe: describeElectionBody,
    parseBody: parseElectionBody,
  };
}

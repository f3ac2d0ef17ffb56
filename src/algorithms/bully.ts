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
import type { AlgorithmModule } from './module.js';
import {
  adopt,
  beginElection,
  connectedPeers,
  createElectionAlgorithm,
  noLeaderReason,
  onNewLeader,
  outranks,
  selfKey,
  sendNewLeader,
  watchLeader,
  type ElectionBody,
  type ElectionEffects,
  type ElectionOptions,
  type ElectionRules,
  type ElectionState,
  electionModule,
} from './electionCommon.js';

/** One machine's bully state: the shared part plus when a higher machine answered. */
export interface BullyState extends ElectionState {
  /** When a higher machine answered our ELECTION (null: none yet, or not electing). */
  answeredAt: number | null;
}

/** ONE NEW_LEADER send naming this machine to every connected peer. */
function announceSelf(state: BullyState, ctx: Context, out: ElectionEffects): void {
  sendNewLeader(out, connectedPeers(ctx), state.self, state.rank, state.self);
}

/** Announces this machine as leader to every connected peer and adopts itself. */
function win(state: BullyState, ctx: Context, out: ElectionEffects): void {
  announceSelf(state, ctx, out);
  adopt(state, state.self, state.rank, ctx, out, BULLY);
}

/** Starts a bully election: ELECTION to every connected peer not known to rank lower. */
export function startBullyElection(state: BullyState, reason: string, ctx: Context, out: ElectionEffects): void {
  beginElection(state, reason, ctx, out);
  state.answeredAt = null;
  const me = selfKey(state);
  const to = connectedPeers(ctx).filter((p) => {
    const r = state.ranks.get(p);
    return r === undefined || outranks({ id: p, rank: r }, me);
  });
  out.send(to, { kind: 'ELECTION', initiator: state.self, rank: state.rank, list: [[state.self, state.rank]] });
}

/** One tick: decide a running election, else the leader's status. */
function bullyTick(state: BullyState, ctx: Context, out: ElectionEffects): void {
  const t = state.timing;
  if (state.electing) {
    if (state.answeredAt === null) {
      if (ctx.now - state.electionAt >= t.ackTimeoutMs) win(state, ctx, out);
    } else if (ctx.now - state.answeredAt >= t.electionTimeoutMs) startBullyElection(state, 'timeout', ctx, out);
    return;
  }
  if (state.leader === null) {
    startBullyElection(state, noLeaderReason(state), ctx, out);
    return;
  }
  watchLeader(state, ctx, out, BULLY);
}

/** Handles one bully message (the liveness messages are handled by the shared part). */
function bullyMessage(state: BullyState, from: MachineId, body: ElectionBody, ctx: Context, out: ElectionEffects): void {
  switch (body.kind) {
    case 'ELECTION': {
      state.ranks.set(from, body.rank);
      if (!outranks(selfKey(state), { id: from, rank: body.rank })) return; // the sender will win over us
      out.send([from], { kind: 'ANSWER', rank: state.rank });
      if (state.leader === state.self) announceSelf(state, ctx, out);
      else if (!state.electing) startBullyElection(state, 'bully', ctx, out);
      return;
    }
    case 'ANSWER':
      state.ranks.set(from, body.rank);
      if (state.electing && state.answeredAt === null) state.answeredAt = ctx.now;
      return;
    case 'NEW_LEADER':
      onNewLeader(state, body.leader, body.rank, ctx, out, BULLY);
      return;
    default:
      return; // ELECTION_ACK belongs to the ring
  }
}

/** The bully's rules for the shared election algorithm. */
const BULLY: ElectionRules<BullyState> = {
  name: 'bully',
  init: (core) => ({ ...core, answeredAt: null }),
  start: startBullyElection,
  settled(state) {
    state.answeredAt = null;
  },
  tick: bullyTick,
  receive: bullyMessage,
};

/** Builds the bully algorithm. Invariant: pure; the same logs and START detail as the ring election. */
export function createBully(options: ElectionOptions): Algorithm<BullyState, ElectionBody> {
  return createElectionAlgorithm(BULLY, options);
}

/** The `bully` module. */
export const bullyModule: AlgorithmModule = electionModule('bully', createBully, []);

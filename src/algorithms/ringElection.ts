/**
 * Ring leader election (`--algorithm election`), after Chang–Roberts and the ring algorithm with
 * acknowledgements (Tanenbaum & van Steen §6.4). The ring is the config order; the successor of the
 * last machine is the first.
 *
 * - A machine without a leader (at start-up, after LEADER_LOST, after an election that produced none
 *   within electionTimeoutMs) logs ELECTION and sends ELECTION{initiator, list=[(self, rank)]} to its
 *   next live successor.
 * - Live successor: the next machine in ring order whose outgoing link is up (ctx.connected) and that
 *   is not suspected. Each skipped machine gets a SKIP note (peer = the skipped one). A forward is
 *   acknowledged (ELECTION_ACK) by the receiver; without an ack within ackTimeoutMs (a paused
 *   process keeps its TCP link up) the successor becomes suspected, is skipped, and the election goes
 *   to the one after it. Suspicion ends when the machine is heard from.
 * - A receiver not in the list appends (self, rank) and forwards; a receiver already in the list (the
 *   initiator, or the first listed machine the token reaches after the initiator died) completes the
 *   election: the highest (rank, id) of the list is the leader, announced by ONE NEW_LEADER send to
 *   every connected peer; every machine adopts it (LEADER row).
 * - Suppression: while electing, a machine remembers the highest initiator (by rank) whose election it
 *   started or forwarded and drops ELECTIONs of lower initiators (still acking them).
 * - Takeover: a machine that is announced a leader it outranks (it was skipped, or it is a returning
 *   old leader) starts an election, which it wins. A restarted machine has no leader and starts one.
 * - After a partition: the leaders' announcements (LEADER_ANNOUNCE, electionCommon.ts) make the
 *   lower leader of two adopt the higher one, with its followers, without an election.
 *
 * Convergence (proved by the simulation tests over many seeds): among concurrent elections, the one
 * whose initiator ranks highest is never suppressed (nobody remembers a higher initiator, and a
 * remembered one expires after electionTimeoutMs), so it travels the whole ring of live machines
 * and completes with every live machine in its list; any other election that completes has a list
 * of live machines too, so both name the highest live machine. Elections lost with a crashed
 * carrier are restarted by the electionTimeoutMs of their participants.
 *
 * Messages per election in a stable ring of n live machines, one initiator: n ELECTION + n
 * ELECTION_ACK sends and one NEW_LEADER send (n − 1 copies). Announcements: see electionCommon.ts
 * (none while every live machine follows the leader).
 */
import type { Algorithm, Context } from '../core/algorithm.js';
import type { MachineId } from '../core/types.js';
import type { AlgorithmModule } from './module.js';
import {
  adopt,
  beginElection,
  connectedPeers,
  createElectionAlgorithm,
  highest,
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
  type RankKey,
  electionModule,
} from './electionCommon.js';

export type { ElectionOptions } from './electionCommon.js';

/** Non-clock note: a machine the ring skipped (peer = the skipped one); carries the clocks unchanged. */
export const SKIP = 'SKIP';

type ElectionMsg = Extract<ElectionBody, { kind: 'ELECTION' }>;

/** A forwarded ring ELECTION waiting for its ELECTION_ACK. */
export interface PendingForward {
  readonly to: MachineId;
  readonly body: ElectionMsg;
  readonly at: number;
}

/**
 * One machine's ring election state: the shared part plus the token's bookkeeping. Invariant:
 * `best` is null and `pending` holds no forward of an election once a leader is adopted (settled).
 */
export interface RingElectionState extends ElectionState {
  /** The highest initiator whose election this machine forwarded or started, while electing. */
  best: RankKey | null;
  /** Forwards waiting for an ack. */
  pending: PendingForward[];
  /** Peers skipped for not acking, with when; cleared when they are heard from. */
  readonly suspected: Map<MachineId, number>;
}

/**
 * Sends `body` to the next live successor after `after` in ring order, logging SKIP for every
 * machine passed over. Wrapping round to self completes the election locally (self is in the list).
 */
function forward(state: RingElectionState, body: ElectionMsg, after: MachineId, ctx: Context, out: ElectionEffects): void {
  const ring = ctx.members;
  const n = ring.length;
  let at = ring.indexOf(after);
  for (let step = 0; step < n; step++) {
    at = (at + 1) % n;
    const next = ring[at]!;
    if (next === state.self) {
      complete(state, body, ctx, out);
      return;
    }
    const reason = !ctx.connected.has(next) ? 'down' : state.suspected.has(next) ? 'suspected' : null;
    if (reason) {
      out.note(SKIP, [next], { reason, initiator: body.initiator });
      continue;
    }
    out.send([next], body);
    state.pending.push({ to: next, body, at: ctx.now });
    return;
  }
  complete(state, body, ctx, out);
}

/** The token came back to a listed machine: the list's highest is the leader; announce and adopt. */
function complete(state: RingElectionState, body: ElectionMsg, ctx: Context, out: ElectionEffects): void {
  const list = body.list.some(([id]) => id === state.self) ? body.list : [...body.list, [state.self, state.rank] as const];
  const [leader, rank] = list.reduce((a, b) => (outranks({ id: b[0], rank: b[1] }, { id: a[0], rank: a[1] }) ? b : a));
  sendNewLeader(out, connectedPeers(ctx), leader, rank, body.initiator);
  adopt(state, leader, rank, ctx, out, RING);
}

/** Starts a fresh election from this machine. */
export function startRingElection(state: RingElectionState, reason: string, ctx: Context, out: ElectionEffects): void {
  beginElection(state, reason, ctx, out);
  state.best = selfKey(state);
  // forwards of other initiators' tokens still wait for their acks: dropping them would lose those
  // elections (the highest one among them, which suppresses ours, would then never complete)
  state.pending = state.pending.filter((p) => p.body.initiator !== state.self);
  forward(state, { kind: 'ELECTION', initiator: state.self, rank: state.rank, list: [[state.self, state.rank]] }, state.self, ctx, out);
}

/** One tick: ack timeouts, then the leader's status (none → elect; lost → LEADER_LOST, elect). */
function ringTick(state: RingElectionState, ctx: Context, out: ElectionEffects): void {
  const t = state.timing;
  for (const [id, since] of state.suspected) if (ctx.now - since >= t.electionTimeoutMs) state.suspected.delete(id);
  const late = state.pending.filter((p) => ctx.now - p.at >= t.ackTimeoutMs);
  if (late.length) {
    state.pending = state.pending.filter((p) => ctx.now - p.at < t.ackTimeoutMs);
    for (const p of late) {
      state.suspected.set(p.to, ctx.now);
      out.note(SKIP, [p.to], { reason: 'no_ack', initiator: p.body.initiator });
      forward(state, p.body, p.to, ctx, out);
    }
  }
  const stale = state.electing && ctx.now - state.electionAt >= t.electionTimeoutMs;
  if (state.leader === null) {
    if (!state.electing) startRingElection(state, noLeaderReason(state), ctx, out);
    else if (stale) startRingElection(state, 'timeout', ctx, out);
    return;
  }
  if (stale) {
    // an election we forwarded never completed, but we still follow a leader the detector checks
    state.electing = false;
    state.best = null;
  }
  watchLeader(state, ctx, out, RING);
}

/** Handles one ring message (the liveness messages are handled by the shared part). */
function ringMessage(state: RingElectionState, from: MachineId, body: ElectionBody, ctx: Context, out: ElectionEffects): void {
  switch (body.kind) {
    case 'ELECTION_ACK':
      state.pending = state.pending.filter((p) => p.to !== from);
      return;
    case 'NEW_LEADER':
      onNewLeader(state, body.leader, body.rank, ctx, out, RING);
      return;
    case 'ELECTION': {
      out.send([from], { kind: 'ELECTION_ACK', initiator: body.initiator });
      for (const [id, r] of body.list) state.ranks.set(id, r);
      if (body.list.some(([id]) => id === state.self)) {
        complete(state, body, ctx, out);
        return;
      }
      const init = { id: body.initiator, rank: body.rank };
      const fresh = state.electing && ctx.now - state.electionAt < state.timing.electionTimeoutMs;
      if (fresh && state.best && outranks(state.best, init)) return; // suppressed
      if (!fresh) state.electionAt = ctx.now;
      state.electing = true;
      state.best = state.best && fresh ? highest([state.best, init]) : init;
      forward(state, { ...body, list: [...body.list, [state.self, state.rank]] }, state.self, ctx, out);
      return;
    }
    default:
      return; // ANSWER belongs to bully
  }
}

/** The ring's rules for the shared election algorithm. */
const RING: ElectionRules<RingElectionState> = {
  name: 'election',
  init: (core) => ({ ...core, best: null, pending: [], suspected: new Map() }),
  start: startRingElection,
  settled(state) {
    state.best = null;
    state.pending = [];
  },
  tick: ringTick,
  heard: (state, from) => state.suspected.delete(from),
  receive: ringMessage,
};

/** Builds the ring election. Invariant: pure; every state change is driven by ticks and messages. */
export function createRingElection(options: ElectionOptions): Algorithm<RingElectionState, ElectionBody> {
  return createElectionAlgorithm(RING, options);
}

/** The `election` module: the ring election, which notes every machine it skips (SKIP). */
export const ringElectionModule: AlgorithmModule = electionModule('election', createRingElection, [SKIP]);

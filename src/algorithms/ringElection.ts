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
import { formatDetail } from '../core/logRow.js';
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
  highest,
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

export interface ElectionOptions {
  readonly heartbeatMs: number;
  readonly leaderTimeoutMs: number;
  /** Ranks from the config by machine id (the rest are drawn from the seed). */
  readonly ranks: ReadonlyMap<number, number>;
}

type ElectionMsg = Extract<ElectionBody, { kind: 'ELECTION' }>;

/**
 * Sends `body` to the next live successor after `after` in ring order, logging SKIP for every
 * machine passed over. Wrapping round to self completes the election locally (self is in the list).
 */
function forward(state: ElectionState, body: ElectionMsg, after: MachineId, ctx: Context, out: Out): void {
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
      out.push({ kind: 'note', event: 'SKIP', peer: [next], detail: formatDetail({ reason, initiator: body.initiator }) });
      continue;
    }
    out.push({ kind: 'send', to: [next], body });
    state.pending.push({ to: next, body, at: ctx.now });
    return;
  }
  complete(state, body, ctx, out);
}

/** The token came back to a listed machine: the list's highest is the leader; announce and adopt. */
function complete(state: ElectionState, body: ElectionMsg, ctx: Context, out: Out): void {
  const list = body.list.some(([id]) => id === state.self) ? body.list : [...body.list, [state.self, state.rank] as const];
  const [leader, rank] = list.reduce((a, b) => (outranks({ id: b[0], rank: b[1] }, { id: a[0], rank: a[1] }) ? b : a));
  const to = connectedPeers(ctx);
  if (to.length) out.push({ kind: 'send', to, body: { kind: 'NEW_LEADER', leader, rank, initiator: body.initiator } });
  adopt(state, leader, rank, ctx, out);
}

/** Starts a fresh election from this machine. */
export function startRingElection(state: ElectionState, reason: string, ctx: Context, out: Out): void {
  beginElection(state, reason, ctx, out);
  state.best = selfKey(state);
  // forwards of other initiators' tokens still wait for their acks: dropping them would lose those
  // elections (the highest one among them, which suppresses ours, would then never complete)
  state.pending = state.pending.filter((p) => p.body.initiator !== state.self);
  forward(state, { kind: 'ELECTION', initiator: state.self, rank: state.rank, list: [[state.self, state.rank]] }, state.self, ctx, out);
}

/** One tick: ack timeouts, then the leader's status (none → elect; lost → LEADER_LOST, elect). */
export function ringTick(state: ElectionState, ctx: Context): Out {
  const out: Out = [];
  const t = state.timing;
  for (const [id, since] of state.suspected) if (ctx.now - since >= t.electionTimeoutMs) state.suspected.delete(id);
  const late = state.pending.filter((p) => ctx.now - p.at >= t.ackTimeoutMs);
  if (late.length) {
    state.pending = state.pending.filter((p) => ctx.now - p.at < t.ackTimeoutMs);
    for (const p of late) {
      state.suspected.set(p.to, ctx.now);
      out.push({ kind: 'note', event: 'SKIP', peer: [p.to], detail: formatDetail({ reason: 'no_ack', initiator: p.body.initiator }) });
      forward(state, p.body, p.to, ctx, out);
    }
  }
  const stale = state.electing && ctx.now - state.electionAt >= t.electionTimeoutMs;
  if (state.leader === null) {
    if (!state.electing) startRingElection(state, state.elections === 0 ? 'startup' : 'no_leader', ctx, out);
    else if (stale) startRingElection(state, 'timeout', ctx, out);
    return out;
  }
  if (stale) {
    // an election we forwarded never completed, but we still follow a leader the detector checks
    state.electing = false;
    state.best = null;
  }
  if (followerTick(state, ctx, out)) startRingElection(state, 'leader_lost', ctx, out);
  else leaderTick(state, ctx, out);
  return out;
}

/** Handles one ring message. */
export function ringMessage(state: ElectionState, from: MachineId, body: ElectionBody, ctx: Context): Out {
  const out: Out = [];
  state.suspected.delete(from);
  if (handleLiveness(state, from, body, ctx, out, (reason) => startRingElection(state, reason, ctx, out))) return out;
  switch (body.kind) {
    case 'ELECTION_ACK':
      state.pending = state.pending.filter((p) => p.to !== from);
      return out;
    case 'NEW_LEADER':
      onNewLeader(state, body.leader, body.rank, ctx, out, (reason) => startRingElection(state, reason, ctx, out));
      return out;
    case 'ELECTION': {
      out.push({ kind: 'send', to: [from], body: { kind: 'ELECTION_ACK', initiator: body.initiator } });
      for (const [id, r] of body.list) state.ranks.set(id, r);
      if (body.list.some(([id]) => id === state.self)) {
        complete(state, body, ctx, out);
        return out;
      }
      const init = { id: body.initiator, rank: body.rank };
      const fresh = state.electing && ctx.now - state.electionAt < state.timing.electionTimeoutMs;
      if (fresh && state.best && outranks(state.best, init)) return out; // suppressed
      if (!fresh) state.electionAt = ctx.now;
      state.electing = true;
      state.best = state.best && fresh ? highest([state.best, init]) : init;
      forward(state, { ...body, list: [...body.list, [state.self, state.rank]] }, state.self, ctx, out);
      return out;
    }
    default:
      return out; // ANSWER belongs to bully
  }
}

/** Builds the ring election. Invariant: pure; every state change is driven by ticks and messages. */
export function createRingElection(options: ElectionOptions): Algorithm<ElectionState, ElectionBody> {
  const timing = electionTiming(options.heartbeatMs, options.leaderTimeoutMs);
  return {
    name: 'election',
    receiveMode: 'on-arrival',
    init: (ctx) => initElectionState(ctx, options.ranks, timing),
    startDetail: electionStartDetail,
    onTick: ringTick,
    onMessage: ringMessage,
    onPeerUp: (state, peer) => announceToNewPeer(state, peer),
    describe: describeElectionBody,
    parseBody: parseElectionBody,
  };
}

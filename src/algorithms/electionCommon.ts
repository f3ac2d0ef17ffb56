/**
 * What the two leader-election algorithms (ring, bully) share: message bodies and their wire
 * validation, ranks and their total order, the state, the leader failure detector (CHECK_LEADER /
 * LEADER_ALIVE on ticks, LEADER_LOST after leaderTimeoutMs without an answer), the leaders'
 * announcements that merge two leaders after a partition heals, and the adoption of a leader (the
 * LEADER row). Pure: time is ctx.now, randomness ctx.rng.
 *
 * Leader announcements (one leader again after a partition). While a partition lasts each side
 * elects its own leader; when it heals nothing in the election itself makes the two meet: a leader
 * checks nobody, and followers check only their own leader. Over the simulator a healed link comes
 * up (onPeerUp) and the leader announces itself across it, but over TCP an injected partition is
 * silence, not a disconnection: no link ever comes up. So a leader also announces itself, every
 * heartbeat, to the connected peers that do not follow it, i.e. that sent it no CHECK_LEADER for
 * strayAfterMs (= electionTimeoutMs + heartbeatMs; counted from when it became leader, so its new
 * followers have time to start checking). A LEADER_ANNOUNCE or LEADER_ALIVE from X says "X leads";
 * the receiver (onLeaderClaim):
 * - follows X already: X is alive (the outstanding check is answered);
 * - leads itself: adopts X when X outranks it, and forwards ONE NEW_LEADER{X} to the peers that
 *   followed it (so they need not wait for their failure detector); else answers X with its own
 *   LEADER_ANNOUNCE, which makes X step down;
 * - follows a leader that outranks X: ignores it (that leader announces itself to X's side);
 * - otherwise: as for NEW_LEADER, adopts X, or takes over when it outranks X.
 * After a heal the highest leader's announcement reaches every machine of the other sides within a
 * heartbeat of the heal (or of strayAfterMs after the partition began, if the heal came sooner), and
 * everyone there adopts it: the highest-ranked live machine.
 *
 * Cost: none while every connected peer follows the leader (the normal case). Otherwise one
 * LEADER_ANNOUNCE send per leader per heartbeat, its copies going to the non-followers only (during
 * a TCP partition the copies across the cut become DROP rows); one LEADER_ANNOUNCE answer per
 * announcement a higher leader receives from a lower one; one NEW_LEADER send per leader stepping
 * down. After a two-sided heal with leaders L > Y this is typically 2–3 announcement sends and one
 * NEW_LEADER send, against a full election otherwise.
 *
 * Ranks. A machine's rank comes from the config (`rank` of its entry) or, when absent, from its own
 * seeded generator: rank = draw · 10^d + id, with draw in 1..999 and d the number of digits of the
 * largest member id. The id in the low digits makes drawn ranks distinct across machines although
 * every machine draws from a differently seeded generator and none knows the others' draws; a
 * restarted machine gets the same seed from start-all and so the same rank. Ranks from the config may
 * repeat: everywhere, machines are ordered by (rank, id), so the order is total either way.
 */
import type { Context, Effect } from '../core/algorithm.js';
import { formatDetail } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';

/** Clock events the election algorithms log (beside SEND/RECEIVE). */
export const ELECTION_EVENT = 'ELECTION';
export const LEADER_EVENT = 'LEADER';
export const LEADER_LOST_EVENT = 'LEADER_LOST';

/** A machine's place in the order: higher rank wins, equal ranks are decided by the higher id. */
export interface RankKey {
  readonly id: MachineId;
  readonly rank: number;
}

/** True when `a` outranks `b` (strictly). Total order on distinct ids. */
export function outranks(a: RankKey, b: RankKey): boolean {
  return a.rank !== b.rank ? a.rank > b.rank : a.id > b.id;
}

/** The highest-ranked key of a non-empty list. */
export function highest<K extends RankKey>(keys: readonly K[]): K {
  let best = keys[0]!;
  for (const k of keys) if (outranks(k, best)) best = k;
  return best;
}

/**
 * The rank a machine draws when the config gives none: draw · 10^d + self (see the header).
 * Invariant: distinct for distinct ids of the same member list, whatever each machine drew.
 */
export function seedRank(draw: number, self: MachineId, members: readonly MachineId[]): number {
  const maxId = Math.max(self, ...members);
  return draw * 10 ** String(maxId).length + self;
}

/** Bodies of both algorithms. `list` is the ring election's (id, rank) pairs in visiting order. */
export type ElectionBody =
  | { readonly kind: 'CHECK_LEADER' }
  | { readonly kind: 'LEADER_ALIVE'; readonly leader: MachineId; readonly rank: number }
  | { readonly kind: 'LEADER_ANNOUNCE'; readonly leader: MachineId; readonly rank: number }
  | { readonly kind: 'ELECTION'; readonly initiator: MachineId; readonly rank: number; readonly list: readonly (readonly [MachineId, number])[] }
  | { readonly kind: 'ELECTION_ACK'; readonly initiator: MachineId }
  | { readonly kind: 'ANSWER'; readonly rank: number }
  | { readonly kind: 'NEW_LEADER'; readonly leader: MachineId; readonly rank: number; readonly initiator: MachineId };

export type ElectionBodyKind = ElectionBody['kind'];

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isRank = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Validates a body from the wire (null when malformed). Longest accepted list: 10 000 entries. */
export function parseElectionBody(raw: unknown): ElectionBody | null {
  if (raw === null || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  switch (o.kind) {
    case 'CHECK_LEADER':
      return { kind: 'CHECK_LEADER' };
    case 'LEADER_ALIVE':
    case 'LEADER_ANNOUNCE':
      return isId(o.leader) && isRank(o.rank) ? { kind: o.kind, leader: o.leader, rank: o.rank } : null;
    case 'ANSWER':
      return isRank(o.rank) ? { kind: 'ANSWER', rank: o.rank } : null;
    case 'ELECTION_ACK':
      return isId(o.initiator) ? { kind: 'ELECTION_ACK', initiator: o.initiator } : null;
    case 'NEW_LEADER':
      return isId(o.leader) && isRank(o.rank) && isId(o.initiator) ? { kind: 'NEW_LEADER', leader: o.leader, rank: o.rank, initiator: o.initiator } : null;
    case 'ELECTION': {
      if (!isId(o.initiator) || !isRank(o.rank) || !Array.isArray(o.list) || o.list.length > 10_000) return null;
      const list: [MachineId, number][] = [];
      for (const e of o.list as unknown[]) {
        if (!Array.isArray(e) || e.length !== 2 || !isId(e[0]) || !isRank(e[1])) return null;
        list.push([e[0], e[1]]);
      }
      return { kind: 'ELECTION', initiator: o.initiator, rank: o.rank, list };
    }
    default:
      return null;
  }
}

/** `kind=ELECTION initiator=3 rank=42 list=3:42;4:17`: the SEND/RECEIVE row's detail. */
export function describeElectionBody(body: ElectionBody): string {
  switch (body.kind) {
    case 'CHECK_LEADER':
      return 'kind=CHECK_LEADER';
    case 'LEADER_ALIVE':
    case 'LEADER_ANNOUNCE':
      return formatDetail({ kind: body.kind, leader: body.leader, rank: body.rank });
    case 'ANSWER':
      return formatDetail({ kind: body.kind, rank: body.rank });
    case 'ELECTION_ACK':
      return formatDetail({ kind: body.kind, initiator: body.initiator });
    case 'NEW_LEADER':
      return formatDetail({ kind: body.kind, leader: body.leader, rank: body.rank, initiator: body.initiator });
    case 'ELECTION':
      return formatDetail({ kind: body.kind, initiator: body.initiator, rank: body.rank, list: body.list.map(([id, r]) => `${id}:${r}`).join(';') || undefined });
  }
}

/** Timing parameters, in ms. */
export interface ElectionTiming {
  /** Between two CHECK_LEADER of a follower. */
  readonly heartbeatMs: number;
  /** Without LEADER_ALIVE after a check: LEADER_LOST. */
  readonly leaderTimeoutMs: number;
  /** Ring: wait for ELECTION_ACK before skipping the successor. Bully: wait for ANSWER before winning. */
  readonly ackTimeoutMs: number;
  /** An election this machine takes part in that yields no leader within this is started again. */
  readonly electionTimeoutMs: number;
  /** A leader announces itself to a peer that sent it no CHECK_LEADER for this long. */
  readonly strayAfterMs: number;
}

/**
 * Derives the timing from the registry options: ack = heartbeat (≥ 200 ms), election = leader
 * timeout (≥ 2 heartbeats), stray = election + heartbeat (a follower checks every heartbeat, or every
 * tick when ticks are slower: up to 1 s at the lowest default tick rate).
 */
export function electionTiming(heartbeatMs: number, leaderTimeoutMs: number): ElectionTiming {
  const electionTimeoutMs = Math.max(leaderTimeoutMs, 2 * heartbeatMs);
  return {
    heartbeatMs,
    leaderTimeoutMs,
    ackTimeoutMs: Math.max(200, Math.min(heartbeatMs, leaderTimeoutMs)),
    electionTimeoutMs,
    strayAfterMs: electionTimeoutMs + heartbeatMs,
  };
}

/** A forwarded ring ELECTION waiting for its ELECTION_ACK. */
export interface PendingForward {
  readonly to: MachineId;
  readonly body: Extract<ElectionBody, { kind: 'ELECTION' }>;
  readonly at: number;
}

/**
 * One machine's election state (mutable, owned by the runtime). Invariants: `leader === null` iff
 * `leaderRank === null`; `checkSince !== null` only while following another machine; `electing`
 * is true between this machine's ELECTION (or forwarding one) and the adoption of a leader.
 */
export interface ElectionState {
  readonly self: MachineId;
  readonly rank: number;
  readonly rankSource: 'config' | 'seed';
  readonly timing: ElectionTiming;
  /** Ranks learned so far (own, config, from messages). */
  readonly ranks: Map<MachineId, number>;
  leader: MachineId | null;
  leaderRank: number | null;
  /** When the next CHECK_LEADER is due. */
  nextCheckAt: number;
  /** When the oldest unanswered CHECK_LEADER was sent (null: none outstanding). */
  checkSince: number | null;
  electing: boolean;
  /** When this machine's current participation in an election began. */
  electionAt: number;
  /** Ring: the highest initiator whose election this machine forwarded or started, while electing. */
  best: RankKey | null;
  /** Ring: forwards waiting for an ack. */
  pending: PendingForward[];
  /** Ring: peers skipped for not acking, with when; cleared when they are heard from. */
  readonly suspected: Map<MachineId, number>;
  /** Bully: when a higher machine answered our ELECTION (null: none yet). */
  answeredAt: number | null;
  /** While leading: when each peer's last CHECK_LEADER arrived (cleared on becoming leader). */
  readonly followers: Map<MachineId, number>;
  /** When this machine last became leader. */
  leadingSince: number;
  /** While leading: when the next announcement to non-followers is due. */
  nextAnnounceAt: number;
  /** ELECTION rows this machine logged. */
  elections: number;
}

/** Builds the initial state. Draws one number from ctx.rng when the config gives no rank. */
export function initElectionState(ctx: Context, ranks: ReadonlyMap<number, number>, timing: ElectionTiming): ElectionState {
  const configured = ranks.get(ctx.self);
  const rank = configured ?? seedRank(ctx.rng.int(1, 999), ctx.self, ctx.members);
  const known = new Map<MachineId, number>();
  for (const [id, r] of ranks) if (ctx.members.includes(id)) known.set(id, r);
  known.set(ctx.self, rank);
  return {
    self: ctx.self,
    rank,
    rankSource: configured === undefined ? 'seed' : 'config',
    timing,
    ranks: known,
    leader: null,
    leaderRank: null,
    nextCheckAt: 0,
    checkSince: null,
    electing: false,
    electionAt: 0,
    best: null,
    pending: [],
    suspected: new Map(),
    answeredAt: null,
    followers: new Map(),
    leadingSince: 0,
    nextAnnounceAt: 0,
    elections: 0,
  };
}

/** START row extras: the rank and the timing (the checker reads them back). */
export function electionStartDetail(state: ElectionState): string {
  return formatDetail({
    rank: state.rank,
    rank_source: state.rankSource,
    heartbeat_ms: state.timing.heartbeatMs,
    leader_timeout_ms: state.timing.leaderTimeoutMs,
  });
}

export const selfKey = (s: ElectionState): RankKey => ({ id: s.self, rank: s.rank });

/** Effects are collected into this list by the helpers below. */
export type Out = Effect<ElectionBody>[];

/**
 * Adopts `leader` (LEADER row when it changes) and ends this machine's election participation.
 * Invariant: after it, the failure detector checks `leader` afresh (one heartbeat from now).
 */
export function adopt(state: ElectionState, leader: MachineId, rank: number, ctx: Context, out: Out): void {
  if (leader === state.self && state.leader !== state.self) {
    state.followers.clear();
    state.leadingSince = ctx.now;
    state.nextAnnounceAt = ctx.now + state.timing.heartbeatMs;
  }
  if (state.leader !== leader) out.push({ kind: 'event', event: LEADER_EVENT, detail: formatDetail({ leader, rank }), peer: leader === state.self ? undefined : [leader] });
  state.leader = leader;
  state.leaderRank = rank;
  state.ranks.set(leader, rank);
  state.checkSince = null;
  state.nextCheckAt = ctx.now + state.timing.heartbeatMs;
  state.electing = false;
  state.best = null;
  state.pending = [];
  state.answeredAt = null;
}

/** Logs the ELECTION row and marks this machine as electing. */
export function beginElection(state: ElectionState, reason: string, ctx: Context, out: Out): void {
  out.push({ kind: 'event', event: ELECTION_EVENT, detail: formatDetail({ initiator: state.self, rank: state.rank, reason }) });
  state.elections++;
  state.electing = true;
  state.electionAt = ctx.now;
  state.answeredAt = null;
}

/**
 * The follower's failure detector, run on every tick while following another machine: a
 * CHECK_LEADER every heartbeat (only while the link to the leader is up), and LEADER_LOST once the
 * oldest unanswered check is leaderTimeoutMs old. Returns true when the leader was just lost (the
 * caller then starts an election); `leader` is null afterwards.
 */
export function followerTick(state: ElectionState, ctx: Context, out: Out): boolean {
  const leader = state.leader;
  if (leader === null || leader === state.self) return false;
  if (state.checkSince !== null && ctx.now - state.checkSince >= state.timing.leaderTimeoutMs) {
    out.push({ kind: 'event', event: LEADER_LOST_EVENT, detail: formatDetail({ leader, waited_ms: Math.round(ctx.now - state.checkSince) }), peer: [leader] });
    state.leader = null;
    state.leaderRank = null;
    state.checkSince = null;
    return true;
  }
  if (ctx.now >= state.nextCheckAt) {
    state.nextCheckAt = ctx.now + state.timing.heartbeatMs;
    if (state.checkSince === null) state.checkSince = ctx.now;
    if (ctx.connected.has(leader)) out.push({ kind: 'send', to: [leader], body: { kind: 'CHECK_LEADER' } });
  }
  return false;
}

/**
 * The leader's announcement, run on every tick while leading: every heartbeat, ONE LEADER_ANNOUNCE
 * to the connected peers that sent no CHECK_LEADER for strayAfterMs (none in the normal case).
 */
export function leaderTick(state: ElectionState, ctx: Context, out: Out): void {
  if (state.leader !== state.self || ctx.now < state.nextAnnounceAt) return;
  state.nextAnnounceAt = ctx.now + state.timing.heartbeatMs;
  const strays = connectedPeers(ctx).filter((p) => ctx.now - Math.max(state.followers.get(p) ?? -Infinity, state.leadingSince) >= state.timing.strayAfterMs);
  if (strays.length) out.push({ kind: 'send', to: strays, body: { kind: 'LEADER_ANNOUNCE', leader: state.self, rank: state.rank } });
}

/**
 * Reacts to a NEW_LEADER announcement (from an election): adopt it, or take over when this machine
 * outranks it (unless an election of its own is still fresh).
 */
export function onNewLeader(state: ElectionState, leader: MachineId, rank: number, ctx: Context, out: Out, takeover: (reason: string) => void): void {
  state.ranks.set(leader, rank);
  if (leader !== state.self && outranks(selfKey(state), { id: leader, rank })) {
    if (!state.electing || ctx.now - state.electionAt >= state.timing.electionTimeoutMs) takeover('outranks_leader');
    return;
  }
  adopt(state, leader, rank, ctx, out);
}

/**
 * Reacts to "`leader` leads" from that leader itself (LEADER_ANNOUNCE, or LEADER_ALIVE): see the
 * header. Invariant: of two leaders that hear of each other, the lower one ends up following the
 * higher one, and no election is started for it.
 */
export function onLeaderClaim(state: ElectionState, leader: MachineId, rank: number, ctx: Context, out: Out, takeover: (reason: string) => void): void {
  state.ranks.set(leader, rank);
  if (leader === state.self) return;
  if (leader === state.leader) {
    state.leaderRank = rank;
    state.checkSince = null; // alive
    return;
  }
  const claim: RankKey = { id: leader, rank };
  if (state.leader === state.self) {
    if (!outranks(claim, selfKey(state))) {
      out.push({ kind: 'send', to: [leader], body: { kind: 'LEADER_ANNOUNCE', leader: state.self, rank: state.rank } });
      return;
    }
    // step down; tell the machines that followed us, so they need not time out first
    const to = connectedPeers(ctx).filter((p) => p !== leader && ctx.now - (state.followers.get(p) ?? -Infinity) < state.timing.strayAfterMs);
    if (to.length) out.push({ kind: 'send', to, body: { kind: 'NEW_LEADER', leader, rank, initiator: state.self } });
    adopt(state, leader, rank, ctx, out);
    return;
  }
  if (state.leader !== null && state.leaderRank !== null && outranks({ id: state.leader, rank: state.leaderRank }, claim)) return;
  onNewLeader(state, leader, rank, ctx, out, takeover);
}

/**
 * Messages both algorithms handle the same way: CHECK_LEADER (answered only by the leader, which
 * notes the sender as a follower), LEADER_ALIVE and LEADER_ANNOUNCE (a leader's claim, see
 * {@link onLeaderClaim}). Returns true when the body was one of these.
 */
export function handleLiveness(state: ElectionState, from: MachineId, body: ElectionBody, ctx: Context, out: Out, takeover: (reason: string) => void): boolean {
  if (body.kind === 'CHECK_LEADER') {
    if (state.leader === state.self) {
      state.followers.set(from, ctx.now);
      out.push({ kind: 'send', to: [from], body: { kind: 'LEADER_ALIVE', leader: state.self, rank: state.rank } });
    }
    return true;
  }
  if (body.kind === 'LEADER_ALIVE' || body.kind === 'LEADER_ANNOUNCE') {
    onLeaderClaim(state, body.leader, body.rank, ctx, out, takeover);
    return true;
  }
  return false;
}

/** Connected peers in ring order after self (ctx.peers order). */
export function connectedPeers(ctx: Context): MachineId[] {
  return ctx.peers.filter((p) => ctx.connected.has(p));
}

/**
 * A link came up (start-up, a peer restarted, a partition healed over the simulator): the leader
 * announces itself to that peer at once (LEADER_ANNOUNCE), so two sides that elected separately
 * meet without waiting for the periodic announcement.
 */
export function announceToNewPeer(state: ElectionState, peer: MachineId): Out {
  if (state.leader !== state.self) return [];
  return [{ kind: 'send', to: [peer], body: { kind: 'LEADER_ANNOUNCE', leader: state.self, rank: state.rank } }];
}

/**
 * What the two leader-election algorithms (ring, bully) share: message bodies and their wire
 * validation, ranks and their total order, the shared part of the state (ElectionState; each
 * algorithm adds its own fields), the leader failure detector (CHECK_LEADER / LEADER_ALIVE on ticks,
 * LEADER_LOST after leaderTimeoutMs without an answer), the leaders' announcements that merge two
 * leaders after a partition heals, the adoption of a leader (the LEADER row), and the algorithm
 * around it all (createElectionAlgorithm), to which each algorithm gives its rules (ElectionRules).
 * Pure: time is ctx.now, randomness ctx.rng.
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
import type { Algorithm, AnyAlgorithm, Context, MessageContext, TickContext } from '../core/algorithm.js';
import { EffectList } from '../core/effects.js';
import { formatDetail } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import { LabError } from '../core/errors.js';
import type { AlgorithmModule, AlgorithmOptionSpec, AlgorithmOptions } from './module.js';

/** Clock events the election algorithms log (beside SEND/RECEIVE). */
export const ELECTION_EVENT = 'ELECTION';
export const LEADER_EVENT = 'LEADER';
export const LEADER_LOST_EVENT = 'LEADER_LOST';
/** The clock events, as the election modules declare them (AlgorithmModule.events). */
export const ELECTION_EVENTS: readonly string[] = [ELECTION_EVENT, LEADER_EVENT, LEADER_LOST_EVENT];

/** The command-line options both election algorithms read, in help order, with their built-in defaults. */
export const ELECTION_OPTIONS: readonly AlgorithmOptionSpec[] = [
  { key: 'heartbeat', flags: '--heartbeat <s>', description: 'election: seconds between leader checks', value: { kind: 'seconds' }, default: 1, field: 'heartbeatMs' },
  { key: 'leaderTimeout', flags: '--leader-timeout <s>', description: 'election: seconds without an answer before an election', value: { kind: 'seconds' }, default: 5, field: 'leaderTimeoutMs' },
];

/** Refuses a leader timeout not above the heartbeat (LabError INVALID_OPTION): a leader would be presumed lost between two checks. */
export function validateElectionOptions(o: AlgorithmOptions): void {
  if (o.leaderTimeoutMs <= o.heartbeatMs) {
    throw new LabError(
      'INVALID_OPTION',
      `--leader-timeout ${o.leaderTimeoutMs / 1000} s must exceed --heartbeat ${o.heartbeatMs / 1000} s (a leader would be presumed lost between two checks)`,
    );
  }
}

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

/** The options both election algorithms take (from the registry). */
export interface ElectionOptions {
  readonly heartbeatMs: number;
  readonly leaderTimeoutMs: number;
  /** Ranks from the config by machine id (the rest are drawn from the seed). */
  readonly ranks: ReadonlyMap<number, number>;
}

/**
 * The part of the election state both algorithms keep (mutable, owned by the runtime); the ring
 * and the bully algorithm each extend it with fields of their own. Invariants: `leader === null`
 * iff `leaderRank === null`; `checkSince !== null` only while following another machine;
 * `electing` is true between this machine's ELECTION (or forwarding one) and the adoption of a leader.
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
  /** While leading: when each peer's last CHECK_LEADER arrived (cleared on becoming leader). */
  readonly followers: Map<MachineId, number>;
  /** When this machine last became leader. */
  leadingSince: number;
  /** While leading: when the next announcement to non-followers is due. */
  nextAnnounceAt: number;
  /** ELECTION rows this machine logged. */
  elections: number;
}

/** Builds the shared part of the initial state. Draws one number from ctx.rng when the config gives no rank. */
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

/** The effect list of both election algorithms. */
export type ElectionEffects = EffectList<ElectionBody>;

/**
 * What one election algorithm adds to the shared part (createElectionAlgorithm). The shared
 * functions below that may adopt a leader or start an election take these rules.
 */
export interface ElectionRules<S extends ElectionState> {
  /** Name as given to --algorithm. */
  readonly name: string;
  /** The full initial state: the shared part (already built) plus the algorithm's own fields. */
  init(core: ElectionState): S;
  /** Starts an election from this machine (it logs ELECTION through beginElection). */
  start(state: S, reason: string, ctx: Context, out: ElectionEffects): void;
  /** A leader was adopted: the algorithm's own election bookkeeping ends. */
  settled(state: S): void;
  /** One tick. */
  tick(state: S, ctx: TickContext, out: ElectionEffects): void;
  /** Any message arrived from `from`, before it is handled. */
  heard?(state: S, from: MachineId): void;
  /** A message the shared part does not handle (anything but CHECK_LEADER, LEADER_ALIVE, LEADER_ANNOUNCE). */
  receive(state: S, from: MachineId, body: ElectionBody, ctx: MessageContext, out: ElectionEffects): void;
}

/**
 * Adopts `leader` (LEADER row when it changes) and ends this machine's election participation.
 * Invariant: after it, the failure detector checks `leader` afresh (one heartbeat from now).
 */
export function adopt<S extends ElectionState>(state: S, leader: MachineId, rank: number, ctx: Context, out: ElectionEffects, rules: ElectionRules<S>): void {
  if (leader === state.self && state.leader !== state.self) {
    state.followers.clear();
    state.leadingSince = ctx.now;
    state.nextAnnounceAt = ctx.now + state.timing.heartbeatMs;
  }
  if (state.leader !== leader) out.event(LEADER_EVENT, { leader, rank }, leader === state.self ? undefined : [leader]);
  state.leader = leader;
  state.leaderRank = rank;
  state.ranks.set(leader, rank);
  state.checkSince = null;
  state.nextCheckAt = ctx.now + state.timing.heartbeatMs;
  state.electing = false;
  rules.settled(state);
}

/** ONE NEW_LEADER send naming `leader` to every peer of `to` (nothing when `to` is empty). */
export function sendNewLeader(out: ElectionEffects, to: readonly MachineId[], leader: MachineId, rank: number, initiator: MachineId): void {
  out.send(to, { kind: 'NEW_LEADER', leader, rank, initiator });
}

/** Logs the ELECTION row and marks this machine as electing. */
export function beginElection(state: ElectionState, reason: string, ctx: Context, out: ElectionEffects): void {
  out.event(ELECTION_EVENT, { initiator: state.self, rank: state.rank, reason });
  state.elections++;
  state.electing = true;
  state.electionAt = ctx.now;
}

/** The reason an election starts for when there is no leader: `startup` for the first one, else `no_leader`. */
export function noLeaderReason(state: ElectionState): string {
  return state.elections === 0 ? 'startup' : 'no_leader';
}

/**
 * The follower's failure detector, run on every tick while following another machine: a
 * CHECK_LEADER every heartbeat (only while the link to the leader is up), and LEADER_LOST once the
 * oldest unanswered check is leaderTimeoutMs old. Returns true when the leader was just lost (the
 * caller then starts an election); `leader` is null afterwards.
 */
export function followerTick(state: ElectionState, ctx: Context, out: ElectionEffects): boolean {
  const leader = state.leader;
  if (leader === null || leader === state.self) return false;
  if (state.checkSince !== null && ctx.now - state.checkSince >= state.timing.leaderTimeoutMs) {
    out.event(LEADER_LOST_EVENT, { leader, waited_ms: Math.round(ctx.now - state.checkSince) }, [leader]);
    state.leader = null;
    state.leaderRank = null;
    state.checkSince = null;
    return true;
  }
  if (ctx.now >= state.nextCheckAt) {
    state.nextCheckAt = ctx.now + state.timing.heartbeatMs;
    if (state.checkSince === null) state.checkSince = ctx.now;
    if (ctx.connected.has(leader)) out.send([leader], { kind: 'CHECK_LEADER' });
  }
  return false;
}

/**
 * The leader's announcement, run on every tick while leading: every heartbeat, ONE LEADER_ANNOUNCE
 * to the connected peers that sent no CHECK_LEADER for strayAfterMs (none in the normal case).
 */
export function leaderTick(state: ElectionState, ctx: Context, out: ElectionEffects): void {
  if (state.leader !== state.self || ctx.now < state.nextAnnounceAt) return;
  state.nextAnnounceAt = ctx.now + state.timing.heartbeatMs;
  const strays = connectedPeers(ctx).filter((p) => ctx.now - Math.max(state.followers.get(p) ?? -Infinity, state.leadingSince) >= state.timing.strayAfterMs);
  out.send(strays, { kind: 'LEADER_ANNOUNCE', leader: state.self, rank: state.rank });
}

/**
 * The tick of a machine that has a leader: a follower runs its failure detector and starts an
 * election (`leader_lost`) when the leader is lost; the leader announces itself (leaderTick).
 */
export function watchLeader<S extends ElectionState>(state: S, ctx: Context, out: ElectionEffects, rules: ElectionRules<S>): void {
  if (followerTick(state, ctx, out)) rules.start(state, 'leader_lost', ctx, out);
  else leaderTick(state, ctx, out);
}

/**
 * Reacts to a NEW_LEADER announcement (from an election): adopt it, or take over (an election of
 * this machine's own, `outranks_leader`) when this machine outranks it, unless an election of its
 * own is still fresh.
 */
export function onNewLeader<S extends ElectionState>(state: S, leader: MachineId, rank: number, ctx: Context, out: ElectionEffects, rules: ElectionRules<S>): void {
  state.ranks.set(leader, rank);
  if (leader !== state.self && outranks(selfKey(state), { id: leader, rank })) {
    if (!state.electing || ctx.now - state.electionAt >= state.timing.electionTimeoutMs) rules.start(state, 'outranks_leader', ctx, out);
    return;
  }
  adopt(state, leader, rank, ctx, out, rules);
}

/**
 * Reacts to "`leader` leads" from that leader itself (LEADER_ANNOUNCE, or LEADER_ALIVE): see the
 * header. Invariant: of two leaders that hear of each other, the lower one ends up following the
 * higher one, and no election is started for it.
 */
export function onLeaderClaim<S extends ElectionState>(state: S, leader: MachineId, rank: number, ctx: Context, out: ElectionEffects, rules: ElectionRules<S>): void {
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
      out.send([leader], { kind: 'LEADER_ANNOUNCE', leader: state.self, rank: state.rank });
      return;
    }
    // step down; tell the machines that followed us, so they need not time out first
    const to = connectedPeers(ctx).filter((p) => p !== leader && ctx.now - (state.followers.get(p) ?? -Infinity) < state.timing.strayAfterMs);
    sendNewLeader(out, to, leader, rank, state.self);
    adopt(state, leader, rank, ctx, out, rules);
    return;
  }
  if (state.leader !== null && state.leaderRank !== null && outranks({ id: state.leader, rank: state.leaderRank }, claim)) return;
  onNewLeader(state, leader, rank, ctx, out, rules);
}

/**
 * Messages both algorithms handle the same way: CHECK_LEADER (answered only by the leader, which
 * notes the sender as a follower), LEADER_ALIVE and LEADER_ANNOUNCE (a leader's claim, see
 * {@link onLeaderClaim}). Returns true when the body was one of these.
 */
export function handleLiveness<S extends ElectionState>(state: S, from: MachineId, body: ElectionBody, ctx: Context, out: ElectionEffects, rules: ElectionRules<S>): boolean {
  if (body.kind === 'CHECK_LEADER') {
    if (state.leader === state.self) {
      state.followers.set(from, ctx.now);
      out.send([from], { kind: 'LEADER_ALIVE', leader: state.self, rank: state.rank });
    }
    return true;
  }
  if (body.kind === 'LEADER_ALIVE' || body.kind === 'LEADER_ANNOUNCE') {
    onLeaderClaim(state, body.leader, body.rank, ctx, out, rules);
    return true;
  }
  return false;
}

/** Connected peers in ring order after self (ctx.peers order). */
export function connectedPeers(ctx: Context): MachineId[] {
  return ctx.peers.filter((p) => ctx.connected.has(p));
}

/**
 * Builds an election algorithm from its rules. The shared part: START detail (rank, timing), the
 * liveness messages (handleLiveness) before the algorithm's own, and, when a link comes up
 * (start-up, a peer restarted, a partition healed over the simulator), the leader's LEADER_ANNOUNCE
 * to that peer at once, so two sides that elected separately meet without waiting for the periodic
 * announcement. Invariant: pure; every state change is driven by ticks, messages and links.
 */
export function createElectionAlgorithm<S extends ElectionState>(rules: ElectionRules<S>, options: ElectionOptions): Algorithm<S, ElectionBody> {
  const timing = electionTiming(options.heartbeatMs, options.leaderTimeoutMs);
  return {
    name: rules.name,
    receiveMode: 'on-arrival',
    init: (ctx) => rules.init(initElectionState(ctx, options.ranks, timing)),
    startDetail: electionStartDetail,
    onTick(state, ctx) {
      const out: ElectionEffects = new EffectList(ctx);
      rules.tick(state, ctx, out);
      return out.effects;
    },
    onMessage(state, from, body, ctx) {
      const out: ElectionEffects = new EffectList(ctx);
      rules.heard?.(state, from);
      if (!handleLiveness(state, from, body, ctx, out, rules)) rules.receive(state, from, body, ctx, out);
      return out.effects;
    },
    onPeerUp(state, peer, ctx) {
      const out: ElectionEffects = new EffectList(ctx);
      if (state.leader === state.self) out.send([peer], { kind: 'LEADER_ANNOUNCE', leader: state.self, rank: state.rank });
      return out.effects;
    },
    describe: describeElectionBody,
    parseBody: parseElectionBody,
  };
}

/** The module of a leader-election algorithm: the shared events, options, validation and checker, plus its own notes. */
export function electionModule(name: string, create: (o: ElectionOptions) => AnyAlgorithm, notes: readonly string[]): AlgorithmModule {
  return {
    name,
    create: (o) => create({ heartbeatMs: o.heartbeatMs, leaderTimeoutMs: o.leaderTimeoutMs, ranks: o.ranks }),
    events: ELECTION_EVENTS,
    notes,
    options: ELECTION_OPTIONS,
    validate: validateElectionOptions,
    checker: 'election',
  };
}

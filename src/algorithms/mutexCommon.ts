/**
 * What Lamport's mutual exclusion (mutex.ts) and Ricart–Agrawala (ricartAgrawala.ts) share: their
 * options, the wire body and its validation, the request order, the membership with its failure
 * timeout, the state both keep (MutexCoreState), and the algorithm around it (createMutexAlgorithm):
 * the workload's request, the critical section's ticks, failure detection, rejoining and re-sending.
 * Each algorithm adds only its own state and rules (MutexRules).
 * Pure: no I/O, no clock, no Math.random().
 */
import type { Algorithm, AnyAlgorithm, Context, MessageContext } from '../core/algorithm.js';
import { EffectList } from '../core/effects.js';
import type { MachineId } from '../core/types.js';
import type { AlgorithmModule, AlgorithmOptionSpec, AlgorithmOptions } from './module.js';

/** Names of the algorithms' own clock events (log rows). */
export const CS_REQUEST = 'CS_REQUEST';
export const CS_ENTER = 'CS_ENTER';
export const CS_EXIT = 'CS_EXIT';
/** The algorithms' clock events, as their modules declare them (AlgorithmModule.events). */
export const MUTEX_EVENTS: readonly string[] = [CS_REQUEST, CS_ENTER, CS_EXIT];
/** Non-clock notes of the membership: they carry the clocks unchanged (registry.ts NON_CLOCK_EVENTS). */
export const MEMBER_DOWN = 'MEMBER_DOWN';
export const MEMBER_UP = 'MEMBER_UP';
/** The notes, as the modules declare them (AlgorithmModule.notes). */
export const MUTEX_NOTES: readonly string[] = [MEMBER_DOWN, MEMBER_UP];

/**
 * The command-line options both mutex algorithms read, in help order, with their built-in
 * defaults (`--shared-file` is the runtime's shared resource, not an algorithm option).
 */
export const MUTEX_OPTIONS: readonly AlgorithmOptionSpec[] = [
  { key: 'csProbability', flags: '--cs-probability <p>', description: 'mutex: chance an idle machine requests per tick', value: { kind: 'number', min: 0, max: 1 }, default: 0.2, field: 'csProbability' },
  { key: 'csTicks', flags: '--cs-ticks <n>', description: 'mutex: ticks the critical section is held', value: { kind: 'int', min: 1 }, default: 2, field: 'csTicks' },
  { key: 'sharedFile', flags: '--shared-file <path>', description: 'mutex: shared resource file', value: { kind: 'path' }, defaultText: '<log-dir>/critical_section.log' },
  { key: 'failureTimeout', flags: '--failure-timeout <s>', description: 'mutex: seconds a peer may be unreachable before it is dropped', value: { kind: 'seconds' }, default: 3, field: 'failureTimeoutMs' },
];

export interface MutexOptions {
  /** Probability that an idle machine requests the critical section on a tick, 0..1. */
  readonly csProbability: number;
  /** Ticks the critical section is held (≥ 1). */
  readonly csTicks: number;
  /** ms a peer's outgoing link may stay down before the peer is dropped from the membership. */
  readonly failureTimeoutMs: number;
  /**
   * No new request at or after this time (ms since start); undefined: request for the whole run.
   * Lets a run drain so that every request is granted and every message counted (tests, experiments).
   */
  readonly requestUntilMs?: number;
  /**
   * ms a waiting machine goes without progress before it re-sends its REQUEST (see
   * retransmitAfterMs); undefined: the default, longer than any wait a fault-free run can have.
   */
  readonly retransmitMs?: number;
}

/** The mutex options out of the registry's AlgorithmOptions (retransmitMs only when given). */
export function mutexOptionsOf(o: AlgorithmOptions): MutexOptions {
  return { csProbability: o.csProbability, csTicks: o.csTicks, failureTimeoutMs: o.failureTimeoutMs, ...(o.retransmitMs !== undefined ? { retransmitMs: o.retransmitMs } : {}) };
}

/**
 * How long a waiting machine goes without progress (a message from a peer it waits for) before it
 * re-sends its REQUEST, `resend=1`, to those peers: options.retransmitMs, else (csTicks + 2) s and
 * at least 2 s. Without faults a waiter hears from one of them at least every critical section
 * (csTicks ticks at ≥ 1 tick/s) plus two message delays, so a fault-free run never re-sends; after
 * a loss or a partition's heal, the waiter recovers within this time.
 */
export function retransmitAfterMs(o: MutexOptions): number {
  return o.retransmitMs ?? Math.max(2000, (o.csTicks + 2) * 1000);
}

/**
 * Protocol messages. `ts` is always the Lamport timestamp of the request the message is about:
 * REQUEST announces it, REPLY answers it, RELEASE gives it up. HELLO (sent when a link comes up
 * and the sender has no request outstanding) says "I hold no request".
 * `req` (REPLY, Lamport's algorithm): the replier's own outstanding request, absent when it has
 * none, so every message tells its receiver the sender's current request (see mutex.ts).
 * `resend` marks a retransmission: a REQUEST re-sent after the retransmit timeout, or a REPLY
 * repeated for a request already answered. Logged as `resend=1`; handled idempotently.
 * `ask` (HELLO): sent by a machine that has not heard from that peer for the retransmit time (its
 * link-up messages lost), which stops it requesting (fresh-member rule): the peer answers with its
 * state (Lamport: REQUEST or HELLO; Ricart–Agrawala: HELLO), never with another ask.
 */
export type MutexBody =
  | { readonly kind: 'REQUEST'; readonly ts: number; readonly resend?: true }
  | { readonly kind: 'REPLY'; readonly ts: number; readonly req?: number; readonly resend?: true }
  | { readonly kind: 'RELEASE'; readonly ts: number }
  | { readonly kind: 'HELLO'; readonly ask?: true };

export type MutexKind = MutexBody['kind'];

/** Validates a body from the wire (null when malformed). */
export function parseMutexBody(raw: unknown): MutexBody | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as { kind?: unknown; ts?: unknown; req?: unknown; resend?: unknown };
  if (r.kind === 'HELLO') {
    const a = (raw as { ask?: unknown }).ask;
    return a === undefined ? { kind: 'HELLO' } : a === true ? { kind: 'HELLO', ask: true } : null;
  }
  if (r.kind !== 'REQUEST' && r.kind !== 'REPLY' && r.kind !== 'RELEASE') return null;
  const stamp = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!stamp(r.ts)) return null;
  if (r.resend !== undefined && r.resend !== true) return null;
  if (r.kind === 'RELEASE') return r.resend === undefined ? { kind: 'RELEASE', ts: r.ts } : null;
  if (r.kind === 'REQUEST') return r.resend ? { kind: 'REQUEST', ts: r.ts, resend: true } : { kind: 'REQUEST', ts: r.ts };
  if (r.req !== undefined && !stamp(r.req)) return null;
  return { kind: 'REPLY', ts: r.ts, ...(r.req !== undefined ? { req: r.req } : {}), ...(r.resend ? { resend: true as const } : {}) };
}

/** Detail of the SEND/RECEIVE rows: `kind=REQUEST ts=5`, `kind=REPLY ts=5 req=7 resend=1` (HELLO: `kind=HELLO`). */
export function describeMutexBody(body: MutexBody): string {
  switch (body.kind) {
    case 'HELLO':
      return body.ask ? 'kind=HELLO ask=1' : 'kind=HELLO';
    case 'RELEASE':
      return `kind=RELEASE ts=${body.ts}`;
    case 'REQUEST':
      return body.resend ? `kind=REQUEST ts=${body.ts} resend=1` : `kind=REQUEST ts=${body.ts}`;
    case 'REPLY':
      return `kind=REPLY ts=${body.ts}${body.req !== undefined ? ` req=${body.req}` : ''}${body.resend ? ' resend=1' : ''}`;
  }
}

/** A request in the total order of Lamport 1978: by timestamp, ties broken by machine id. */
export interface RequestKey {
  readonly ts: number;
  readonly id: MachineId;
}

/** Negative when a precedes b in the request order. */
export function compareRequests(a: RequestKey, b: RequestKey): number {
  return a.ts !== b.ts ? a.ts - b.ts : a.id - b.id;
}

/**
 * Who takes part, with a failure timeout per peer. A peer is `live` until its outgoing link has been
 * down for failureTimeoutMs (checked on ticks), then it is dropped; it rejoins when its link comes
 * up again. Invariant: `downSince` only holds live peers.
 */
export interface Membership {
  readonly live: Set<MachineId>;
  /** Live peer → ctx.now when its link went down (or when we started, if it was never up). */
  readonly downSince: Map<MachineId, number>;
}

/** Every peer is live; peers not connected yet count as down since now (so a never-started peer times out). */
export function initMembership(ctx: Context): Membership {
  const live = new Set(ctx.peers);
  const downSince = new Map<MachineId, number>();
  for (const p of ctx.peers) if (!ctx.connected.has(p)) downSince.set(p, ctx.now);
  return { live, downSince };
}

/** The link to a peer went down: start its failure timer (unless it is already running or the peer is out). */
export function membershipDown(m: Membership, peer: MachineId, now: number): void {
  if (m.live.has(peer) && !m.downSince.has(peer)) m.downSince.set(peer, now);
}

/** The link to a peer came up. Returns true when the peer was out and has just rejoined. */
export function membershipUp(m: Membership, peer: MachineId): boolean {
  m.downSince.delete(peer);
  if (m.live.has(peer)) return false;
  m.live.add(peer);
  return true;
}

/** Drops every live peer whose link has been down for at least timeoutMs; returns them with their down time. */
export function membershipExpire(m: Membership, now: number, timeoutMs: number): { peer: MachineId; downMs: number }[] {
  const out: { peer: MachineId; downMs: number }[] = [];
  for (const [peer, since] of m.downSince) {
    if (now - since >= timeoutMs) out.push({ peer, downMs: now - since });
  }
  for (const { peer } of out) {
    m.downSince.delete(peer);
    m.live.delete(peer);
  }
  return out;
}

/** Where a machine stands: no request, a request outstanding, inside the critical section. */
export type MutexPhase = 'idle' | 'waiting' | 'held';

/** The effect list of both mutex algorithms. */
export type MutexEffects = EffectList<MutexBody>;

/**
 * The part of the state both mutex algorithms keep (mutable, owned by the runtime). Invariants:
 * `myTs === null` iff phase is 'idle'; `heardFrom` only grows (peers heard from since start).
 */
export interface MutexCoreState {
  readonly options: MutexOptions;
  phase: MutexPhase;
  /** Timestamp of our outstanding request; null iff phase is 'idle'. */
  myTs: number | null;
  /** Ticks spent in the critical section so far (phase 'held'). */
  heldTicks: number;
  /** Peers heard from since this machine started (the fresh-member rule). */
  readonly heardFrom: Set<MachineId>;
  readonly membership: Membership;
  /** Critical sections entered. */
  entries: number;
  /**
   * ctx.now of our request, of the last message that left us fewer peers to wait for, or of the
   * last re-send (the retransmit timer).
   */
  progressAt: number;
}

/**
 * What one mutex algorithm adds to the shared part (createMutexAlgorithm). Every hook mutates the
 * state in place; hooks given `out` may add effects, in the order the algorithm's rows should have.
 */
export interface MutexRules<S extends MutexCoreState> {
  /** Name as given to --algorithm. */
  readonly name: string;
  /** The full initial state: the shared part (already built) plus the algorithm's own fields. */
  init(core: MutexCoreState, ctx: Context): S;
  /** The entry condition, checked at the end of every tick and message while waiting. */
  mayEnter(state: S, self: MachineId): boolean;
  /** Our REQUEST(ts) has just gone to every live peer (phase is 'waiting', myTs is ts). */
  requested(state: S, ts: number, ctx: Context): void;
  /** Our critical section (request ts) has just ended (CS_EXIT logged, phase 'idle'): tell the peers. */
  exited(state: S, ts: number, ctx: Context, out: MutexEffects): void;
  /** Peers a waiting machine still waits for (its REQUEST is re-sent to them when it is stuck). */
  waitingFor(state: S, ctx: Context): MachineId[];
  /** A peer was dropped from the membership (MEMBER_DOWN logged): forget what it asked. */
  dropped(state: S, peer: MachineId): void;
  /** A dropped peer is back (MEMBER_UP logged): take it in as a fresh member. */
  rejoined(state: S, peer: MachineId): void;
  /** Tells a peer our state, when our link to it comes up or when it has just rejoined. */
  greet(state: S, peer: MachineId, out: MutexEffects): void;
  /** Handles a message of a member (the shared part has already noted that `from` was heard). */
  receive(state: S, from: MachineId, body: MutexBody, ctx: MessageContext, out: MutexEffects): void;
}

/** True when every live peer has been heard from: the fresh-member rule allows a request. */
export function heardFromAllLive(state: MutexCoreState): boolean {
  for (const p of state.membership.live) if (!state.heardFrom.has(p)) return false;
  return true;
}

/** The START row detail both mutex algorithms log. */
export function mutexStartDetail(state: { readonly options: MutexOptions }): string {
  const o = state.options;
  const retransmit = retransmitAfterMs(o);
  return `cs_probability=${o.csProbability} cs_ticks=${o.csTicks} failure_timeout_ms=${o.failureTimeoutMs} retransmit_ms=${Number.isFinite(retransmit) ? retransmit : 'off'}`;
}

/**
 * Live, connected peers not heard from yet: the ones an idle machine asks (HELLO ask=1) once it has
 * waited the retransmit time for them.
 */
export function unheardPeers(m: Membership, heardFrom: ReadonlySet<MachineId>, ctx: Context): MachineId[] {
  return ctx.peers.filter((p) => m.live.has(p) && !heardFrom.has(p) && ctx.connected.has(p));
}

/** Live peers in ctx.peers order (config order starting after self). */
export function livePeers(m: Membership, ctx: Context): MachineId[] {
  return ctx.peers.filter((p) => m.live.has(p));
}

/** The workload's decision on a tick: does an idle machine request now? Draws from ctx.rng only when asked. */
export function wantsToRequest(options: MutexOptions, ctx: Context): boolean {
  if (options.requestUntilMs !== undefined && ctx.now >= options.requestUntilMs) return false;
  return ctx.rng.chance(options.csProbability);
}

/**
 * The re-send step of both mutex algorithms, on a tick that neither exits nor requests: once
 * `retransmitMs` pass without progress, an idle machine asks the live peers it never heard from
 * (`HELLO ask=1`: their link-up messages may be lost) and a waiting one re-sends its REQUEST
 * (`resend=1`) to the peers it still waits for (`waitingFor`: what we sent or what they sent may be
 * lost). Either way the wait starts again. Nothing happens while the machine holds the section.
 */
export function retransmitIfStuck(state: MutexCoreState, ctx: Context, retransmitMs: number, waitingFor: () => MachineId[], out: MutexEffects): void {
  if (state.phase === 'held' || ctx.now - state.progressAt < retransmitMs) return;
  state.progressAt = ctx.now;
  if (state.phase === 'idle') out.send(unheardPeers(state.membership, state.heardFrom, ctx), { kind: 'HELLO', ask: true });
  else out.send(waitingFor(), { kind: 'REQUEST', ts: state.myTs!, resend: true });
}

/**
 * Builds a mutex algorithm from its rules. The shared part, in the order of its effects:
 * - tick: drop the peers whose failure timeout expired (MEMBER_DOWN); then, inside, count the
 *   tick and exit after csTicks (CS_EXIT, then the rules' `exited`); or, idle and heard from every
 *   live peer, request when the workload says so (REQUEST to every live peer, then CS_REQUEST: ts
 *   is the stamp of the send); or else re-send if stuck (retransmitIfStuck); then try to enter;
 * - message: a message of a dropped peer first takes it back (MEMBER_UP, `rejoined`, `greet`);
 *   then the rules' `receive`; then try to enter;
 * - link up: take a dropped peer back (MEMBER_UP, `rejoined`), then `greet` it;
 * - link down: start the peer's failure timeout; nothing is sent.
 * Entering (CS_ENTER ts=myTs) happens when the machine waits and `mayEnter` holds.
 * Invariant: at most one CS_ENTER per CS_REQUEST, each followed by one CS_EXIT.
 */
export function createMutexAlgorithm<S extends MutexCoreState>(rules: MutexRules<S>, options: MutexOptions): Algorithm<S, MutexBody> {
  const opts = validateMutexOptions(options);
  const retransmit = retransmitAfterMs(opts);

  const tryEnter = (state: S, ctx: Context, out: MutexEffects): void => {
    if (state.phase !== 'waiting' || !rules.mayEnter(state, ctx.self)) return;
    state.phase = 'held';
    state.heldTicks = 0;
    state.entries++;
    out.event(CS_ENTER, { ts: state.myTs! });
  };

  /** A dropped peer is back: log MEMBER_UP, restart its timeout if its link is not actually up, forget its past. */
  const rejoin = (state: S, peer: MachineId, reason: string, ctx: Context, out: MutexEffects): void => {
    out.note(MEMBER_UP, [peer], { reason });
    if (!ctx.connected.has(peer)) membershipDown(state.membership, peer, ctx.now);
    rules.rejoined(state, peer);
  };

  return {
    name: rules.name,
    receiveMode: 'on-arrival',
    init: (ctx) =>
      rules.init(
        {
          options: opts,
          phase: 'idle',
          myTs: null,
          heldTicks: 0,
          heardFrom: new Set(),
          membership: initMembership(ctx),
          entries: 0,
          progressAt: ctx.now,
        },
        ctx,
      ),
    startDetail: mutexStartDetail,

    onTick(state, ctx) {
      const out: MutexEffects = new EffectList(ctx);
      for (const { peer, downMs } of membershipExpire(state.membership, ctx.now, opts.failureTimeoutMs)) {
        out.note(MEMBER_DOWN, [peer], { reason: 'unreachable', down_ms: Math.round(downMs) });
        rules.dropped(state, peer);
      }
      if (state.phase === 'held') {
        state.heldTicks++;
        if (state.heldTicks >= opts.csTicks) {
          const ts = state.myTs!;
          out.event(CS_EXIT, { ts });
          state.phase = 'idle';
          state.myTs = null;
          rules.exited(state, ts, ctx, out);
        }
      } else if (state.phase === 'idle' && heardFromAllLive(state) && wantsToRequest(opts, ctx)) {
        const ts = out.nextStamp();
        out.send(livePeers(state.membership, ctx), { kind: 'REQUEST', ts });
        out.event(CS_REQUEST, { ts });
        state.phase = 'waiting';
        state.myTs = ts;
        state.progressAt = ctx.now;
        rules.requested(state, ts, ctx);
      } else retransmitIfStuck(state, ctx, retransmit, () => rules.waitingFor(state, ctx), out);
      tryEnter(state, ctx, out);
      return out.effects;
    },

    onMessage(state, from, body, ctx) {
      const out: MutexEffects = new EffectList(ctx);
      if (membershipUp(state.membership, from)) {
        // A dropped peer is evidently alive: a fresh member again, and it needs our state.
        rejoin(state, from, 'message', ctx, out);
        rules.greet(state, from, out);
      }
      state.heardFrom.add(from);
      rules.receive(state, from, body, ctx, out);
      tryEnter(state, ctx, out);
      return out.effects;
    },

    onPeerDown(state, peer, ctx) {
      membershipDown(state.membership, peer, ctx.now);
      return [];
    },

    onPeerUp(state, peer, ctx) {
      const out: MutexEffects = new EffectList(ctx);
      if (membershipUp(state.membership, peer)) rejoin(state, peer, 'link_up', ctx, out);
      rules.greet(state, peer, out);
      return out.effects;
    },

    describe: describeMutexBody,
    parseBody: parseMutexBody,
  };
}

/** Checks options; throws RangeError on nonsense (the CLI validates ranges before this). */
export function validateMutexOptions(o: MutexOptions): MutexOptions {
  if (!(o.csProbability >= 0 && o.csProbability <= 1)) throw new RangeError(`csProbability ${o.csProbability} not in [0, 1]`);
  if (!Number.isInteger(o.csTicks) || o.csTicks < 1) throw new RangeError(`csTicks ${o.csTicks} must be an integer ≥ 1`);
  if (!(o.failureTimeoutMs >= 0)) throw new RangeError(`failureTimeoutMs ${o.failureTimeoutMs} must be ≥ 0`);
  if (o.retransmitMs !== undefined && !(o.retransmitMs > 0)) throw new RangeError(`retransmitMs ${o.retransmitMs} must be > 0`);
  return o;
}

/**
 * The module of a mutual-exclusion algorithm: the shared events, notes, options, shared resource
 * and checker; `messagesPerEntry` is k in k (n−1) messages per entry without faults.
 */
export function mutexModule(name: string, create: (o: MutexOptions) => AnyAlgorithm, messagesPerEntry: number): AlgorithmModule {
  return {
    name,
    create: (o) => create(mutexOptionsOf(o)),
    events: MUTEX_EVENTS,
    notes: MUTEX_NOTES,
    options: MUTEX_OPTIONS,
    rowHook: 'shared-resource',
    checker: 'mutex',
    messagesPerEntry,
  };
}

/**
 * What Lamport's mutual exclusion (mutex.ts) and Ricart–Agrawala (ricartAgrawala.ts) share: their
 * options, the wire body and its validation, the request order, the membership with its failure
 * timeout, and a small builder that knows which Lamport stamp each clock effect will get.
 * Pure: no I/O, no clock, no Math.random().
 */
import type { Context, Effect } from '../core/algorithm.js';
import { formatDetail } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';

/** Names of the algorithms' own clock events (log rows). */
export const CS_REQUEST = 'CS_REQUEST';
export const CS_ENTER = 'CS_ENTER';
export const CS_EXIT = 'CS_EXIT';
/** Non-clock notes (see core/events.ts NON_CLOCK_EVENTS). */
export const MEMBER_DOWN = 'MEMBER_DOWN';
export const MEMBER_UP = 'MEMBER_UP';

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

/** The START row detail both mutex algorithms log. */
export function mutexStartDetail(state: { readonly options: MutexOptions }): string {
  const o = state.options;
  const retransmit = retransmitAfterMs(o);
  return `cs_probability=${o.csProbability} cs_ticks=${o.csTicks} failure_timeout_ms=${o.failureTimeoutMs} retransmit_ms=${Number.isFinite(retransmit) ? retransmit : 'off'}`;
}

/** onPeerDown of both mutex algorithms: start the failure timeout; nothing is sent. */
export function mutexPeerDown(state: { readonly membership: Membership }, peer: MachineId, ctx: Context): Effect<MutexBody>[] {
  membershipDown(state.membership, peer, ctx.now);
  return [];
}

/**
 * The part of taking a dropped peer back that both algorithms share: log MEMBER_UP and, if its
 * link is not actually up (it spoke over a link we have not re-established), start its timeout again.
 */
export function noteRejoin(membership: Membership, peer: MachineId, reason: string, ctx: Context, out: EffectList): void {
  out.note(MEMBER_UP, [peer], { reason });
  if (!ctx.connected.has(peer)) membershipDown(membership, peer, ctx.now);
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

/**
 * Collects effects and knows the Lamport stamp each clock effect will get: per the Context contract
 * the k-th clock effect (send or event) returned by a call is stamped ctx.lamport + k. A send to
 * nobody is not an event (the engine skips it), so it is never added.
 */
export class EffectList {
  readonly effects: Effect<MutexBody>[] = [];
  private clockEffects = 0;

  constructor(private readonly lamport: number) {}

  /** The stamp the next clock effect added will get. */
  nextStamp(): number {
    return this.lamport + this.clockEffects + 1;
  }

  send(to: readonly MachineId[], body: MutexBody): void {
    if (to.length === 0) return;
    this.effects.push({ kind: 'send', to, body });
    this.clockEffects++;
  }

  event(event: string, detail: Record<string, string | number | undefined>): void {
    this.effects.push({ kind: 'event', event, detail: formatDetail(detail) });
    this.clockEffects++;
  }

  note(event: string, peer: readonly MachineId[], detail: Record<string, string | number | undefined>): void {
    this.effects.push({ kind: 'note', event, peer, detail: formatDetail(detail) });
  }
}

/** The workload's decision on a tick: does an idle machine request now? Draws from ctx.rng only when asked. */
export function wantsToRequest(options: MutexOptions, ctx: Context): boolean {
  if (options.requestUntilMs !== undefined && ctx.now >= options.requestUntilMs) return false;
  return ctx.rng.chance(options.csProbability);
}

/** What the re-send step reads and updates of either mutex algorithm's state. */
export interface RetransmitState {
  readonly phase: 'idle' | 'waiting' | 'held';
  readonly myTs: number | null;
  readonly membership: Membership;
  readonly heardFrom: ReadonlySet<MachineId>;
  progressAt: number;
}

/**
 * The re-send step of both mutex algorithms, on a tick that neither exits nor requests: once
 * `retransmitMs` pass without progress, an idle machine asks the live peers it never heard from
 * (`HELLO ask=1`: their link-up messages may be lost) and a waiting one re-sends its REQUEST
 * (`resend=1`) to the peers it still waits for (`waitingFor`: what we sent or what they sent may be
 * lost). Either way the wait starts again. Nothing happens while the machine holds the section.
 */
export function retransmitIfStuck(state: RetransmitState, ctx: Context, retransmitMs: number, waitingFor: () => MachineId[], out: EffectList): void {
  if (state.phase === 'held' || ctx.now - state.progressAt < retransmitMs) return;
  state.progressAt = ctx.now;
  if (state.phase === 'idle') out.send(unheardPeers(state.membership, state.heardFrom, ctx), { kind: 'HELLO', ask: true });
  else out.send(waitingFor(), { kind: 'REQUEST', ts: state.myTs!, resend: true });
}

/** Checks options; throws RangeError on nonsense (the CLI validates ranges before this). */
export function validateMutexOptions(o: MutexOptions): MutexOptions {
  if (!(o.csProbability >= 0 && o.csProbability <= 1)) throw new RangeError(`csProbability ${o.csProbability} not in [0, 1]`);
  if (!Number.isInteger(o.csTicks) || o.csTicks < 1) throw new RangeError(`csTicks ${o.csTicks} must be an integer ≥ 1`);
  if (!(o.failureTimeoutMs >= 0)) throw new RangeError(`failureTimeoutMs ${o.failureTimeoutMs} must be ≥ 0`);
  if (o.retransmitMs !== undefined && !(o.retransmitMs > 0)) throw new RangeError(`retransmitMs ${o.retransmitMs} must be > 0`);
  return o;
}

/**
 * The shape every algorithm has (as in etcd's raft: tick and step in, effects out). Algorithms are
 * pure state machines: they never read a clock, draw Math.random() or touch I/O. The runtime
 * (real TCP or the in-memory simulator) calls them and turns their effects into clock stamps,
 * log rows and sends, in that order.
 */
import type { Rng } from './rng.js';
import type { MachineId } from './types.js';

/** What every call sees. */
export interface Context {
  /** This machine. */
  readonly self: MachineId;
  /** All machines of the run in config order (the ring order), self included. */
  readonly members: readonly MachineId[];
  /** All machines but self, in config order starting after self (next, the one after, ...). */
  readonly peers: readonly MachineId[];
  /** Milliseconds since the machine started (monotonic real time, or virtual time in simulation). */
  readonly now: number;
  /** The machine's single seeded generator. */
  readonly rng: Rng;
  /**
   * The Lamport clock as it stands when the call is made (after the RECEIVE stamp in onMessage).
   * The k-th clock effect (send or event) returned by this call will be stamped `lamport + k`.
   */
  readonly lamport: number;
  /** Peers whose connection is currently up, as the runtime knows it. */
  readonly connected: ReadonlySet<MachineId>;
}

export interface InitContext extends Context {}

export interface TickContext extends Context {
  /** Tick number, starting at 1. */
  readonly tick: number;
}

export interface MessageContext extends Context {
  /** Lamport timestamp of the SEND event that carried this message. */
  readonly msgLamport: number;
  /** The message's id (`<sender>-<seq>`). */
  readonly msgId: string;
}

/**
 * What an algorithm asks the runtime to do.
 * - `send`: ONE clock event (one row, one msg_id) however many machines it goes to.
 * - `event`: a clock event of the algorithm's own (e.g. CS_ENTER); name must not be a non-clock name.
 * - `note`: a row that carries the clocks unchanged (name from NON_CLOCK_EVENTS, algorithms/registry.ts, e.g. MEMBER_DOWN).
 * `peer` lists machines the row is about, `detail` is `key=value` pairs.
 */
export type Effect<Body> =
  | { readonly kind: 'send'; readonly to: readonly MachineId[]; readonly body: Body }
  | { readonly kind: 'event'; readonly event: string; readonly detail?: string; readonly peer?: readonly MachineId[] }
  | { readonly kind: 'note'; readonly event: string; readonly detail?: string; readonly peer?: readonly MachineId[] };

/**
 * How the runtime feeds arriving messages to the algorithm:
 * - 'one-per-tick': messages wait in the FIFO network queue; each tick takes at most one
 *   (the classic model: a tick is either a RECEIVE or the algorithm's onTick).
 * - 'on-arrival': each message is received (RECEIVE row, onMessage) as soon as it arrives;
 *   onTick still runs once per tick.
 */
export type ReceiveMode = 'one-per-tick' | 'on-arrival';

/** A pure algorithm. `State` is owned by the runtime and passed back on every call. */
export interface Algorithm<State, Body> {
  /** Name as given to --algorithm. */
  readonly name: string;
  readonly receiveMode: ReceiveMode;
  init(ctx: InitContext): State;
  /** Extra `key=value` pairs for the START row (e.g. rank). */
  startDetail?(state: State): string;
  onTick(state: State, ctx: TickContext): Effect<Body>[];
  onMessage(state: State, from: MachineId, body: Body, ctx: MessageContext): Effect<Body>[];
  onPeerDown?(state: State, peer: MachineId, ctx: Context): Effect<Body>[];
  onPeerUp?(state: State, peer: MachineId, ctx: Context): Effect<Body>[];
  /** `key=value` pairs describing a body for the SEND/RECEIVE row's detail (e.g. `kind=REQUEST ts=5`). */
  describe?(body: Body): string;
  /**
   * Validates a body that arrived from the wire. Returns the typed body or null (the frame is then
   * dropped and logged). Required for anything that crosses a process boundary.
   */
  parseBody(raw: unknown): Body | null;
}

/** An algorithm of unknown state/body types, as the runtime holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAlgorithm = Algorithm<any, any>;

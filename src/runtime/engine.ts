/**
 * The machine engine: one machine's algorithm, clocks, network queue and message numbering,
 * independent of how time passes and how bytes move. Real processes (runtime/machine.ts over TCP)
 * and the simulator (runtime/sim) both drive it. For every effect it stamps the clocks, hands the
 * log row to the sink and only then gives the message to the outbox: a SEND row always reaches the
 * log before its message reaches the network.
 */
import type { AnyAlgorithm, Context, Effect, MessageContext, TickContext } from '../core/algorithm.js';
import { MachineClock } from '../core/clock.js';
import { NON_CLOCK_EVENTS, RECEIVE, SEND } from '../core/events.js';
import type { LogRow } from '../core/logRow.js';
import type { Rng } from '../core/rng.js';
import type { Envelope, MachineId } from '../core/types.js';
import type { VectorLayout } from '../core/vector.js';

/** Receives every row the machine produces, in order. Must hand the row to the OS before returning. */
export interface RowSink {
  write(row: LogRow): void;
  /**
   * True when the sink keeps nothing (e.g. `simulate --no-logs`): the engine then skips building
   * rows altogether (no time or vector formatting) and never calls write(); counts are still kept.
   */
  readonly discards?: boolean;
}

/**
 * Puts a message on the wire to one peer. Returns true when written (or accepted for a later,
 * delayed write); false when the link is down (the engine logs `DROP reason=peer_down`); a string
 * when an injected network fault dropped it: the DROP row's reason (e.g. `partitioned`, `injected_loss`).
 */
export interface Outbox {
  send(peer: MachineId, env: Envelope<unknown>): boolean | string;
}

/** Where the engine reads time: wall-clock epoch ms (for the log) and ms since start (for algorithms). */
export interface EngineClock {
  epochMs(): number;
  sinceStartMs(): number;
}

export interface EngineOptions {
  readonly self: MachineId;
  /** Every machine of the run, in config order. */
  readonly members: readonly MachineId[];
  readonly layout: VectorLayout;
  readonly algorithm: AnyAlgorithm;
  readonly rng: Rng;
  readonly sink: RowSink;
  readonly outbox: Outbox;
  readonly clock: EngineClock;
  /** Formats epoch ms as the `time` column; injectable so the simulator can be fast. */
  readonly formatTime?: (epochMs: number) => string;
  /**
   * Link state owned by the runtime (the simulator, where it is one global fact and a Set per
   * machine would be O(N²) for 10k machines). When given, `ctx.connected` and `connected` are this
   * view, and peerUp/peerDown only log their row and notify the algorithm.
   */
  readonly connectedView?: ReadonlySet<MachineId>;
}

const isoTime = (ms: number): string => new Date(ms).toISOString();

/**
 * One machine. Invariants: every clock event advances Lamport by the rules and the own vector
 * entry by exactly 1; non-clock rows carry the clocks unchanged; msg ids are `<self>-<seq>` with
 * seq strictly increasing; the queue is FIFO and only the engine takes from it.
 */
export class MachineEngine {
  readonly self: MachineId;
  readonly clock: MachineClock;
  private readonly algorithm: AnyAlgorithm;
  private state: unknown;
  private readonly members: readonly MachineId[];
  private readonly peers: readonly MachineId[];
  private readonly connectedPeers = new Set<MachineId>();
  private readonly connectedView: ReadonlySet<MachineId>;
  private readonly ownsLinks: boolean;
  private readonly discards: boolean;
  private queue: Envelope<unknown>[] = [];
  private queueHead = 0;
  private seq = 0;
  private ticks = 0;
  private readonly formatTime: (ms: number) => string;
  /** Per-event counts, for the summary. */
  readonly counts = new Map<string, number>();
  maxQueue = 0;

  constructor(private readonly opts: EngineOptions) {
    this.self = opts.self;
    this.algorithm = opts.algorithm;
    this.members = opts.members;
    const at = opts.members.indexOf(opts.self);
    if (at < 0) throw new RangeError(`machine ${opts.self} is not a member`);
    this.peers = [...opts.members.slice(at + 1), ...opts.members.slice(0, at)];
    this.clock = new MachineClock(opts.layout, opts.self);
    this.formatTime = opts.formatTime ?? isoTime;
    this.connectedView = opts.connectedView ?? this.connectedPeers;
    this.ownsLinks = opts.connectedView === undefined;
    this.discards = opts.sink.discards === true;
    this.state = this.algorithm.init(this.context());
  }

  /** Messages waiting in the network queue. */
  get queueLength(): number {
    return this.queue.length - this.queueHead;
  }

  /** Ticks performed so far. */
  get tickCount(): number {
    return this.ticks;
  }

  /** The last msg sequence number used (for --append restores). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Continues clocks and msg numbering from an earlier log (never moves backwards). */
  restore(lamport: number, vector: ReadonlyMap<MachineId, number>, lastSeq: number): void {
    this.clock.restore(lamport, vector);
    if (lastSeq > this.seq) this.seq = lastSeq;
  }

  /** Logs a row that does not advance the clocks (START, READY, CONNECT, ERROR, STOP, ...). */
  note(event: string, detail = '', peer = '', msgId = ''): void {
    this.emit(event, peer, msgId, detail);
  }

  /** Logs START with the algorithm's own detail appended. */
  start(detail: string): void {
    const extra = this.algorithm.startDetail?.(this.state) ?? '';
    this.note('START', extra ? `${detail} ${extra}` : detail);
  }

  /** A message arrived from the network (already validated at the frame level). */
  arrive(env: Envelope<unknown>): void {
    const body = this.algorithm.parseBody(env.body);
    if (body === null) {
      this.note('ERROR', `reason=bad_body from=${env.from}`, String(env.from), env.id);
      return;
    }
    const typed: Envelope<unknown> = body === env.body ? env : { ...env, body };
    if (this.algorithm.receiveMode === 'on-arrival') {
      this.receive(typed);
      return;
    }
    this.queue.push(typed);
    const len = this.queueLength;
    if (len > this.maxQueue) this.maxQueue = len;
  }

  /** One tick: take one queued message (one-per-tick mode) or let the algorithm act. */
  tick(): void {
    this.ticks++;
    if (this.algorithm.receiveMode === 'one-per-tick' && this.queueHead < this.queue.length) {
      const env = this.queue[this.queueHead]!;
      this.queue[this.queueHead] = undefined as unknown as Envelope<unknown>;
      this.queueHead++;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.receive(env);
      return;
    }
    // explicit literals, not `{ ...this.context(), tick }`: spreading costs ~2x the simulator's speed
    const ctx: TickContext = {
      self: this.self,
      members: this.members,
      peers: this.peers,
      now: this.opts.clock.sinceStartMs(),
      rng: this.opts.rng,
      lamport: this.clock.lamport,
      connected: this.connectedView,
      tick: this.ticks,
    };
    this.apply(this.algorithm.onTick(this.state, ctx));
  }

  /** The link to `peer` came up (our outgoing connection). */
  peerUp(peer: MachineId, detail = ''): void {
    if (this.ownsLinks) this.connectedPeers.add(peer);
    this.note('CONNECT', detail, String(peer));
    if (this.algorithm.onPeerUp) this.apply(this.algorithm.onPeerUp(this.state, peer, this.context()));
  }

  /** The link to `peer` went down. */
  peerDown(peer: MachineId, detail = ''): void {
    if (this.ownsLinks) this.connectedPeers.delete(peer);
    this.note('DISCONNECT', detail, String(peer));
    if (this.algorithm.onPeerDown) this.apply(this.algorithm.onPeerDown(this.state, peer, this.context()));
  }

  /** Peers whose outgoing link is up. */
  get connected(): ReadonlySet<MachineId> {
    return this.connectedView;
  }

  /** The algorithm's state (read-only use: status display, tests). */
  get algorithmState(): unknown {
    return this.state;
  }

  private receive(env: Envelope<unknown>): void {
    this.clock.receive(env.lamport, env.vector);
    const describe = this.algorithm.describe?.(env.body) ?? '';
    this.emit(RECEIVE, String(env.from), env.id, describe);
    const ctx: MessageContext = {
      self: this.self,
      members: this.members,
      peers: this.peers,
      now: this.opts.clock.sinceStartMs(),
      rng: this.opts.rng,
      lamport: this.clock.lamport,
      connected: this.connectedView,
      msgLamport: env.lamport,
      msgId: env.id,
    };
    this.apply(this.algorithm.onMessage(this.state, env.from, env.body, ctx));
  }

  private apply(effects: readonly Effect<unknown>[]): void {
    for (const effect of effects) {
      if (effect.kind === 'send') this.send(effect.to, effect.body);
      else if (effect.kind === 'event') {
        if (NON_CLOCK_EVENTS.has(effect.event)) throw new Error(`algorithm used non-clock name ${effect.event} for a clock event`);
        this.clock.local();
        this.emit(effect.event, effect.peer?.join(';') ?? '', '', effect.detail ?? '');
      } else {
        if (!NON_CLOCK_EVENTS.has(effect.event)) throw new Error(`algorithm note ${effect.event} is not a non-clock event name`);
        this.emit(effect.event, effect.peer?.join(';') ?? '', '', effect.detail ?? '');
      }
    }
  }

  private send(to: readonly MachineId[], body: unknown): void {
    if (to.length === 0) return;
    this.seq++;
    const id = `${this.self}-${this.seq}`;
    this.clock.local();
    const env: Envelope<unknown> = {
      id,
      from: this.self,
      lamport: this.clock.lamport,
      vector: this.clock.snapshotVector(),
      body,
    };
    // The SEND row reaches the OS before any byte of the message reaches a socket.
    this.emit(SEND, to.join(';'), id, this.algorithm.describe?.(body) ?? '');
    for (const peer of to) {
      const sent = this.opts.outbox.send(peer, env);
      if (sent !== true) this.emit('DROP', String(peer), id, sent === false ? 'reason=peer_down' : `reason=${sent}`);
    }
  }

  private context(): Context {
    return {
      self: this.self,
      members: this.members,
      peers: this.peers,
      now: this.opts.clock.sinceStartMs(),
      rng: this.opts.rng,
      lamport: this.clock?.lamport ?? 0,
      connected: this.connectedView,
    };
  }

  private emit(event: string, peer: string, msgId: string, detail: string): void {
    this.counts.set(event, (this.counts.get(event) ?? 0) + 1);
    if (this.discards) return;
    const epoch = this.opts.clock.epochMs();
    this.opts.sink.write({
      time: this.formatTime(epoch),
      epoch_ms: epoch,
      machine: this.self,
      event,
      lamport: this.clock.lamport,
      vector: this.clock.formatVector(),
      queue_len: this.queueLength,
      peer,
      msg_id: msgId,
      detail,
    });
  }
}

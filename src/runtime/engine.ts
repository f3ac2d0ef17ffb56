/**
 * The machine engine: one machine's algorithm, clocks, network queue and message numbering,
 * independent of how time passes and how bytes move. Real processes (runtime/host/machine.ts over
 * TCP), the simulator (runtime/sim) and the model checker (check/model.ts, through `reload`) drive
 * it. For every effect it stamps the clocks, hands the log row to the sink and only then gives the
 * message to the outbox: a SEND row always reaches the log before its message reaches the network.
 */
import type { AnyAlgorithm, Context, Effect, MessageContext, TickContext } from '../core/algorithm.js';
import { MachineClock } from '../core/clock.js';
import { RECEIVE, SEND } from '../core/events.js';
import { NON_CLOCK_EVENTS } from '../algorithms/registry.js';
import type { LogRow } from '../core/logRow.js';
import type { Rng } from '../core/rng.js';
import type { Envelope, MachineId } from '../core/types.js';
import type { VectorLayout } from '../core/vector.js';
import { formatDetail, parseDetail } from '../core/logRow.js';
import { RowLimiter, type RowLimit, type RowSummary, formatReasons } from './rowLimiter.js';

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
  /**
   * Most messages the network queue may hold (one-per-tick algorithms); a message arriving at a
   * full queue is refused: not queued, logged `DROP reason=queue_full dir=in` (rate-limited, see
   * QUEUE_FULL_ROW_LIMIT). Undefined: unbounded (the simulator, whose peers are all honest).
   */
  readonly maxQueue?: number;
}

/** Real machines' default for EngineOptions.maxQueue (`--max-queue`): ~10 MB of queued envelopes at 3 machines. */
export const DEFAULT_MAX_QUEUE = 10_000;

/**
 * ERROR rows per source (a remote address, else a peer): the first 10 of a 10 s window as they
 * come, the rest as one `ERROR reason=rate_limited source=... count=...` row when the window ends.
 */
export const ERROR_ROW_LIMIT: RowLimit = { burst: 10, windowMs: 10_000 };

/**
 * DROP reason=queue_full rows per sender: the first 100 of a 1 s window one per message (with its
 * msg_id), the rest as one `DROP reason=queue_full dir=in count=...` row (no msg_id) per window.
 */
export const QUEUE_FULL_ROW_LIMIT: RowLimit = { burst: 100, windowMs: 1000 };

/**
 * Who an ERROR row is about, for rate limiting: the peer when the row names one in its peer column
 * (an authenticated connection, or one we dialed), else the address of `remote=` (port stripped, so
 * every connection from one host counts as one source), else `local`.
 */
export function errorSource(detail: Map<string, string>, peer: string): string {
  if (peer) return `peer:${peer}`;
  const remote = detail.get('remote');
  if (remote !== undefined) {
    const colon = remote.lastIndexOf(':');
    return colon > 0 ? remote.slice(0, colon) : remote;
  }
  return 'local';
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
  private connectedView: ReadonlySet<MachineId>;
  private readonly ownsLinks: boolean;
  private readonly discards: boolean;
  private queue: Envelope<unknown>[] = [];
  private queueHead = 0;
  private seq = 0;
  private ticks = 0;
  private readonly formatTime: (ms: number) => string;
  private readonly maxQueueLength: number;
  private errorLimiter = new RowLimiter(ERROR_ROW_LIMIT);
  private refusalLimiter = new RowLimiter(QUEUE_FULL_ROW_LIMIT);
  /** Messages refused by the full queue (all of them, logged one by one or in a summary). */
  refused = 0;
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
    this.maxQueueLength = opts.maxQueue ?? Infinity;
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

  /**
   * Puts the engine into a stored machine state, for the model checker, which drives one engine
   * per machine over many stored states (src/check/model.ts); real machines and the simulator
   * never call it. Afterwards the engine behaves as a new one built with the same options would
   * (queue empty, no ticks counted, no rows rate-limited, nothing refused) after its algorithm's
   * `init` returned `state` and `restore` set these clocks and `lastSeq`, except that the clocks
   * are set exactly (they may move backwards: the next stored state may be any), `counts` go on
   * accumulating (nothing the engine does depends on them) and, when the runtime owns the link
   * state (EngineOptions.connectedView), `connectedView` replaces that view. `vector` is copied,
   * in layout order.
   */
  reload(state: unknown, lamport: number, vector: readonly number[], lastSeq: number, connectedView?: ReadonlySet<MachineId>): void {
    const own = this.clock.vector;
    if (vector.length !== own.length) throw new RangeError(`vector of ${vector.length} entries for a layout of ${own.length}`);
    this.state = state;
    this.clock.lamport = lamport;
    for (let i = 0; i < own.length; i++) own[i] = vector[i]!;
    this.seq = lastSeq > 0 ? lastSeq : 0;
    this.ticks = 0;
    if (this.queue.length) this.queue = [];
    this.queueHead = 0;
    if (this.errorLimiter.active) this.errorLimiter = new RowLimiter(ERROR_ROW_LIMIT);
    if (this.refusalLimiter.active) this.refusalLimiter = new RowLimiter(QUEUE_FULL_ROW_LIMIT);
    this.refused = 0;
    this.maxQueue = 0;
    if (connectedView !== undefined) {
      if (this.ownsLinks) throw new Error('reload: this engine owns its link state (no connectedView was given)');
      this.connectedView = connectedView;
    } else if (this.ownsLinks) this.connectedPeers.clear();
  }

  /**
   * Logs a row that does not advance the clocks (START, READY, CONNECT, ERROR, STOP, ...). ERROR
   * rows are rate-limited per source (ERROR_ROW_LIMIT); STOP is preceded by the summary rows of
   * whatever is still counted, so nothing refused or suppressed goes unreported.
   */
  note(event: string, detail = '', peer = '', msgId = ''): void {
    if (event === 'ERROR') {
      const d = parseDetail(detail);
      const now = this.opts.clock.sinceStartMs();
      if (!this.errorLimiter.admit(errorSource(d, peer), d.get('reason') ?? 'unknown', peer, now, this.errorSummary)) return;
    } else if (event === 'STOP') this.flushLimited(Infinity, true);
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
    if (this.queueLength >= this.maxQueueLength) {
      this.refuse(typed);
      return;
    }
    this.queue.push(typed);
    const len = this.queueLength;
    if (len > this.maxQueue) this.maxQueue = len;
  }

  /** One tick: take one queued message (one-per-tick mode) or let the algorithm act. */
  tick(): void {
    this.ticks++;
    if (this.errorLimiter.active || this.refusalLimiter.active) this.flushLimited(this.opts.clock.sinceStartMs(), false);
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

  /** A message arrived at a full queue: counted, logged as DROP dir=in (rate-limited), never queued. */
  private refuse(env: Envelope<unknown>): void {
    this.refused++;
    const from = String(env.from);
    if (this.refusalLimiter.admit(from, 'queue_full', from, this.opts.clock.sinceStartMs(), this.refusalSummary)) {
      this.emit('DROP', from, env.id, formatDetail({ reason: 'queue_full', dir: 'in', limit: this.maxQueueLength }));
    }
  }

  private flushLimited(nowMs: number, all: boolean): void {
    this.refusalLimiter.flush(nowMs, this.refusalSummary, all);
    this.errorLimiter.flush(nowMs, this.errorSummary, all);
  }

  private readonly refusalSummary = (s: RowSummary): void => {
    this.emit('DROP', s.peer, '', formatDetail({ reason: 'queue_full', dir: 'in', limit: this.maxQueueLength, count: s.count, window_ms: s.windowMs }));
  };

  private readonly errorSummary = (s: RowSummary): void => {
    const peer = s.source.startsWith('peer:') ? s.source.slice(5) : '';
    this.emit('ERROR', peer, '', formatDetail({ reason: 'rate_limited', source: s.source, count: s.count, window_ms: s.windowMs, reasons: formatReasons(s.byReason) }));
  };

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

/**
 * Network faults injected by the transport itself: a {@link Transport} decorator around
 * the TCP transport that delays, loses or blocks what this machine sends, per directed link, by the
 * rules of faults/link.ts. No root, no kernel modules, no packet filters: connections
 * stay up; only message writes are affected.
 *
 * - delay: the message is written later (a timer), per-link FIFO kept: a message is due at
 *   max(now + delay, due time of the previous message on that link);
 * - loss: the message is not written; send() returns `injected_loss` and the engine logs
 *   `DROP reason=injected_loss`;
 * - partition: a blocked link writes nothing; send() returns `partitioned` (`DROP reason=partitioned`).
 *   Blocks come from this machine's own `--partition` windows (counted from its READY, see
 *   markReady) and from start-all over IPC (setBlocks), whichever blocks.
 * Rules apply when a message is sent: one already delayed ("on the wire") is written even if a
 * partition starts meanwhile. A delayed message whose link is down when it comes due is reported
 * through the drop sink (`DROP reason=peer_down after_delay_ms=…`): nothing is lost silently while
 * the machine runs. What is still delayed at close() is discarded (in flight when the machine stopped).
 */
import { performance } from 'node:perf_hooks';
import { Rng, deriveSeed } from '../../core/rng.js';
import type { Envelope, MachineId } from '../../core/types.js';
import type { Transport } from '../transport.js';
import {
  type DelayRule,
  type LinkBlock,
  type LossRule,
  type Partition,
  type LinkRules,
  decideLinkFate,
  isBlocked,
  partitionBlocks,
} from '../../faults/link.js';
import type { SupervisorMessage } from '../ipc.js';

/** Receives messages that were accepted by send() but could not be written when they came due. */
export type LateDropSink = (peer: MachineId, env: Envelope<unknown>, detail: string) => void;

export interface FaultyTransportOptions {
  readonly self: MachineId;
  /** Every machine of the run (two-way partitions put unnamed machines in one more group). */
  readonly members: readonly MachineId[];
  readonly inner: Transport;
  readonly rules: LinkRules;
  /** This machine's own partition windows, counted from markReady(). */
  readonly partitions?: readonly Partition[];
  /** Draws for loss and delay; derive it from the machine's seed so runs replay. */
  readonly rng: Rng;
  /** Monotonic ms (default performance.now). */
  readonly now?: () => number;
}

/** A message waiting out its delay on one link. */
interface Delayed {
  readonly env: Envelope<unknown>;
  readonly dueMs: number;
  readonly delayMs: number;
}

/** The delay line of one directed link. Invariant: `queue` is sorted by dueMs; `lastDueMs` ≥ every dueMs queued. */
interface LinkLine {
  queue: Delayed[];
  head: number;
  lastDueMs: number;
  timer: NodeJS.Timeout | null;
}

/**
 * The decorator. Invariants: with no rule and no block, send() is the inner send; messages on one
 * link reach the inner transport in send() order; every message given to send() is written, returned
 * as dropped (false or a reason), reported to the drop sink, or still delayed at close().
 */
export class FaultyTransport implements Transport {
  private readonly self: MachineId;
  private readonly inner: Transport;
  private readonly rules: LinkRules;
  private readonly rng: Rng;
  private readonly now: () => number;
  private readonly scheduled: { readonly partition: Partition; readonly blocks: readonly LinkBlock[] }[];
  private readonly lines = new Map<MachineId, LinkLine>();
  private ipcBlocks: readonly LinkBlock[] = [];
  private readyAtMs: number | null = null;
  private closed = false;
  private dropSink: LateDropSink | null = null;
  private readonly pendingDrops: [MachineId, Envelope<unknown>, string][] = [];
  /** False when there is nothing to apply: send() goes straight through. */
  private readonly hasRules: boolean;

  constructor(opts: FaultyTransportOptions) {
    this.self = opts.self;
    this.inner = opts.inner;
    this.rules = opts.rules;
    this.rng = opts.rng;
    this.now = opts.now ?? (() => performance.now());
    this.scheduled = (opts.partitions ?? []).map((p) => ({ partition: p, blocks: partitionBlocks(p, opts.members) }));
    this.hasRules = opts.rules.delays.length > 0 || opts.rules.losses.length > 0;
  }

  listen(): Promise<void> {
    return this.inner.listen();
  }

  connectAll(): void {
    this.inner.connectAll();
  }

  isUp(peer: MachineId): boolean {
    return this.inner.isUp(peer);
  }

  pause(): void {
    this.inner.pause?.();
  }

  resume(): void {
    this.inner.resume?.();
  }

  /**
   * Applies the link's fate: returns `partitioned` or `injected_loss` (nothing written), the inner
   * send's result when the message goes at once, or true when it was queued behind a delay.
   */
  send(peer: MachineId, env: Envelope<unknown>): boolean | string {
    const line = this.lines.get(peer);
    const queued = line !== undefined && line.head < line.queue.length;
    if (!this.hasRules && !queued && this.ipcBlocks.length === 0 && this.scheduled.length === 0) return this.inner.send(peer, env);
    const verdict = decideLinkFate(this.rules, this.blockedTo(peer), this.self, peer, this.rng);
    if (verdict.drop !== null) return verdict.drop;
    if (verdict.delayMs <= 0 && !queued) return this.inner.send(peer, env);
    this.enqueue(peer, env, verdict.delayMs);
    return true;
  }

  /** Stops every delay timer (discarding what waits) and closes the inner transport. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    for (const line of this.lines.values()) {
      if (line.timer) clearTimeout(line.timer);
      line.timer = null;
      line.queue = [];
      line.head = 0;
    }
    return this.inner.close();
  }

  /** Starts the clock of this machine's own partition windows (call at READY). Only the first call counts. */
  markReady(): void {
    this.readyAtMs ??= this.now();
  }

  /** Replaces the blocks start-all imposes (the partitions in force now). */
  setBlocks(blocks: readonly LinkBlock[]): void {
    this.ipcBlocks = blocks;
  }

  /** Where late drops go (the engine's DROP rows). Drops that happened before are delivered now, in order. */
  setDropSink(sink: LateDropSink): void {
    this.dropSink = sink;
    for (const [peer, env, detail] of this.pendingDrops.splice(0)) sink(peer, env, detail);
  }

  /** Messages still waiting out a delay, over all links. */
  get delayedCount(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.queue.length - line.head;
    return n;
  }

  /** True when a block (from start-all or an own window in force now) covers self → peer. */
  private blockedTo(peer: MachineId): boolean {
    if (this.ipcBlocks.length > 0 && isBlocked(this.ipcBlocks, this.self, peer)) return true;
    if (this.scheduled.length === 0 || this.readyAtMs === null) return false;
    const t = this.now() - this.readyAtMs;
    for (const { partition, blocks } of this.scheduled) {
      if (partition.fromMs <= t && t < partition.toMs && isBlocked(blocks, this.self, peer)) return true;
    }
    return false;
  }

  private enqueue(peer: MachineId, env: Envelope<unknown>, delayMs: number): void {
    let line = this.lines.get(peer);
    if (!line) {
      line = { queue: [], head: 0, lastDueMs: -Infinity, timer: null };
      this.lines.set(peer, line);
    }
    const dueMs = Math.max(this.now() + delayMs, line.lastDueMs);
    line.lastDueMs = dueMs;
    line.queue.push({ env, dueMs, delayMs });
    if (!line.timer) this.arm(peer, line);
  }

  private arm(peer: MachineId, line: LinkLine): void {
    if (this.closed || line.head >= line.queue.length) return;
    const wait = Math.max(0, line.queue[line.head]!.dueMs - this.now());
    line.timer = setTimeout(() => {
      line.timer = null;
      this.flush(peer, line);
    }, Math.ceil(wait));
  }

  /** Writes every message of the line that is due, in order, then re-arms for the next. */
  private flush(peer: MachineId, line: LinkLine): void {
    if (this.closed) return;
    const now = this.now();
    while (line.head < line.queue.length && line.queue[line.head]!.dueMs <= now + 0.5) {
      const d = line.queue[line.head]!;
      line.head++;
      const sent = this.inner.send(peer, d.env);
      if (sent !== true) this.lateDrop(peer, d.env, `reason=${sent === false ? 'peer_down' : sent} after_delay_ms=${Math.round(d.delayMs)}`);
    }
    if (line.head >= line.queue.length) {
      line.queue = [];
      line.head = 0;
    } else if (line.head > 1024) {
      line.queue = line.queue.slice(line.head);
      line.head = 0;
    }
    this.arm(peer, line);
  }

  private lateDrop(peer: MachineId, env: Envelope<unknown>, detail: string): void {
    if (this.dropSink) this.dropSink(peer, env, detail);
    else this.pendingDrops.push([peer, env, detail]);
  }
}

/** Label mixed into the machine's seed for the link-fault draws (a prime, unlike other labels). */
export const LINK_FAULT_SEED_LABEL = 7919;

/** What run-machine needs to put link faults around its transport. */
export interface MachineLinkFaultOptions {
  readonly self: MachineId;
  readonly members: readonly MachineId[];
  /** The machine's seed; the fault Rng is `deriveSeed(seed, LINK_FAULT_SEED_LABEL)`. */
  readonly seed: number;
  readonly delays?: readonly DelayRule[];
  readonly losses?: readonly LossRule[];
  readonly partitions?: readonly Partition[];
}

/**
 * The glue between run-machine and {@link FaultyTransport}: wraps the transport, starts the own
 * partition windows at READY, turns late drops into DROP rows and applies start-all's IPC updates.
 * Order-independent: IPC updates and drops that arrive before the transport or the engine exist are
 * kept and applied once they do.
 */
export class MachineLinkFaults {
  private transport: FaultyTransport | null = null;
  private blocks: readonly LinkBlock[] = [];

  constructor(private readonly opts: MachineLinkFaultOptions) {}

  /** Wraps the machine's transport (call once, in createTransport). */
  wrap(inner: Transport): FaultyTransport {
    const o = this.opts;
    this.transport = new FaultyTransport({
      self: o.self,
      members: o.members,
      inner,
      rules: { delays: o.delays ?? [], losses: o.losses ?? [] },
      partitions: o.partitions ?? [],
      rng: new Rng(deriveSeed(o.seed, LINK_FAULT_SEED_LABEL)),
    });
    this.transport.setBlocks(this.blocks);
    return this.transport;
  }

  /** Feed the machine's status updates: READY starts the own partition windows. */
  onStatus(status: { readonly type: string }): void {
    if (status.type === 'ready') this.transport?.markReady();
  }

  /** Late drops become DROP rows of the engine (rows carry the clocks unchanged). */
  attach(engine: { note(event: string, detail?: string, peer?: string, msgId?: string): void }): void {
    this.transport?.setDropSink((peer, env, detail) => engine.note('DROP', detail, String(peer), env.id));
  }

  /** Applies a `link-faults` IPC message from start-all; false for any other message. */
  onIpcMessage(msg: SupervisorMessage): boolean {
    if (msg.type !== 'link-faults') return false;
    this.blocks = msg.blocks;
    this.transport?.setBlocks(msg.blocks);
    return true;
  }
}

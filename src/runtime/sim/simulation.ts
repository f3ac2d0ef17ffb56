/**
 * Deterministic simulation: N machine engines in one process under virtual time, over an in-memory
 * network with seeded delays, loss, partitions, crashes and restarts. The same seed and options
 * give the same run, row for row. Machines get the same per-machine seeds as `start-all`
 * (deriveSeed(seed, id), then setupMachine), hence the same tick rates as a real run.
 *
 * Network semantics (documented for users in `simulate --help` and the README):
 * - Per-link delivery is FIFO, as over TCP: a message never overtakes an earlier one on its link.
 * - Loss (`loss`): each message copy is lost in flight with that probability (no row: the sender
 *   logged its SEND, the receiver never sees it; analysis reports it as lost).
 * - A link a–b is up iff both machines run and no active partition separates them. A send on a
 *   link that is down is refused: the sender logs DROP (reason=peer_down), as with a closed socket.
 * - When a link goes down (crash of either end, a partition starting) both ends that are still
 *   running log DISCONNECT and their algorithms get onPeerDown; messages in flight on that link
 *   are lost (the connection broke under them). When it comes back (restart, partition healed)
 *   both ends log CONNECT and get onPeerUp.
 * - A crash is a SIGKILL: no STOP row; the messages waiting in its queue are lost. A restart is
 *   `run-machine --append`: a new engine with the same seed (so the same tick rate), clocks and
 *   msg numbering restored from where the crash left them, a new START row (restored_rows=...) in
 *   the same log, ticks counted again from the restart.
 * - Startup: with at most `connectRowsUpTo` machines (default 64) each machine logs a CONNECT row
 *   per peer (and onPeerUp runs), like a real run. Above that, rows would grow as N² (100M rows for
 *   10k machines), so every link is simply up from the start: no CONNECT rows, no onPeerUp, only
 *   the READY row with `peers=N-1`. The same rule applies to a restarted machine's own rows.
 */
import type { AnyAlgorithm } from '../../core/algorithm.js';
import { Rng, deriveSeed } from '../../core/rng.js';
import type { Envelope, MachineId } from '../../core/types.js';
import { type VectorLayout, makeLayout } from '../../core/vector.js';
import { MachineEngine, type RowSink } from '../engine.js';
import { setupMachine, startRowDetail } from '../host/machineSetup.js';
import { type SharedResourceOut, buildRowPipeline } from '../host/rowPipeline.js';
import { EventQueue } from './eventQueue.js';
import { isoTimeFormatter } from '../../core/isoTime.js';
import { ConnectedView, LinkTable } from './network.js';
import { type DelayModel, uniformDelay } from '../../faults/delay.js';
import { type TwoWayPartition, resolvePartitionGroups } from '../../faults/link.js';
import { type MachineAt, validateFaults } from '../../faults/process.js';

export { type DelayModel, uniformDelay } from '../../faults/delay.js';

export interface SimulationOptions {
  /** Machine ids in config (ring) order. */
  readonly ids: readonly MachineId[];
  /** Builds each machine's algorithm (called again for a restarted machine: a new process). */
  readonly algorithm: (id: MachineId) => AnyAlgorithm;
  readonly seed: number;
  readonly maxTickRate?: number;
  readonly minTickRate?: number;
  readonly tickRate?: number | undefined;
  /** Delay of each message copy (default uniform 1–20 ms). */
  readonly delay?: DelayModel;
  /** Probability a message copy is lost in flight (default 0: no draw at all). */
  readonly loss?: number;
  /** Virtual run length in ms. Events at exactly durationMs still happen. */
  readonly durationMs: number;
  /** Where each machine's rows go (a log file, an in-memory list, or a discarding sink). */
  readonly sink: (id: MachineId) => RowSink;
  /**
   * The run's shared resource (`critical_section.log` of the mutex algorithms), fed by each
   * machine's row pipeline (rowPipeline.ts) as in a real run; lines arrive in global event order.
   */
  readonly sharedResource?: SharedResourceOut;
  /** Wall-clock epoch the virtual time starts at (fixed, so logs are byte-identical). */
  readonly startEpochMs?: number;
  /** Crashes (SIGKILL-like) at virtual times. */
  readonly crashes?: readonly MachineAt[];
  /** Restarts of crashed machines (like run-machine --append). */
  readonly restarts?: readonly MachineAt[];
  /**
   * Pauses (like SIGSTOP … SIGCONT): during [atMs, untilMs) the machine neither ticks nor takes
   * deliveries; what arrives meanwhile is delivered at the resume, in arrival order, and the ticks
   * it missed run then (as a real ticker catches up). Links stay up.
   */
  readonly pauses?: readonly { readonly id: MachineId; readonly atMs: number; readonly untilMs: number }[];
  /** Network partitions. */
  readonly partitions?: readonly TwoWayPartition[];
  /** Machines up to which startup logs a CONNECT row per peer (default 64). */
  readonly connectRowsUpTo?: number;
}

export interface SimMachine {
  readonly id: MachineId;
  /** The current (last) incarnation's engine. */
  engine: MachineEngine;
  readonly tickRate: number;
  readonly seed: number;
  crashed: boolean;
  /** START rows written (1 + restarts). */
  starts: number;
}

export interface SimulationResult {
  readonly machines: readonly SimMachine[];
  /** Events processed: ticks, deliveries (including those lost on arrival) and faults. */
  readonly events: number;
  /** Virtual ms simulated. */
  readonly virtualMs: number;
  /** Message copies handed to the network (one per destination of each send on an up link). */
  readonly copies: number;
  /** Copies delivered to a machine's engine. */
  readonly delivered: number;
  /** Copies lost: random loss, broken links, crashed receivers (queued or in flight). */
  readonly lost: number;
  /** Copies still in flight or queued when the run ended. */
  readonly pendingAtEnd: number;
  /** Rows per event name over every machine and incarnation (SEND, DROP, ...). */
  readonly counts: ReadonlyMap<string, number>;
}

/** The default virtual epoch: 2026-01-01T00:00:00Z. */
export const DEFAULT_SIM_EPOCH = Date.UTC(2026, 0, 1);

/** Default of {@link SimulationOptions.connectRowsUpTo}. */
export const DEFAULT_CONNECT_ROWS_UP_TO = 64;

const TICK = 0;
const DELIVER = 1;
const CRASH = 2;
const RESTART = 3;
const PART_START = 4;
const PART_END = 5;
const PAUSE = 6;
const RESUME = 7;

/**
 * One heap item. Fields are reused by kind (one shape for V8):
 * TICK: m = machine index, a = incarnation, b = tick number.
 * DELIVER: m = receiver index, a = sender index, b = link breaks recorded at send time, env.
 * CRASH/RESTART/PAUSE/RESUME: m = machine index. PART_START/PART_END: m = partition index.
 */
interface SimEvent {
  readonly kind: number;
  readonly m: number;
  readonly a: number;
  /** Mutable for TICK only: each incarnation reuses one tick event (one is pending at a time). */
  b: number;
  readonly env: Envelope<unknown> | null;
}

/** A moment a set of links broke: a crash (machine index) or a partition starting. */
interface LinkBreak {
  readonly crash: number;
  readonly partition: number;
}

interface Slot {
  rec: SimMachine;
  readonly index: number;
  /** The algorithm's name, for START rows. */
  algorithm: string;
  /** The row pipeline (rowPipeline.ts), built with the first incarnation's engine. */
  sink: RowSink | null;
  /** Bumped at every crash: ticks of an earlier incarnation are ignored. */
  incarnation: number;
  /** The current incarnation's tick event, rescheduled after every tick. */
  tickEvent: SimEvent | null;
  /** Virtual ms at which the current incarnation started. */
  startedAt: number;
  /** Row counts of earlier incarnations. */
  readonly priorCounts: Map<string, number>;
  /** True while paused. */
  paused: boolean;
  /** The tick that came due while paused (run at the resume). */
  heldTick: SimEvent | null;
  /** Deliveries that arrived while paused, in arrival order (made at the resume). */
  held: SimEvent[];
}

function addCounts(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function sumCounts(counts: ReadonlyMap<string, number>): number {
  let s = 0;
  for (const v of counts.values()) s += v;
  return s;
}

/**
 * Runs a simulation to its duration: `new Simulation(opts).run()`. Invariants: same options → same
 * rows in the same order; per-link FIFO; a machine's clocks never go backwards, restarts included.
 * Throws LabError INVALID_OPTION for faults naming unknown machines or out-of-order crash/restart
 * schedules.
 */
export function runSimulation(opts: SimulationOptions): SimulationResult {
  return new Simulation(opts).run();
}

/**
 * One simulated run: the machines, the in-memory network and the virtual clock, with the faults as
 * methods (crash, restart, partition, pause, resume, deliver) and the event loop in view (start,
 * step, finish; run does all three). Machines are addressed by their index in ring order inside.
 * Invariant: events are processed in (time, insertion) order, and each kind of event does exactly
 * what its method says, so a driver that calls the methods itself gets the same rows as the loop.
 */
export class Simulation {
  private readonly ids: readonly MachineId[];
  private readonly n: number;
  private readonly layout: VectorLayout;
  private readonly indexOf = new Map<MachineId, number>();
  private readonly epoch0: number;
  private readonly formatTime = isoTimeFormatter();
  private readonly queue = new EventQueue<SimEvent>();
  private readonly netRng: Rng;
  private readonly delay: DelayModel;
  private readonly loss: number;
  private readonly connectRows: boolean;
  private readonly links: LinkTable;
  private readonly breaks: LinkBreak[] = [];
  /** Per-link time of the last scheduled delivery (key from*n+to), kept only while in flight. */
  private readonly linkLast = new Map<number, number>();
  private readonly slots: Slot[] = [];
  /** Virtual ms now. */
  private now = 0;
  private lost = 0;
  private copies = 0;
  private delivered = 0;
  private inFlight = 0;
  private events = 0;
  private started = false;

  constructor(private readonly opts: SimulationOptions) {
    const ids = (this.ids = opts.ids);
    const n = (this.n = ids.length);
    this.layout = makeLayout(ids);
    ids.forEach((id, i) => this.indexOf.set(id, i));
    validateFaults(ids, opts.crashes ?? [], opts.restarts ?? []);
    this.epoch0 = opts.startEpochMs ?? DEFAULT_SIM_EPOCH;
    this.netRng = new Rng(deriveSeed(opts.seed, 0));
    this.delay = opts.delay ?? uniformDelay(1, 20);
    this.loss = opts.loss ?? 0;
    this.connectRows = n <= (opts.connectRowsUpTo ?? DEFAULT_CONNECT_ROWS_UP_TO);
    this.links = new LinkTable(n);
    for (const p of opts.partitions ?? []) {
      const groups = resolvePartitionGroups(p, ids);
      const group = new Int32Array(n);
      groups.forEach((g, k) => {
        for (const id of g) group[this.indexOf.get(id)!] = k;
      });
      this.links.addPartition(group);
    }
  }

  /** Virtual ms now. */
  get time(): number {
    return this.now;
  }

  /** Runs startup, every event up to the duration, then the end of the run. */
  run(): SimulationResult {
    this.start();
    while (this.step()) {
      // each step is one event of the queue
    }
    return this.finish();
  }

  /**
   * Startup: every machine STARTs, then connects and is READY, then its first tick is scheduled;
   * the scheduled faults are queued. Once only.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { ids, n, opts, queue, indexOf } = this;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      const { seed, rng, tickRate } = this.machineSetup(id);
      const slot: Slot = {
        index: i,
        sink: null,
        startedAt: 0,
        incarnation: 0,
        tickEvent: null,
        priorCounts: new Map(),
        algorithm: '',
        rec: null as unknown as SimMachine,
        paused: false,
        heldTick: null,
        held: [],
      };
      slot.rec = { id, engine: this.newEngine(slot, rng), tickRate, seed, crashed: false, starts: 1 };
      this.slots.push(slot);
    }
    for (const slot of this.slots) slot.rec.engine.start(this.startDetail(slot));
    for (const slot of this.slots) {
      const e = slot.rec.engine;
      if (this.connectRows) for (const b of this.upPeers(slot.index)) e.peerUp(ids[b]!);
      e.note('READY', `peers=${n - 1}`);
      this.scheduleTick(slot, 1);
    }
    for (const c of opts.crashes ?? []) queue.push(c.atMs, { kind: CRASH, m: indexOf.get(c.id)!, a: 0, b: 0, env: null });
    for (const r of opts.restarts ?? []) queue.push(r.atMs, { kind: RESTART, m: indexOf.get(r.id)!, a: 0, b: 0, env: null });
    for (const p of opts.pauses ?? []) {
      queue.push(p.atMs, { kind: PAUSE, m: indexOf.get(p.id)!, a: 0, b: 0, env: null });
      queue.push(p.untilMs, { kind: RESUME, m: indexOf.get(p.id)!, a: 0, b: 0, env: null });
    }
    (opts.partitions ?? []).forEach((p, k) => {
      queue.push(p.fromMs, { kind: PART_START, m: k, a: 0, b: 0, env: null });
      if (p.toMs !== Infinity) queue.push(p.toMs, { kind: PART_END, m: k, a: 0, b: 0, env: null });
    });
  }

  /** Processes the next event due within the duration; false when none is left. */
  step(): boolean {
    const queue = this.queue;
    if (queue.peekTime() > this.opts.durationMs) return false;
    const ev = queue.popItem()!;
    this.now = queue.lastTime;
    if (ev.kind !== TICK) this.events++; // a tick counts only when it runs (below)
    switch (ev.kind) {
      case TICK: {
        const slot = this.slots[ev.m]!;
        if (slot.incarnation !== ev.a) return true;
        if (slot.paused) {
          slot.heldTick = ev;
          return true;
        }
        this.events++;
        slot.rec.engine.tick();
        this.scheduleTick(slot, ev.b + 1);
        break;
      }
      case DELIVER: {
        const key = ev.a * this.n + ev.m;
        if (this.linkLast.get(key) === this.now) this.linkLast.delete(key);
        const slot = this.slots[ev.m]!;
        if (slot.paused && this.links.alive[ev.m]) slot.held.push(ev);
        else this.deliver(ev);
        break;
      }
      case CRASH:
        this.crash(ev.m);
        break;
      case RESTART:
        this.restart(ev.m);
        break;
      case PAUSE:
        this.pause(ev.m);
        break;
      case RESUME:
        this.resume(ev.m);
        break;
      case PART_START:
        this.partition(ev.m, true);
        break;
      case PART_END:
        this.partition(ev.m, false);
        break;
    }
    return true;
  }

  /** The end of the run: time is the duration, every running machine logs STOP; the totals. */
  finish(): SimulationResult {
    const end = this.opts.durationMs;
    this.now = end;
    let pendingAtEnd = this.inFlight;
    for (const slot of this.slots) {
      if (slot.rec.crashed) continue;
      pendingAtEnd += slot.rec.engine.queueLength;
      slot.rec.engine.note('STOP', 'reason=duration');
    }
    const counts = new Map<string, number>();
    for (const slot of this.slots) {
      addCounts(counts, slot.priorCounts);
      addCounts(counts, slot.rec.engine.counts);
    }
    const { events, copies, delivered, lost } = this;
    return { machines: this.slots.map((s) => s.rec), events, virtualMs: end, copies, delivered, lost, pendingAtEnd, counts };
  }

  /** A crash (SIGKILL) of machine index a: its queue is lost, its running peers see the link go down. */
  crash(a: number): void {
    const slot = this.slots[a]!;
    const links = this.links;
    if (!links.alive[a]) return;
    const peers = this.upPeers(a);
    links.alive[a] = 0;
    this.breaks.push({ crash: a, partition: -1 });
    slot.rec.crashed = true;
    slot.incarnation++;
    this.lost += slot.rec.engine.queueLength + slot.held.length;
    this.inFlight -= slot.held.length;
    slot.held = [];
    slot.heldTick = null;
    slot.paused = false;
    for (const b of peers) this.slots[b]!.rec.engine.peerDown(this.ids[a]!, 'reason=crashed');
  }

  /** A restart (run-machine --append) of crashed machine index a: a new engine, clocks restored. */
  restart(a: number): void {
    const slot = this.slots[a]!;
    const { links, ids, layout } = this;
    if (links.alive[a]) return;
    const old = slot.rec.engine;
    addCounts(slot.priorCounts, old.counts);
    links.alive[a] = 1;
    slot.rec.crashed = false;
    slot.rec.starts++;
    slot.startedAt = this.now;
    const { rng } = this.machineSetup(slot.rec.id);
    const engine = this.newEngine(slot, rng);
    const vector = new Map<MachineId, number>();
    const v = old.clock.vector;
    for (let j = 0; j < v.length; j++) if (v[j]! > 0) vector.set(layout.ids[j]!, v[j]!);
    engine.restore(old.clock.lamport, vector, old.lastSeq);
    slot.rec.engine = engine;
    engine.start(this.startDetail(slot, sumCounts(slot.priorCounts)));
    const peers = this.upPeers(a);
    if (this.connectRows) for (const b of peers) engine.peerUp(ids[b]!, 'reason=restart');
    for (const b of peers) this.slots[b]!.rec.engine.peerUp(ids[a]!, 'reason=restart');
    engine.note('READY', `peers=${peers.length}`);
    this.scheduleTick(slot, 1);
  }

  /**
   * Partition p starts or ends: every pair it separates whose link changes state (both alive and
   * no other active partition between them) logs DISCONNECT or CONNECT on both ends. O(N²).
   */
  partition(p: number, start: boolean): void {
    const { links, n, ids } = this;
    const group = links.partitions[p]!.group;
    links.setActive(p, start);
    if (start) this.breaks.push({ crash: -1, partition: p });
    const reason = start ? 'reason=partition' : 'reason=healed';
    for (let a = 0; a < n; a++) {
      if (!links.alive[a]) continue;
      for (let b = a + 1; b < n; b++) {
        if (group[a] === group[b] || !links.alive[b] || links.separatedExcept(a, b, p)) continue;
        const ea = this.slots[a]!.rec.engine;
        const eb = this.slots[b]!.rec.engine;
        if (start) {
          ea.peerDown(ids[b]!, reason);
          eb.peerDown(ids[a]!, reason);
        } else {
          ea.peerUp(ids[b]!, reason);
          eb.peerUp(ids[a]!, reason);
        }
      }
    }
  }

  /** A pause (SIGSTOP) of machine index a: no ticks, deliveries held until the resume. */
  pause(a: number): void {
    const slot = this.slots[a]!;
    if (this.links.alive[a]) slot.paused = true;
  }

  /** The end of a pause: the held deliveries in arrival order, then the held tick (catching up). */
  resume(a: number): void {
    const slot = this.slots[a]!;
    if (!slot.paused) return;
    slot.paused = false;
    const held = slot.held;
    slot.held = [];
    for (const ev of held) this.deliver(ev);
    const tick = slot.heldTick;
    slot.heldTick = null;
    if (tick !== null && tick.a === slot.incarnation) this.queue.push(this.now, tick);
  }

  /** Hands a message copy to its receiver, or counts it lost when its link broke since the send. */
  private deliver(ev: SimEvent): void {
    this.inFlight--;
    if (!this.links.alive[ev.m] || (ev.b < this.breaks.length && this.brokenSince(ev.b, ev.a, ev.m))) {
      this.lost++;
      return;
    }
    this.delivered++;
    this.slots[ev.m]!.rec.engine.arrive(ev.env!);
  }

  /** True when a break after the message was sent cut its link (from a to b). */
  private brokenSince(since: number, a: number, b: number): boolean {
    const breaks = this.breaks;
    for (let k = since; k < breaks.length; k++) {
      const br = breaks[k]!;
      if (br.crash >= 0) {
        if (br.crash === a || br.crash === b) return true;
      } else {
        const g = this.links.partitions[br.partition]!.group;
        if (g[a] !== g[b]) return true;
      }
    }
    return false;
  }

  /** A new incarnation's engine for the slot (its clock reads the slot's startedAt). */
  private newEngine(slot: Slot, rng: Rng): MachineEngine {
    const a = slot.index;
    const { ids, n, indexOf, links } = this;
    const self = ids[a]!;
    const algorithm = this.opts.algorithm(self);
    slot.algorithm = algorithm.name;
    slot.sink ??= buildRowPipeline({ self, algorithm: algorithm.name, log: this.opts.sink(self), sharedResource: this.opts.sharedResource });
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const sim = this;
    // the hot path of every send: what never changes is read once, into the closure
    const { queue, linkLast, netRng, delay, loss, breaks, epoch0 } = this;
    return new MachineEngine({
      self,
      members: ids,
      layout: this.layout,
      algorithm,
      rng,
      sink: slot.sink,
      formatTime: this.formatTime,
      connectedView: new ConnectedView(links, a, ids, indexOf),
      clock: { epochMs: () => epoch0 + Math.floor(sim.now), sinceStartMs: () => sim.now - slot.startedAt },
      outbox: {
        send(peer, env) {
          const b = indexOf.get(peer);
          if (b === undefined || !links.up(a, b)) return false;
          sim.copies++;
          if (loss > 0 && netRng.chance(loss)) {
            sim.lost++;
            return true;
          }
          const key = a * n + b;
          let at = sim.now + delay(netRng);
          const last = linkLast.get(key);
          if (last !== undefined && last > at) at = last;
          linkLast.set(key, at);
          sim.inFlight++;
          queue.push(at, { kind: DELIVER, m: b, a, b: breaks.length, env });
          return true;
        },
      },
    });
  }

  private machineSetup(id: MachineId): { seed: number; rng: Rng; tickRate: number } {
    const seed = deriveSeed(this.opts.seed, id);
    const { rng, tickRate } = setupMachine(seed, { fixed: this.opts.tickRate, max: this.opts.maxTickRate ?? 6, min: this.opts.minTickRate });
    return { seed, rng, tickRate };
  }

  private startDetail(slot: Slot, restoredRows?: number): string {
    return startRowDetail({ seed: slot.rec.seed, tickRate: slot.rec.tickRate, algorithm: slot.algorithm, more: { mode: 'simulated' }, restoredRows });
  }

  private scheduleTick(slot: Slot, k: number): void {
    let ev = slot.tickEvent;
    if (ev === null || ev.a !== slot.incarnation) ev = slot.tickEvent = { kind: TICK, m: slot.index, a: slot.incarnation, b: k, env: null };
    ev.b = k;
    // never before now: the ticks a pause held back run at its end, one after another (catching up)
    this.queue.push(Math.max(this.now, slot.startedAt + (k * 1000) / slot.rec.tickRate), ev);
  }

  /** Connected peers of slot a, in ring order after it. */
  private upPeers(a: number): number[] {
    const out: number[] = [];
    const n = this.n;
    for (let k = 1; k < n; k++) {
      const b = (a + k) % n;
      if (this.links.up(a, b)) out.push(b);
    }
    return out;
  }
}

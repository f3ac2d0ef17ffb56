/**
 * The model the checker explores: N machines running the algorithms' own code (built
 * through the registry) inside the runtime's own MachineEngine, which stamps the clocks exactly as
 * in real runs and the simulator. Nothing of an algorithm or of the clock rules is copied here:
 * for every step the machine's engine (one per machine, reused) is reloaded with a copy of the
 * machine's stored state, its clocks and message numbering (MachineEngine.reload: as a new engine
 * around that state; a start or restart builds a new engine, whose algorithm's init runs), driven
 * once, and read back.
 *
 * A global state: every machine's algorithm state, Lamport and vector clock, message sequence
 * number, ticks since its (re)start and, for 'one-per-tick' algorithms, its network queue; every
 * in-flight message per directed link (FIFO, as TCP); which machines run and which partition is in
 * force (what the failure detectors see as `ctx.connected`); how many faults were injected.
 *
 * Steps: a machine's tick (time passes only through ticks: a machine's `ctx.now` is its ticks ×
 * tickMs, so machines run at arbitrary relative speeds, which covers every tick rate and drift);
 * delivery of the head message of one link (an on-arrival algorithm receives it at once; a
 * one-per-tick machine queues it, its next tick takes it); and, with faults, a crash (links break
 * as in the simulator: peers get onPeerDown, in-flight messages on its links are lost), a restart
 * of a crashed machine (a new incarnation with its clocks and msg numbering continued, as
 * `run-machine --append`), the loss of a link's head message, a two-sided partition (links across
 * go down, both ends get onPeerDown, in-flight messages across are lost) and its heal. Every random
 * draw of a step is a choice point (choiceRng.ts). Start-up is deterministic, as in the simulator:
 * every machine STARTs, connects to every peer (onPeerUp) and is READY before the first step.
 *
 * Checked on every transition (the engine's own stamping, against the rules): Lamport rules (each
 * clock event +1, a receive max(local, sent)+1), vector rules (own entry +1 per clock event, merge
 * on receive) and the clock condition on the message edge (L(send) < L(receive) and
 * V(send) < V(receive)).
 */
import type { AnyAlgorithm, Effect } from '../core/algorithm.js';
import type { LogRow } from '../core/logRow.js';
import type { Envelope, MachineId } from '../core/types.js';
import { happenedBefore, makeLayout, type VectorLayout } from '../core/vector.js';
import { MachineEngine, type EngineClock, type Outbox, type RowSink } from '../runtime/engine.js';
import { startRowDetail } from '../runtime/host/machineSetup.js';
import { isoTimeFormatter } from '../core/isoTime.js';
import type { Abstraction } from './abstractions.js';
import { deepClone, KeyAssembler, type KeyPart, KeyWriter } from './canonical.js';
import { isStored, store, thaw } from './storedState.js';
import { ChoiceRng } from './choiceRng.js';

/** One machine in a global state. Immutable once built: a step builds a new one. */
export interface MachineSnap {
  readonly alive: boolean;
  /**
   * The algorithm's state, live or in stored form (storedState.ts, once the explorer keeps the
   * state: Model.keep); never mutated after the step that made it (steps work on a copy). Read it
   * through Model.stateOf.
   */
  readonly state: unknown;
  readonly lamport: number;
  readonly vector: readonly number[];
  readonly seq: number;
  /** Ticks since the machine's (re)start: its ctx.now is ticks × tickMs. */
  readonly ticks: number;
  /** One-per-tick algorithms: the engine's network queue. */
  readonly queue: readonly Envelope<unknown>[];
  /** Incarnations so far (1 + restarts). */
  readonly starts: number;
  /** Inside the critical section: between a CS_ENTER and a CS_EXIT effect of this incarnation. */
  readonly inside: boolean;
  /** CS_REQUEST effects so far (all incarnations); counted only under `maxRequests`. */
  readonly requests: number;
  /** Memo of this machine's part of the key, written with Lamport base 0. */
  keyCache?: KeyPart | undefined;
}

/** A message on a link: the envelope and its part of the key (written the first time it is keyed). */
export interface InFlight {
  readonly env: Envelope<unknown>;
  key: KeyPart | undefined;
}

/** A global state. Immutable; successors share unchanged parts. */
export interface GlobalState {
  readonly machines: readonly MachineSnap[];
  /** In-flight messages per directed link, index from·n + to (machine indexes), FIFO. */
  readonly links: readonly (readonly InFlight[])[];
  /** Bit i set: machine index i runs. */
  readonly aliveMask: number;
  /** 0: no partition; else bit i set for the machines on the side of machine index 0. */
  readonly partition: number;
  /** Fault steps taken (crash, drop, partition). */
  readonly faults: number;
}

export const TICK = 0;
export const DELIVER = 1;
export const CRASH = 2;
export const RESTART = 3;
export const DROP = 4;
export const PARTITION = 5;
export const HEAL = 6;

/** A step: kind, a (machine index, sender, or partition mask), b (receiver). */
export function encodeStep(kind: number, a: number, b: number): number {
  return kind | (a << 3) | (b << 11);
}
export const stepKind = (code: number): number => code & 7;
export const stepA = (code: number): number => (code >>> 3) & 0xff;
export const stepB = (code: number): number => (code >>> 11) & 0xff;

/** Which faults the explorer may inject, and how many in one run. */
export interface FaultModel {
  readonly crash: boolean;
  readonly drop: boolean;
  readonly partition: boolean;
  /** Most fault steps (crash, drop, partition) along one run; restarts and heals are free. */
  readonly max: number;
}

export const NO_FAULTS: FaultModel = { crash: false, drop: false, partition: false, max: 0 };

export interface ModelConfig {
  /** The --algorithm name (START rows). */
  readonly algorithmName: string;
  /** Builds machine `id`'s algorithm (the registry; tests may wrap it). Called once per machine. */
  readonly build: (id: MachineId) => AnyAlgorithm;
  /** Machine ids are 1..machines, in ring order. */
  readonly machines: number;
  /** Virtual ms one tick stands for. */
  readonly tickMs: number;
  readonly faults: FaultModel;
  readonly abstraction: Abstraction;
  /** Epoch of the synthetic log times (default 2026-01-01T00:00:00Z). */
  readonly startEpochMs?: number;
  /**
   * Bound on the workload of the mutex algorithms: once a machine has made this many requests
   * (CS_REQUEST effects), its chance() draws are false. The mutex algorithms draw only to decide
   * whether an idle machine requests, so this explores every run in which each machine requests at
   * most this often. Undefined: no bound.
   */
  readonly maxRequests?: number;
}

/** A broken rule on a transition, or a property broken in a state. */
export interface Finding {
  readonly property: string;
  readonly message: string;
}

const OP_TICK = 0;
const OP_DELIVER = 1;
const OP_PEER_UP = 2;
const OP_PEER_DOWN = 3;
const OP_INIT = 4;
const OP_CONNECT_ALL = 5;
const OP_RESTART = 6;

const EMPTY_MAP: ReadonlyMap<MachineId, number> = new Map();
const DISCARD: RowSink = { write() {}, discards: true };

/** The model: builds the initial state, enumerates steps, applies them (also for replays). */
export class Model {
  readonly n: number;
  readonly ids: readonly MachineId[];
  readonly layout: VectorLayout;
  readonly algorithms: readonly AnyAlgorithm[];
  readonly onePerTick: boolean;
  readonly rng = new ChoiceRng();
  private readonly wrappers: AnyAlgorithm[];
  private readonly assembler = new KeyAssembler();
  /** Writes the parts of keys (machines, messages, the rest), Lamport base 0. */
  private readonly partWriter = new KeyWriter();
  private readonly partLams: number[] = [];
  /** The key part that opens link i's messages (made on first use). */
  private readonly linkHeads: (KeyPart | undefined)[] = [];
  /** The key part that ends a state's key, by partition · 65536 + faults (made on first use). */
  private readonly tails = new Map<number, KeyPart>();
  /** The last envelope sent and its InFlight (a send to several peers is one envelope). */
  private lastSent: InFlight | null = null;
  private readonly connectedCache = new Map<number, ReadonlySet<MachineId>[]>();
  /** One engine per machine, reloaded for every step (MachineEngine.reload); rows discarded. */
  private readonly engines: (MachineEngine | undefined)[] = [];
  /** The same, writing rows into `rows` (replays). */
  private readonly recordingEngines: (MachineEngine | undefined)[] = [];
  private readonly startEpoch: number;

  // --- the step in progress -------------------------------------------------------------------
  private work: MachineSnap[] = [];
  private workAlive = 0;
  private workPartition = 0;
  private sends: { from: number; to: number; env: InFlight }[] = [];
  private curM = 0;
  private curTicks = 0;
  private slotState: unknown = null;
  private freshInit = false;
  private clockEffects = 0;
  private inside = false;
  private requests = 0;
  /** Set when the engine broke a clock rule in the step just applied. */
  violation: Finding | null = null;

  // --- recording (replays only) ---------------------------------------------------------------
  /** Rows of the current step, when recording. */
  rows: LogRow[] | null = null;
  /** Synthetic epoch ms of the rows being written. */
  epochMs: number;
  private readonly formatTime = isoTimeFormatter();
  private readonly recordSink: RowSink = { write: (row) => this.rows?.push(row) };

  private readonly outbox: Outbox = {
    send: (peer, env) => {
      const to = peer - 1;
      if (!this.linkUp(this.workAlive, this.workPartition, this.curM, to)) return false;
      let sent = this.lastSent;
      if (sent === null || sent.env !== env) this.lastSent = sent = { env, key: undefined };
      this.sends.push({ from: this.curM, to, env: sent });
      return true;
    },
  };
  private readonly clock: EngineClock = {
    epochMs: () => this.epochMs,
    sinceStartMs: () => this.curTicks * this.config.tickMs,
  };

  constructor(readonly config: ModelConfig) {
    const n = config.machines;
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new RangeError(`machines ${n} not in 1..8`);
    this.n = n;
    this.ids = Array.from({ length: n }, (_, i) => i + 1);
    this.layout = makeLayout(this.ids);
    this.algorithms = this.ids.map((id) => config.build(id));
    this.onePerTick = this.algorithms[0]!.receiveMode === 'one-per-tick';
    this.wrappers = this.algorithms.map((alg) => this.wrap(alg));
    this.startEpoch = config.startEpochMs ?? Date.UTC(2026, 0, 1);
    this.epochMs = this.startEpoch;
    this.partWriter.readsLamport = config.abstraction.readsLamport;
    this.partWriter.maxAge = config.abstraction.maxAgeMs;
    this.assembler.shift = config.abstraction.shiftLamport;
  }

  /** The algorithm as the engine sees it: init hands over the stored state, effects are observed. */
  private wrap(alg: AnyAlgorithm): AnyAlgorithm {
    const w = Object.create(alg) as { -readonly [K in keyof AnyAlgorithm]: AnyAlgorithm[K] };
    w.init = (ctx) => (this.freshInit ? alg.init(ctx) : this.slotState);
    w.onTick = (st, ctx) => this.observe(alg.onTick(st, ctx));
    w.onMessage = (st, from, body, ctx) => this.observe(alg.onMessage(st, from, body, ctx));
    if (alg.onPeerDown) w.onPeerDown = (st, peer, ctx) => this.observe(alg.onPeerDown!(st, peer, ctx));
    if (alg.onPeerUp) w.onPeerUp = (st, peer, ctx) => this.observe(alg.onPeerUp!(st, peer, ctx));
    return w;
  }

  private observe(effects: Effect<unknown>[]): Effect<unknown>[] {
    for (const e of effects) {
      if (e.kind === 'send') {
        if (e.to.length > 0) this.clockEffects++;
      } else if (e.kind === 'event') {
        this.clockEffects++;
        if (e.event === 'CS_ENTER') this.inside = true;
        else if (e.event === 'CS_EXIT') this.inside = false;
        else if (e.event === 'CS_REQUEST') this.requests++;
      }
    }
    return effects;
  }

  /** True when the link a–b is up: both run and no partition separates them. */
  linkUp(aliveMask: number, partition: number, a: number, b: number): boolean {
    if (a === b || !((aliveMask >> a) & 1) || !((aliveMask >> b) & 1)) return false;
    return partition === 0 || ((partition >> a) & 1) === ((partition >> b) & 1);
  }

  private connected(m: number): ReadonlySet<MachineId> {
    const key = this.workAlive * 256 + this.workPartition;
    let sets = this.connectedCache.get(key);
    if (!sets) {
      sets = [];
      for (let a = 0; a < this.n; a++) {
        const s = new Set<MachineId>();
        for (let k = 1; k < this.n; k++) {
          const b = (a + k) % this.n;
          if (this.linkUp(this.workAlive, this.workPartition, a, b)) s.add(this.ids[b]!);
        }
        sets.push(s);
      }
      this.connectedCache.set(key, sets);
    }
    return sets[m]!;
  }

  private startDetail(m: number, restoredRows: number | null): string {
    const rate = +(1000 / this.config.tickMs).toFixed(3);
    return startRowDetail({ seed: 0, tickRate: rate, algorithm: this.config.algorithmName, more: { mode: 'checked', tick_ms: this.config.tickMs }, restoredRows: restoredRows ?? undefined });
  }

  /**
   * Machine m's engine for a step: built around the algorithm (init hands over `slotState` or,
   * for a start, runs the algorithm's own init), with the connected view of the working state.
   */
  private newEngine(m: number): MachineEngine {
    return new MachineEngine({
      self: this.ids[m]!,
      members: this.ids,
      layout: this.layout,
      algorithm: this.wrappers[m]!,
      rng: this.rng,
      sink: this.rows ? this.recordSink : DISCARD,
      outbox: this.outbox,
      clock: this.clock,
      formatTime: this.formatTime,
      connectedView: this.connected(m),
    });
  }

  /**
   * Runs one operation on machine m of the working state. A start or restart builds a new engine
   * (the algorithm's init runs in it); any other step reloads machine m's engine (one per machine,
   * one set for exploring and one, writing rows, for replays) with a copy of the stored state.
   */
  private exec(m: number, op: number, env: Envelope<unknown> | null, peer: number, detail: string): void {
    const snap = this.work[m]!;
    const fresh = op === OP_INIT || op === OP_RESTART;
    this.freshInit = fresh;
    this.slotState = fresh ? null : isStored(snap.state) ? thaw(snap.state) : deepClone(snap.state);
    this.curM = m;
    this.curTicks = op === OP_TICK ? snap.ticks + 1 : fresh ? 0 : snap.ticks;
    this.clockEffects = 0;
    this.inside = fresh ? false : snap.inside;
    this.requests = snap.requests;
    const limit = this.config.maxRequests;
    this.rng.denyChance = limit !== undefined && snap.requests >= limit;
    const l0 = snap.lamport;
    const v0 = snap.vector;
    let engine: MachineEngine;
    if (fresh) {
      // init runs in the engine's constructor (START and a restart begin from the algorithm's init)
      engine = this.newEngine(m);
      engine.restore(l0, EMPTY_MAP, snap.seq);
      const vec = engine.clock.vector;
      for (let i = 0; i < vec.length; i++) vec[i] = v0[i]!;
    } else {
      const engines = this.rows ? this.recordingEngines : this.engines;
      engine = engines[m] ?? (engines[m] = this.newEngine(m));
      engine.reload(this.slotState, l0, v0, snap.seq, this.connected(m));
    }
    const vec = engine.clock.vector;
    let queue = snap.queue;
    if (!fresh) for (const q of queue) engine.arrive(q);
    let received: Envelope<unknown> | null = null;
    switch (op) {
      case OP_TICK:
        if (this.onePerTick && queue.length > 0) {
          received = queue[0]!;
          queue = queue.slice(1);
        }
        engine.tick();
        break;
      case OP_DELIVER: {
        engine.arrive(env!);
        if (this.onePerTick) {
          const body = this.algorithms[m]!.parseBody(env!.body);
          if (body !== null) queue = [...queue, body === env!.body ? env! : { ...env!, body }];
        } else received = env;
        break;
      }
      case OP_PEER_UP:
        engine.peerUp(this.ids[peer]!, detail);
        break;
      case OP_PEER_DOWN:
        engine.peerDown(this.ids[peer]!, detail);
        break;
      case OP_INIT:
        engine.start(this.startDetail(m, null));
        break;
      case OP_CONNECT_ALL: {
        let k = 0;
        for (let j = 1; j < this.n; j++) {
          const b = (m + j) % this.n;
          if (this.linkUp(this.workAlive, this.workPartition, m, b)) {
            engine.peerUp(this.ids[b]!, detail);
            k++;
          }
        }
        engine.note('READY', `peers=${k}`);
        break;
      }
      case OP_RESTART:
        queue = [];
        engine.start(this.startDetail(m, snap.starts));
        break;
    }
    this.checkClocks(m, l0, v0, received, engine);
    this.work[m] = {
      alive: true,
      state: engine.algorithmState,
      lamport: engine.clock.lamport,
      vector: vec.slice(),
      seq: engine.lastSeq,
      ticks: this.curTicks,
      queue,
      starts: op === OP_RESTART ? snap.starts + 1 : snap.starts,
      inside: this.inside,
      requests: this.config.maxRequests === undefined ? 0 : this.requests,
    };
  }

  /** The engine's stamping against the rules (Lamport, vector, clock condition on the message edge). */
  private checkClocks(m: number, l0: number, v0: readonly number[], received: Envelope<unknown> | null, engine: MachineEngine): void {
    if (this.violation) return;
    const k = this.clockEffects;
    const own = m; // ids 1..n: layout index = machine index
    const expected = v0.slice();
    let lr = l0;
    if (received) {
      lr = (l0 > received.lamport ? l0 : received.lamport) + 1;
      for (let i = 0; i < expected.length; i++) if (received.vector[i]! > expected[i]!) expected[i] = received.vector[i]!;
      expected[own]! += 1;
    }
    expected[own]! += k;
    const id = this.ids[m]!;
    if (engine.clock.lamport !== lr + k) {
      this.violation = { property: 'lamport-rules', message: `machine ${id}: Lamport clock ${engine.clock.lamport} after the step, expected ${lr + k}` };
      return;
    }
    const vec = engine.clock.vector;
    for (let i = 0; i < vec.length; i++) {
      if (vec[i] !== expected[i]) {
        this.violation = { property: 'vector-rules', message: `machine ${id}: vector [${vec.join(',')}] after the step, expected [${expected.join(',')}]` };
        return;
      }
    }
    if (received) {
      const atReceive = expected.slice();
      atReceive[own]! -= k;
      if (!(received.lamport < lr) || !happenedBefore(received.vector, atReceive)) {
        this.violation = { property: 'clock-condition', message: `machine ${id}: receive of ${received.id} is not after its send by both clocks` };
      }
    }
  }

  private begin(s: GlobalState): void {
    this.work = s.machines.slice();
    this.workAlive = s.aliveMask;
    this.workPartition = s.partition;
    this.sends = [];
    this.violation = null;
  }

  /** The links after the step: `base` (already copied where changed) plus the step's sends. */
  private finish(s: GlobalState, links: (readonly InFlight[])[], faults: number): GlobalState {
    if (this.sends.length) {
      const copied = new Set<number>();
      for (const { from, to, env } of this.sends) {
        const i = from * this.n + to;
        // a send to a link that went down later in the same step is lost with it
        if (!this.linkUp(this.workAlive, this.workPartition, from, to)) continue;
        if (!copied.has(i)) {
          links[i] = links[i]!.slice();
          copied.add(i);
        }
        (links[i] as InFlight[]).push(env);
      }
    }
    return { machines: this.work, links, aliveMask: this.workAlive, partition: this.workPartition, faults };
  }

  /** The state after start-up: every machine STARTs, then connects to every peer and is READY. */
  initial(): GlobalState {
    const n = this.n;
    const blank: MachineSnap = { alive: true, state: null, lamport: 0, vector: new Array<number>(n).fill(0), seq: 0, ticks: 0, queue: [], starts: 1, inside: false, requests: 0 };
    const links: InFlight[][] = Array.from({ length: n * n }, () => []);
    const s0: GlobalState = { machines: this.ids.map(() => blank), links, aliveMask: (1 << n) - 1, partition: 0, faults: 0 };
    this.begin(s0);
    this.rng.begin();
    for (let m = 0; m < n; m++) this.exec(m, OP_INIT, null, 0, '');
    for (let m = 0; m < n; m++) this.exec(m, OP_CONNECT_ALL, null, 0, '');
    return this.finish(s0, links, 0);
  }

  /** Every step enabled in s (choices aside). */
  enabled(s: GlobalState): number[] {
    const out: number[] = [];
    const n = this.n;
    for (let m = 0; m < n; m++) if ((s.aliveMask >> m) & 1) out.push(encodeStep(TICK, m, 0));
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (s.links[a * n + b]!.length) out.push(encodeStep(DELIVER, a, b));
    const f = this.config.faults;
    const more = s.faults < f.max;
    if (f.crash) {
      for (let m = 0; m < n; m++) {
        const alive = (s.aliveMask >> m) & 1;
        if (alive && more) out.push(encodeStep(CRASH, m, 0));
        if (!alive) out.push(encodeStep(RESTART, m, 0));
      }
    }
    if (f.drop && more) for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (s.links[a * n + b]!.length) out.push(encodeStep(DROP, a, b));
    if (f.partition) {
      if (s.partition !== 0) out.push(encodeStep(HEAL, 0, 0));
      else if (more) for (let mask = 1; mask < (1 << n) - 1; mask += 2) out.push(encodeStep(PARTITION, mask, 0));
    }
    return out;
  }

  /**
   * Applies a step. Choices come from `this.rng` (begin/beginCode before calling). Sets
   * `violation` when the engine broke a clock rule.
   */
  apply(s: GlobalState, step: number): GlobalState {
    this.begin(s);
    const n = this.n;
    const kind = stepKind(step);
    const a = stepA(step);
    const b = stepB(step);
    const links = s.links.slice();
    let faults = s.faults;
    switch (kind) {
      case TICK:
        this.exec(a, OP_TICK, null, 0, '');
        break;
      case DELIVER: {
        const i = a * n + b;
        const env = links[i]![0]!.env;
        links[i] = links[i]!.slice(1);
        this.exec(b, OP_DELIVER, env, 0, '');
        break;
      }
      case DROP: {
        const i = a * n + b;
        links[i] = links[i]!.slice(1);
        faults++;
        break;
      }
      case CRASH: {
        faults++;
        const was = this.workAlive;
        this.workAlive &= ~(1 << a);
        const snap = this.work[a]!;
        this.work[a] = { ...snap, alive: false, queue: [], inside: false, keyCache: undefined };
        for (let j = 0; j < n; j++) {
          links[a * n + j] = [];
          links[j * n + a] = [];
        }
        for (let k = 1; k < n; k++) {
          const p = (a + k) % n;
          if (this.linkUp(was, this.workPartition, a, p)) this.exec(p, OP_PEER_DOWN, null, a, 'reason=crashed');
        }
        break;
      }
      case RESTART: {
        this.workAlive |= 1 << a;
        this.exec(a, OP_RESTART, null, 0, '');
        this.exec(a, OP_CONNECT_ALL, null, 0, 'reason=restart');
        for (let k = 1; k < n; k++) {
          const p = (a + k) % n;
          if (this.linkUp(this.workAlive, this.workPartition, a, p)) this.exec(p, OP_PEER_UP, null, a, 'reason=restart');
        }
        break;
      }
      case PARTITION:
      case HEAL: {
        const before = this.workPartition;
        const mask = kind === PARTITION ? a : before;
        if (kind === PARTITION) faults++;
        this.workPartition = kind === PARTITION ? a : 0;
        const reason = kind === PARTITION ? 'reason=partition' : 'reason=healed';
        for (let x = 0; x < n; x++) {
          for (let y = x + 1; y < n; y++) {
            if (((mask >> x) & 1) === ((mask >> y) & 1)) continue;
            if (!((this.workAlive >> x) & 1) || !((this.workAlive >> y) & 1)) continue;
            if (kind === PARTITION) {
              links[x * n + y] = [];
              links[y * n + x] = [];
              this.exec(x, OP_PEER_DOWN, null, y, reason);
              this.exec(y, OP_PEER_DOWN, null, x, reason);
            } else {
              this.exec(x, OP_PEER_UP, null, y, reason);
              this.exec(y, OP_PEER_UP, null, x, reason);
            }
          }
        }
        break;
      }
    }
    return this.finish(s, links, faults);
  }

  /**
   * Puts the state's canonical key under the abstraction (see abstractions.ts) into the assembler,
   * as parts: each machine's (cached on its snapshot), each link's messages (cached on each
   * message), the partition and the fault count. Returns the Lamport base: the least machine clock.
   */
  private assemble(s: GlobalState): number {
    const a = this.assembler;
    a.reset();
    let base = Infinity;
    for (const m of s.machines) if (m.lamport < base) base = m.lamport;
    for (const m of s.machines) a.add(m.keyCache ?? (m.keyCache = this.machineKey(m)));
    const links = s.links;
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!;
      if (l.length === 0) continue;
      a.add(this.linkHeads[i] ?? (this.linkHeads[i] = this.writePart((w) => (w.str('L'), w.num(i)))));
      for (let j = 0; j < l.length; j++) {
        const f = l[j]!;
        a.add(f.key ?? (f.key = this.messageKey(f.env)));
      }
    }
    const t = s.partition * 65536 + s.faults;
    let tail = this.tails.get(t);
    if (!tail) this.tails.set(t, (tail = this.writePart((w) => (w.str('P'), w.num(s.partition), w.num(s.faults)))));
    a.add(tail);
    return base;
  }

  /** A part written by `write` with Lamport base 0 (and no machine time: ages against 0). */
  private writePart(write: (w: KeyWriter) => void): KeyPart {
    const w = this.partWriter;
    w.reset();
    w.lamportBase = 0;
    w.now = 0;
    const lams = this.partLams;
    lams.length = 0;
    w.lamAt = this.config.abstraction.shiftLamport ? lams : null;
    write(w);
    return w.part();
  }

  /** A message's part of the key: its body, then its Lamport stamp. */
  private messageKey(env: Envelope<unknown>): KeyPart {
    const abs = this.config.abstraction;
    return this.writePart((w) => {
      abs.body(env.body, w);
      w.lam(env.lamport);
    });
  }

  /** A machine's part of the key, with Lamport base 0 and the positions of its Lamport values. */
  private machineKey(m: MachineSnap): KeyPart {
    const abs = this.config.abstraction;
    return this.writePart((w) => {
      if (!m.alive) {
        w.str('D');
        w.num(m.requests);
        w.lam(m.lamport);
        return;
      }
      w.str(m.inside ? 'I' : 'A');
      if (this.config.maxRequests !== undefined) w.num(m.requests);
      w.now = m.ticks * this.config.tickMs;
      if (abs.keepsNow) w.num(w.now);
      abs.state(this.stateOf(m), w);
      w.lam(m.lamport);
      if (m.queue.length) {
        w.str('q');
        for (const e of m.queue) {
          abs.body(e.body, w);
          w.lam(e.lamport);
        }
      }
      w.str('/');
    });
  }

  /** A machine's algorithm state for reading (properties, tests): the live object, or a copy of the stored form. */
  stateOf(m: MachineSnap): unknown {
    return isStored(m.state) ? thaw(m.state) : m.state;
  }

  /**
   * Puts the algorithm states of s into their stored form (storedState.ts) for keeping s in a
   * frontier: one flat array per machine instead of its graph of objects, which the garbage
   * collector would copy and trace. Changes the representation only: s's key, its successors and
   * what stateOf returns stay the same. Returns s.
   */
  keep(s: GlobalState): GlobalState {
    for (const m of s.machines) if (m.alive && !isStored(m.state)) (m as { state: unknown }).state = store(m.state);
    return s;
  }

  /** The state's canonical key (a copy; for tests and debugging). */
  key(s: GlobalState): number[] {
    return this.assembler.snapshot(this.assemble(s));
  }

  /** The state's fingerprint (53 bits of its key). */
  fingerprint(s: GlobalState): number {
    return this.assembler.fingerprint(this.assemble(s));
  }

  /** A short text for a step (trace.txt). */
  describeStep(step: number): string {
    const kind = stepKind(step);
    const a = stepA(step);
    const b = stepB(step);
    const id = (i: number): string => `m${this.ids[i]}`;
    switch (kind) {
      case TICK:
        return `tick ${id(a)}`;
      case DELIVER:
        return `deliver ${id(a)}→${id(b)}`;
      case DROP:
        return `lose the head message ${id(a)}→${id(b)}`;
      case CRASH:
        return `crash ${id(a)}`;
      case RESTART:
        return `restart ${id(a)}`;
      case PARTITION:
        return `partition ${this.sides(a)}`;
      default:
        return 'heal the partition';
    }
  }

  /** `1,2|3` for a partition mask. */
  sides(mask: number): string {
    const a: MachineId[] = [];
    const b: MachineId[] = [];
    for (let i = 0; i < this.n; i++) ((mask >> i) & 1 ? a : b).push(this.ids[i]!);
    return `${a.join(',')}|${b.join(',')}`;
  }

  /** The synthetic epoch at the start (for replays). */
  get startEpochMs(): number {
    return this.startEpoch;
  }
}

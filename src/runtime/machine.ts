/**
 * One real machine process: listens and dials over a Transport, waits for its peers, ticks on the
 * monotonic clock, writes every event to its CSV log and prints it, and stops cleanly on duration or
 * signal (stop ticking, STOP row, flush and close the log, close sockets).
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { AnyAlgorithm } from '../core/algorithm.js';
import type { LogRow } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import { makeLayout } from '../core/vector.js';
import type { MachineEntry } from '../config/schema.js';
import { DEFAULT_MAX_QUEUE, MachineEngine, type RowSink } from './engine.js';
import { SyncCsvLog } from './log/csvLog.js';
import { archiveFiles } from './log/archive.js';
import { RealTicker } from './scheduler.js';
import type { Transport, TransportHandlers } from './transport.js';
import { setupMachine, type TickRateChoice } from './machineSetup.js';

/**
 * The system-wide monotonic clock (CLOCK_MONOTONIC) in microseconds: the same clock in every
 * process of the host, so a send stamped in one process and an arrival stamped in another compare
 * exactly (performance.timeOrigin is fixed per process and can be off by a fraction of a ms).
 */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Status updates for a supervisor (start-all) and for the console. */
export type MachineStatus =
  | { type: 'listening'; id: MachineId; host: string; port: number }
  | { type: 'connected'; id: MachineId; peers: number }
  | { type: 'ready'; id: MachineId; peers: number; tickRate: number; seed: number }
  | { type: 'row'; row: LogRow }
  | { type: 'stopped'; summary: MachineSummary };

/** What a machine reports when it stops. */
export interface MachineSummary {
  readonly id: MachineId;
  readonly tickRate: number;
  readonly seed: number;
  readonly ticks: number;
  readonly lamport: number;
  readonly maxQueue: number;
  readonly events: Record<string, number>;
  readonly reason: string;
  readonly logPath: string;
}

export interface MachineRunOptions {
  readonly self: MachineEntry;
  /** Every machine of the config, in config order. */
  readonly machines: readonly MachineEntry[];
  readonly algorithm: AnyAlgorithm;
  readonly seed: number;
  readonly tickRate: TickRateChoice;
  /** Wait for every peer before ticking (default true). */
  readonly wait: boolean;
  /** Stop after this many seconds of ticking. */
  readonly durationSec?: number | undefined;
  readonly logDir: string;
  /** Continue an existing log and its clocks instead of archiving it. */
  readonly append: boolean;
  readonly createTransport: (handlers: TransportHandlers) => Transport;
  readonly onStatus: (status: MachineStatus) => void;
  /** Extra key=value pairs for the START row. */
  readonly startDetail?: string;
  /**
   * Start barrier (start-all): with `wait`, once every link is up the machine reports `connected`
   * and begins ticking only when this resolves. start-all resolves it for every machine once all
   * are connected, so every machine's --duration covers the same span and none stops (and leaves
   * its peers waiting for it forever) while another is still connecting.
   */
  readonly beginGate?: Promise<void>;
  /**
   * When set, the machine dials its peers only once this resolves. start-all resolves it for every
   * machine once all of them listen, so each machine makes and accepts its connections in one burst
   * instead of a few at every newcomer's arrival (fewer wake-ups of every process; see the README's
   * Performance section). Until then it accepts connections but makes none.
   */
  readonly dialGate?: Promise<void>;
  /**
   * Benchmark tracing: when set, host-wide monotonic times (µs) of every message leaving
   * (just before the socket write) and arriving (into the queue) are written to this file at stop.
   */
  readonly traceFile?: string | undefined;
  /** Most messages the network queue may hold (`--max-queue`; engine.ts DEFAULT_MAX_QUEUE when undefined). */
  readonly maxQueue?: number | undefined;
  /** Side effects run after each row reached the log (see algorithmHooks.ts). */
  readonly rowHooks?: readonly ((row: LogRow) => void)[];
}

/** A running machine; `done` resolves with the summary once it has stopped cleanly. */
export interface RunningMachine {
  readonly done: Promise<MachineSummary>;
  /** Requests a clean stop (idempotent). */
  stop(reason: string): void;
  readonly engine: MachineEngine;
}

/**
 * Starts a machine. Rejects (before writing any log) when the port cannot be bound.
 * Invariant: every row reaches the log file before the message it describes is sent.
 */
export async function startMachine(opts: MachineRunOptions): Promise<RunningMachine> {
  const id = opts.self.id;
  const members = opts.machines.map((m) => m.id);
  const layout = makeLayout(members);
  const { rng, tickRate } = setupMachine(opts.seed, opts.tickRate);
  const logPath = join(opts.logDir, `log_${id}.csv`);
  const t0 = performance.now();

  const trace: string[] | null = opts.traceFile ? [] : null;
  let engine: MachineEngine | null = null;
  let log: SyncCsvLog | null = null;
  const pending: (() => void)[] = [];
  const whenEngine = (fn: (e: MachineEngine) => void): void => {
    if (engine) fn(engine);
    else pending.push(() => fn(engine!));
  };
  let readyResolve: () => void = () => {};
  const allUp = new Promise<void>((resolve) => (readyResolve = resolve));
  // Ready = every link up in both directions: we can reach every peer and every peer can reach us,
  // so no machine starts (and, with --duration, stops) before all its peers have connected to it.
  const peersUp = new Set<MachineId>();
  const peersIn = new Set<MachineId>();
  const peerCount = members.length - 1;
  const checkReady = (): void => {
    if (peersUp.size >= peerCount && peersIn.size >= peerCount) readyResolve();
  };

  const handlers: TransportHandlers = {
    onMessage: (env) => {
      if (trace) trace.push(`${env.id},arrive,${id},${monotonicUs()}`);
      whenEngine((e) => e.arrive(env));
    },
    onPeerUp: (peer, direction) =>
      whenEngine((e) => {
        if (direction === 'out') {
          peersUp.add(peer);
          e.peerUp(peer, 'dir=out');
        } else {
          peersIn.add(peer);
          e.note('CONNECT', 'dir=in', String(peer));
        }
        checkReady();
      }),
    onPeerDown: (peer, direction, reason) =>
      whenEngine((e) => {
        const detail = `dir=${direction} reason=${reason.replace(/\s+/g, '_')}`;
        if (direction === 'out') {
          peersUp.delete(peer);
          e.peerDown(peer, detail);
        } else {
          peersIn.delete(peer);
          e.note('DISCONNECT', detail, String(peer));
        }
      }),
    onProblem: (detail, peer) => whenEngine((e) => e.note('ERROR', detail, peer === undefined ? '' : String(peer))),
  };
  const transport = opts.createTransport(handlers);
  await transport.listen();
  opts.onStatus({ type: 'listening', id, host: opts.self.host, port: opts.self.port });

  // csv-parse is loaded only when continuing a log
  const restored = opts.append ? (await import('./log/restore.js')).restoreFromLog(logPath, id) : null;
  if (!opts.append) archiveFiles(opts.logDir, [logPath]);
  log = new SyncCsvLog(logPath, opts.append);
  const fileLog = log;
  const sink: RowSink = {
    write(row) {
      fileLog.write(row);
      if (opts.rowHooks) for (const hook of opts.rowHooks) hook(row);
      opts.onStatus({ type: 'row', row });
    },
  };
  engine = new MachineEngine({
    self: id,
    members,
    layout,
    algorithm: opts.algorithm,
    rng,
    sink,
    outbox: trace
      ? {
          send(peer, env) {
            trace.push(`${env.id},send,${peer},${monotonicUs()}`);
            return transport.send(peer, env);
          },
        }
      : transport,
    clock: { epochMs: () => Date.now(), sinceStartMs: () => performance.now() - t0 },
    maxQueue: opts.maxQueue ?? DEFAULT_MAX_QUEUE,
  });
  const eng = engine;
  if (restored) eng.restore(restored.lamport, restored.vector, restored.lastSeq);
  const startDetail = [
    `seed=${opts.seed}`,
    `tick_rate=${tickRate}`,
    `algorithm=${opts.algorithm.name}`,
    `pid=${process.pid}`,
    restored ? `restored_rows=${restored.rows}` : undefined,
    opts.startDetail,
  ]
    .filter(Boolean)
    .join(' ');
  eng.start(startDetail);
  for (const fn of pending.splice(0)) fn();
  if (opts.dialGate) void opts.dialGate.then(() => transport.connectAll());
  else transport.connectAll();
  if (peerCount === 0) readyResolve();

  let stopReason: string | null = null;
  let ticker: RealTicker | null = null;
  let finish: (s: MachineSummary) => void = () => {};
  const done = new Promise<MachineSummary>((resolve) => (finish = resolve));

  const stop = (reason: string): void => {
    if (stopReason !== null) return;
    stopReason = reason;
    ticker?.stop();
    eng.note('STOP', `reason=${reason} ticks=${eng.tickCount}`);
    fileLog.close();
    if (trace && opts.traceFile) writeFileSync(opts.traceFile, trace.join('\n') + '\n');
    const summary: MachineSummary = {
      id,
      tickRate,
      seed: opts.seed,
      ticks: eng.tickCount,
      lamport: eng.clock.lamport,
      maxQueue: eng.maxQueue,
      events: Object.fromEntries(eng.counts),
      reason,
      logPath,
    };
    void transport.close().then(() => {
      opts.onStatus({ type: 'stopped', summary });
      finish(summary);
    });
  };

  const begin = (): void => {
    if (stopReason !== null) return;
    eng.note('READY', `peers=${peersUp.size}/${peerCount} wait=${opts.wait}`);
    opts.onStatus({ type: 'ready', id, peers: peersUp.size, tickRate, seed: opts.seed });
    const maxTicks = opts.durationSec === undefined ? undefined : Math.round(opts.durationSec * tickRate);
    ticker = new RealTicker({
      rate: tickRate,
      // Machines get ready within a millisecond of each other; machine i of n starts its schedule
      // i/n of a period later, so machines with equal rates do not all tick (and send) at the
      // same instant and wait for each other's CPU (loopback p99 at 6 ticks/s: see README).
      offsetMs: (members.indexOf(id) / members.length) * (1000 / tickRate),
      onTick: () => eng.tick(),
      maxTicks,
      onDone: () => stop('duration'),
    });
    if (maxTicks !== undefined && maxTicks <= 0) stop('duration');
    else ticker.start();
  };
  const gate = opts.beginGate;
  if (!opts.wait) begin();
  else if (!gate) void allUp.then(begin);
  else {
    void allUp.then(() => {
      if (stopReason !== null) return;
      opts.onStatus({ type: 'connected', id, peers: peersUp.size });
      void gate.then(begin);
    });
  }

  return { done, stop, engine: eng };
}

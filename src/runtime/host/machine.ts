/**
 * One real machine process: listens and dials over a Transport, waits for its peers, ticks on the
 * monotonic clock, writes every event to its CSV log and prints it, and stops cleanly on duration or
 * signal (stop ticking, STOP row, flush and close the log, close sockets).
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { writeFileSync } from 'node:fs';
import type { LabError } from '../../core/errors.js';
import type { AnyAlgorithm } from '../../core/algorithm.js';
import type { LogRow } from '../../core/logRow.js';
import type { MachineId } from '../../core/types.js';
import { makeLayout } from '../../core/vector.js';
import type { MachineEntry } from '../../config/schema.js';
import { DEFAULT_MAX_QUEUE, MachineEngine } from '../engine.js';
import type { RowResources } from './algorithmHooks.js';
import { buildRowPipeline } from './rowPipeline.js';
import { SyncCsvLog, logFailure } from '../log/csvLog.js';
import { archiveMachineLog } from '../log/archive.js';
import { RealTicker } from '../scheduler.js';
import type { Transport, TransportHandlers } from '../transport.js';
import { setupMachine, startRowDetail, type TickRateChoice } from './machineSetup.js';
import type { MachineStatus, MachineSummary } from './machineStatus.js';

/**
 * The system-wide monotonic clock (CLOCK_MONOTONIC) in microseconds: the same clock in every
 * process of the host, so a send stamped in one process and an arrival stamped in another compare
 * exactly (performance.timeOrigin is fixed per process and can be off by a fraction of a ms).
 */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export type { MachineStatus, MachineSummary } from './machineStatus.js';

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
  /**
   * Move an earlier run's log_<id>.csv (and shared files) to the archive before starting a new log
   * (default true). start-all, which archives the whole earlier run itself, passes false.
   */
  readonly archiveEarlier?: boolean;
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
  /**
   * Opens the algorithm's row resources (shared resource, leader report: algorithmHooks.ts) once
   * the earlier run's files are archived and the log is open (the mutex's shared file must not be
   * opened before the earlier run's file moves to the archive). They join the row pipeline after
   * the log and before the printer (rowPipeline.ts).
   */
  readonly openRowResources?: () => RowResources;
}

/**
 * A running machine; `done` resolves with the summary once it has stopped cleanly, or rejects with
 * the typed error (DISK_FULL, IO_ERROR) once it has stopped because its log could not be written.
 */
export interface RunningMachine {
  readonly done: Promise<MachineSummary>;
  /** Requests a clean stop (idempotent). */
  stop(reason: string): void;
  /**
   * Reports an error thrown outside the machine's own handlers (e.g. from a timer of a wrapper
   * that writes rows): true when it is a log failure, and the machine is then stopping.
   */
  fail(error: unknown): boolean;
  /**
   * Crashes the machine in its process (the packed runtime's kill): ticks stop and every socket is
   * destroyed at once, the log is closed as it stands, with no STOP row and no `stopped` status,
   * as after SIGKILL; `done` then resolves with reason `crash`. Idempotent; no-op once stopping.
   */
  crash(): void;
  /**
   * Pauses the machine in its process (the packed runtime's SIGSTOP): ticks stop and no socket is
   * read until resume(); the ticks that fell due meanwhile run at resume, as after SIGCONT.
   */
  pause(): void;
  /** Resumes after pause(). */
  resume(): void;
  readonly engine: MachineEngine;
}

/**
 * Starts a machine. Rejects, with every socket and file it opened closed again, when the port
 * cannot be bound (before touching any log) or the log cannot be archived, opened or written.
 * Invariants: every row reaches the log file before the message it describes is sent; when a row
 * cannot be written (disk full) nothing more is acted on: the machine stops, `done` rejects.
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
  /** Set once a row could not be written: the machine stops and acts on nothing more. */
  let failure: LabError | null = null;
  let onLogFailure: (e: LabError) => void = () => {};
  /** Runs `fn` (which may write rows); a log failure inside it stops the machine instead of throwing. */
  const guard = (fn: () => void): void => {
    if (failure) return;
    try {
      fn();
    } catch (e) {
      const f = logFailure(e, opts.logDir);
      if (!f) throw e;
      onLogFailure(f);
    }
  };
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
      whenEngine((e) => guard(() => e.arrive(env)));
    },
    onPeerUp: (peer, direction) =>
      whenEngine((e) => guard(() => {
        if (direction === 'out') {
          peersUp.add(peer);
          e.peerUp(peer, 'dir=out');
        } else {
          peersIn.add(peer);
          e.note('CONNECT', 'dir=in', String(peer));
        }
        checkReady();
      })),
    onPeerDown: (peer, direction, reason) =>
      whenEngine((e) => guard(() => {
        const detail = `dir=${direction} reason=${reason.replace(/\s+/g, '_')}`;
        if (direction === 'out') {
          peersUp.delete(peer);
          e.peerDown(peer, detail);
        } else {
          peersIn.delete(peer);
          e.note('DISCONNECT', detail, String(peer));
        }
      })),
    onProblem: (detail, peer) => whenEngine((e) => guard(() => e.note('ERROR', detail, peer === undefined ? '' : String(peer)))),
  };
  const transport = opts.createTransport(handlers);
  await transport.listen();

  // Only now (the port is ours, so no live machine of this id runs on it) touch the log directory;
  // on any failure close what was opened, so the process does not linger with its port open.
  const failStart = async (e: unknown): Promise<never> => {
    log?.close();
    await transport.close();
    throw e;
  };
  let restored: Awaited<ReturnType<typeof import('../log/restore.js').restoreFromLog>> | null = null;
  let resources: RowResources = {};
  try {
    // csv-parse is loaded only when continuing a log
    restored = opts.append ? (await import('../log/restore.js')).restoreFromLog(logPath, id) : null;
    if (!opts.append && opts.archiveEarlier !== false) archiveMachineLog(opts.logDir, logPath);
    log = new SyncCsvLog(logPath, opts.append);
    resources = opts.openRowResources?.() ?? {};
  } catch (e) {
    await failStart(e);
  }
  const fileLog = log!;
  const sink = buildRowPipeline({
    self: id,
    algorithm: opts.algorithm.name,
    log: fileLog,
    ...resources,
    print: (row) => opts.onStatus({ type: 'row', row }),
  });
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
  const startDetail = startRowDetail({
    seed: opts.seed,
    tickRate,
    algorithm: opts.algorithm.name,
    more: { pid: process.pid, host: hostname() },
    restoredRows: restored?.rows,
    extra: opts.startDetail,
  });
  try {
    eng.start(startDetail);
  } catch (e) {
    await failStart(e);
  }
  opts.onStatus({ type: 'listening', id, host: opts.self.host, port: opts.self.port });
  for (const fn of pending.splice(0)) fn();
  if (opts.dialGate) void opts.dialGate.then(() => failure === null && transport.connectAll());
  else transport.connectAll();
  if (peerCount === 0) readyResolve();

  let stopReason: string | null = null;
  let ticker: RealTicker | null = null;
  let finish: (s: MachineSummary) => void = () => {};
  let abort: (e: LabError) => void = () => {};
  const done = new Promise<MachineSummary>((resolve, reject) => {
    finish = resolve;
    abort = reject;
  });

  const summarize = (reason: string): MachineSummary => ({
    id,
    tickRate,
    seed: opts.seed,
    ticks: eng.tickCount,
    lamport: eng.clock.lamport,
    maxQueue: eng.maxQueue,
    events: Object.fromEntries(eng.counts),
    reason,
    logPath,
  });
  const stop = (reason: string): void => {
    if (stopReason !== null) return;
    stopReason = reason;
    ticker?.stop();
    try {
      eng.note('STOP', `reason=${reason} ticks=${eng.tickCount}`);
    } catch (e) {
      // the log failed (disk full): the STOP row is lost, every earlier row is whole
      if (!logFailure(e)) throw e;
    }
    fileLog.close();
    if (trace && opts.traceFile) writeFileSync(opts.traceFile, trace.join('\n') + '\n');
    const summary = summarize(reason);
    void transport.close().then(() => {
      opts.onStatus({ type: 'stopped', summary });
      if (failure) abort(failure);
      else finish(summary);
    });
  };
  onLogFailure = (e) => {
    if (failure) return;
    failure = e;
    stop(e.code === 'DISK_FULL' ? 'disk_full' : 'log_error');
  };
  const fail = (e: unknown): boolean => {
    const f = logFailure(e, opts.logDir);
    if (!f) return false;
    onLogFailure(f);
    return true;
  };

  let paused = false;
  const crash = (): void => {
    if (stopReason !== null) return;
    stopReason = 'crash';
    ticker?.stop();
    fileLog.close(); // every row was written synchronously: the file stands as a SIGKILL leaves it
    if (trace && opts.traceFile) writeFileSync(opts.traceFile, trace.join('\n') + '\n');
    const summary = summarize('crash');
    void transport.close().then(() => finish(summary));
  };
  const pause = (): void => {
    if (stopReason !== null || paused) return;
    paused = true;
    ticker?.stop();
    transport.pause?.();
  };
  const resume = (): void => {
    if (!paused) return;
    paused = false;
    if (stopReason !== null) return;
    transport.resume?.();
    ticker?.resume();
  };

  const begin = (): void => {
    if (stopReason !== null) return;
    guard(() => eng.note('READY', `peers=${peersUp.size}/${peerCount} wait=${opts.wait}`));
    if (stopReason !== null) return;
    opts.onStatus({ type: 'ready', id, peers: peersUp.size, tickRate, seed: opts.seed });
    const maxTicks = opts.durationSec === undefined ? undefined : Math.round(opts.durationSec * tickRate);
    ticker = new RealTicker({
      rate: tickRate,
      // Machines get ready within a millisecond of each other; machine i of n starts its schedule
      // i/n of a period later, so machines with equal rates do not all tick (and send) at the
      // same instant and wait for each other's CPU (loopback p99 at 6 ticks/s: see README).
      offsetMs: (members.indexOf(id) / members.length) * (1000 / tickRate),
      onTick: () => guard(() => eng.tick()),
      maxTicks,
      onDone: () => stop('duration'),
    });
    if (maxTicks !== undefined && maxTicks <= 0) stop('duration');
    else {
      ticker.start();
      if (paused) ticker.stop(); // paused before its first tick
    }
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

  return { done, stop, fail, crash, pause, resume, engine: eng };
}

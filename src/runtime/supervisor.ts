/**
 * The supervisor behind start-all: spawns one run-machine process per machine with execa, staggered
 * (each starts once the previous one listens, and at least `staggerMs` after it, with a cap), relays
 * their output and status, tells them all to `dial` once all listen and to `begin` once every one
 * is connected to all its peers (so their durations cover the same span), and stops them: SIGTERM
 * first, SIGKILL only after a grace period. A machine that fails (reports `failed`, or exits
 * without being asked to) is reported with its one-line error and whether the run had begun, so
 * start-all can end a run that can no longer start instead of waiting for it forever.
 */
import { performance } from 'node:perf_hooks';
import { execa, type ResultPromise } from 'execa';
import type { MachineId } from '../core/types.js';
import type { MachineEntry } from '../config/schema.js';
import type { MachineSummary } from './host/machine.js';
import type { LabError } from '../core/errors.js';
import { TcpTransport } from './net/tcpTransport.js';
import { type ChildMessage, type SupervisorMessage, parseChildMessage } from './ipc.js';

export interface SupervisorOptions {
  readonly machines: readonly MachineEntry[];
  /** node + script to run (the compiled CLI). */
  readonly nodePath: string;
  /** Node options placed before the script (e.g. heap settings). */
  readonly nodeArgs?: readonly string[];
  readonly scriptPath: string;
  /**
   * Arguments after `run-machine <id>` for a machine; `append` on restarts. On a restart the
   * supervisor replaces the value of `--duration` by what is left of the run (restartDurationSec).
   */
  readonly argsFor: (id: MachineId, append: boolean) => string[];
  /** The run's --duration in seconds (undefined: no limit): a restarted machine gets what is left of it. */
  readonly durationSec?: number | undefined;
  readonly staggerMs: number;
  /** Longest wait for a machine to listen before starting the next anyway. */
  readonly listenCapMs: number;
  /** How many machines may be booting (loading code) ahead of the one about to listen. */
  readonly bootAhead: number;
  /** Grace period between SIGTERM and SIGKILL. */
  readonly graceMs: number;
  readonly onOutput: (id: MachineId, line: string, stream: 'stdout' | 'stderr') => void;
  readonly onMessage: (id: MachineId, msg: ChildMessage) => void;
  /** A child ended without being asked to (non-zero exit or signal). */
  readonly onUnexpectedExit: (id: MachineId, how: string) => void;
  /**
   * A machine failed: it reported `failed`, or it exited without being asked to and without a
   * report. Called once per failure, before onUnexpectedExit; `beforeBegin` is true while the
   * run has not begun (not every machine was connected yet), when the run can no longer start.
   */
  readonly onFailure?: (id: MachineId, failure: MachineFailure, beforeBegin: boolean) => void;
  readonly cwd?: string;
}

/** Why a machine failed. */
export interface MachineFailure {
  /** The machine's error code (LabError code), or null when it exited without reporting one. */
  readonly code: string | null;
  /** Its one-line error (its last error line on stderr when it did not report one). */
  readonly message: string;
  /** How the process ended, when it has (e.g. `exit code 3`). */
  readonly how?: string;
}

interface Child {
  readonly id: MachineId;
  /** Resolves when the process has loaded and waits for `go` (or has exited). */
  booted: Promise<void>;
  proc: ResultPromise<{ ipc: true; buffer: false; reject: false; stdin: 'ignore' }>;
  exited: Promise<void>;
  listening: Promise<void>;
  expectedExit: boolean;
  alive: boolean;
  summary?: MachineSummary;
  exitDescription?: string;
  /** The last line it wrote to stderr (its one-line error, if it failed). */
  lastErrorLine?: string;
  /** Set once a failure of this process was reported. */
  failureReported: boolean;
}

/** Spawns and watches the machines. Invariant: every child it spawned is dead once stopAll() resolves. */
export class Supervisor {
  private readonly children = new Map<MachineId, Child>();
  private readonly readyIds = new Set<MachineId>();
  /** Machines that reported every link up (the start barrier); `begin` is sent once all have. */
  private readonly connectedIds = new Set<MachineId>();
  private begun = false;
  private readyResolve: (ms: number) => void = () => {};
  /** Resolves with ms from start() until every machine reported ready. */
  readonly allReady: Promise<number>;
  private t0 = 0;
  /** When every machine was first ready (monotonic ms): restarts get the rest of the duration. */
  private allReadyAt: number | null = null;
  private stopping = false;
  /** Resolves when stopAll() begins: start-up waits (stagger, listen cap) end at once then. */
  private readonly stopRequested: Promise<void>;
  private requestStop: () => void = () => {};

  constructor(private readonly opts: SupervisorOptions) {
    this.allReady = new Promise((resolve) => (this.readyResolve = resolve));
    this.stopRequested = new Promise((resolve) => (this.requestStop = resolve));
  }

  /** Summaries reported by machines that stopped cleanly. */
  summaries(): Map<MachineId, MachineSummary> {
    const out = new Map<MachineId, MachineSummary>();
    for (const c of this.children.values()) if (c.summary) out.set(c.id, c.summary);
    return out;
  }

  /** How each child ended, when it did not end cleanly. */
  exitDescription(id: MachineId): string | undefined {
    return this.children.get(id)?.exitDescription;
  }

  /** Whether `begin` was sent: every machine was connected, the run has started. */
  get begunRun(): boolean {
    return this.begun;
  }

  isAlive(id: MachineId): boolean {
    return this.children.get(id)?.alive ?? false;
  }

  pid(id: MachineId): number | undefined {
    return this.children.get(id)?.proc.pid;
  }

  /**
   * Starts every machine in config order. Processes boot in parallel (up to `bootAhead` ahead), but
   * each binds its port only after the previous one listens and at least `staggerMs` after it
   * (or after `listenCapMs`, if the previous one never listens). Once the last one listens, all are
   * told to `dial` their peers. Resolves then.
   */
  async start(): Promise<void> {
    this.t0 = performance.now();
    const machines = this.opts.machines;
    const spawned: Child[] = [];
    const spawnUpTo = (n: number): void => {
      while (spawned.length < Math.min(n, machines.length) && !this.stopping) spawned.push(this.spawn(machines[spawned.length]!.id, false, true));
    };
    let last = -Infinity;
    for (let i = 0; i < machines.length; i++) {
      spawnUpTo(i + 1 + this.opts.bootAhead);
      if (this.stopping) return;
      const child = spawned[i]!;
      await Promise.race([child.booted, this.stopRequested]);
      const wait = last + this.opts.staggerMs - performance.now();
      let staggerTimer: NodeJS.Timeout | undefined;
      if (wait > 0) await Promise.race([new Promise((r) => (staggerTimer = setTimeout(r, wait))), this.stopRequested]);
      clearTimeout(staggerTimer);
      if (this.stopping) return;
      last = performance.now();
      this.message(child.id, { type: 'go' });
      let capTimer: NodeJS.Timeout | undefined;
      await Promise.race([child.listening, child.exited, this.stopRequested, new Promise<void>((r) => (capTimer = setTimeout(r, this.opts.listenCapMs)))]);
      clearTimeout(capTimer);
    }
    // every machine listens (or took its cap): now all dial at once
    for (const c of spawned) this.message(c.id, { type: 'dial' });
  }

  /** Starts machine `id` again, continuing its log and clocks (--append). */
  restart(id: MachineId): void {
    const c = this.children.get(id);
    if (c?.alive || this.stopping) return;
    this.readyIds.delete(id);
    this.spawn(id, true, false);
  }

  /** Sends a signal to one machine; SIGKILL/SIGTERM mark its exit as expected. */
  signal(id: MachineId, signal: NodeJS.Signals): boolean {
    const c = this.children.get(id);
    if (!c?.alive) return false;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') c.expectedExit = true;
    return c.proc.kill(signal);
  }

  /** Sends an IPC message to a live machine (start-up steps, network faults); false when it is not running. */
  message(id: MachineId, msg: SupervisorMessage): boolean {
    const c = this.children.get(id);
    if (!c?.alive || !c.proc.connected) return false;
    return c.proc.send(msg as unknown as Parameters<typeof c.proc.send>[0]);
  }

  /** Resolves when every child has exited. */
  async waitAll(): Promise<void> {
    // children may be restarted while we wait: loop until none is alive
    for (;;) {
      const alive = [...this.children.values()].filter((c) => c.alive);
      if (alive.length === 0) return;
      await Promise.all(alive.map((c) => c.exited));
    }
  }

  /** Stops every machine: SIGTERM (they flush and exit), SIGKILL after the grace period. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    this.requestStop();
    const alive = [...this.children.values()].filter((c) => c.alive);
    for (const c of alive) {
      c.expectedExit = true;
      c.proc.kill('SIGTERM');
    }
    await this.waitAll();
  }

  /**
   * A restarted machine gets only what is left of the run, so it does not outlive the others:
   * replaces the value after `--duration` in `args` (once every machine was ready).
   */
  private shortenDuration(args: string[]): void {
    const at = args.indexOf('--duration');
    if (this.opts.durationSec === undefined || this.allReadyAt === null || at < 0) return;
    args[at + 1] = restartDurationSec(this.opts.durationSec, performance.now() - this.allReadyAt).toFixed(3);
  }

  private spawn(id: MachineId, append: boolean, awaitGo: boolean): Child {
    const machineArgs = this.opts.argsFor(id, append);
    if (append) this.shortenDuration(machineArgs);
    const args = [...(this.opts.nodeArgs ?? []), this.opts.scriptPath, 'run-machine', String(id), ...machineArgs, ...(awaitGo ? ['--await-go'] : [])];
    const proc = execa(this.opts.nodePath, args, {
      ipc: true,
      buffer: false,
      reject: false,
      stdin: 'ignore',
      cwd: this.opts.cwd,
      forceKillAfterDelay: this.opts.graceMs,
      cleanup: true,
      // Machines make no TLS connections, so the extra CA bundle is dead weight: Node parses it at
      // every boot when NODE_EXTRA_CA_CERTS is set (measured here: 120 ms of CPU per process).
      env: { NO_COLOR: '1', NODE_EXTRA_CA_CERTS: undefined },
    });
    let listeningResolve: () => void = () => {};
    let bootedResolve: () => void = () => {};
    const child: Child = {
      id,
      booted: new Promise<void>((r) => (bootedResolve = r)),
      proc,
      exited: Promise.resolve(),
      listening: new Promise<void>((r) => (listeningResolve = r)),
      expectedExit: false,
      alive: true,
      failureReported: false,
    };
    const reportFailure = (failure: MachineFailure): void => {
      if (child.failureReported) return;
      child.failureReported = true;
      this.opts.onFailure?.(id, failure, !this.begun);
    };
    this.children.set(id, child);
    const relay = async (stream: 'stdout' | 'stderr'): Promise<void> => {
      for await (const line of proc.iterable({ from: stream })) {
        if (stream === 'stderr' && String(line).trim()) child.lastErrorLine = String(line).trim();
        this.opts.onOutput(id, String(line), stream);
      }
    };
    const messages = async (): Promise<void> => {
      for await (const raw of proc.getEachMessage()) {
        const msg = parseChildMessage(raw);
        if (!msg) continue; // malformed or unknown: ignored
        if (msg.type === 'booted') bootedResolve();
        if (msg.type === 'listening') listeningResolve();
        if (msg.type === 'connected') {
          this.connectedIds.add(id);
          if (!this.begun && this.connectedIds.size === this.opts.machines.length) {
            this.begun = true;
            for (const c of this.children.values()) this.message(c.id, { type: 'begin' });
          }
        }
        if (msg.type === 'ready') {
          this.readyIds.add(id);
          if (this.readyIds.size === this.opts.machines.length) {
            this.allReadyAt ??= performance.now();
            this.readyResolve(performance.now() - this.t0);
          }
        }
        if (msg.type === 'stopped') child.summary = msg.summary;
        if (msg.type === 'failed' && !child.expectedExit) reportFailure({ code: msg.code, message: msg.message });
        this.opts.onMessage(id, msg);
      }
    };
    const streams = Promise.all([relay('stdout'), relay('stderr'), messages()]).catch(() => {});
    child.exited = proc.then(async (result) => {
      await streams;
      child.alive = false;
      bootedResolve();
      listeningResolve();
      const how = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
      if (!(result.exitCode === 0 && !result.signal)) child.exitDescription = how;
      const unexpected = !child.expectedExit && !(result.exitCode === 0 && !result.signal);
      // a machine that ends on its own before the run began (even with exit 0) leaves it unable to start
      if (!child.expectedExit && (unexpected || !this.begun)) {
        const message = (child.lastErrorLine ?? how).replace(/^(lamport-lab: )?(error: )?/, '');
        reportFailure({ code: null, message, how });
      }
      if (unexpected) this.opts.onUnexpectedExit(id, how);
    });
    return child;
  }
}

/**
 * The --duration of a machine restarted `sinceAllReadyMs` after every machine was first ready: what
 * is left of the run's `durationSec`, at least 0.5 s.
 */
export function restartDurationSec(durationSec: number, sinceAllReadyMs: number): number {
  return Math.max(0.5, durationSec - sinceAllReadyMs / 1000);
}

/**
 * Tries to bind every machine's host:port the way the machine itself will (TcpTransport.listen),
 * then closes each listener again: start-all's check that the whole cluster can listen before it
 * archives or starts anything. Returns the typed error of each machine that cannot listen.
 */
export async function probeListen(machines: readonly MachineEntry[]): Promise<Map<MachineId, LabError>> {
  const failures = new Map<MachineId, LabError>();
  const noop = (): void => {};
  await Promise.all(
    machines.map(async (m) => {
      const transport = new TcpTransport({
        self: m.id,
        machines: [m], // binding only: the peers do not matter
        handlers: { onMessage: noop, onPeerUp: noop, onPeerDown: noop, onProblem: noop },
        allowAnyHost: true,
      });
      try {
        await transport.listen();
      } catch (e) {
        failures.set(m.id, e as LabError);
      } finally {
        await transport.close();
      }
    }),
  );
  return failures;
}

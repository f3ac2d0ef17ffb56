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
import { type ChildMessage, type MachineControl, type SupervisorMessage, parseChildMessage, parsePackEnvelope } from './ipc.js';
import { PACK_LINE_SEPARATOR } from './host/packProcess.js';

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
  /**
   * Machines per process at start (default 1). Above 1, consecutive machines of the config share a
   * `run-pack` process (packArgsFor gives its arguments after `run-pack <ids>`); a restarted machine
   * always gets a process of its own.
   */
  readonly machinesPerProcess?: number;
  /** Arguments after `run-pack <ids>` for a pack of machines (needed when machinesPerProcess > 1). */
  readonly packArgsFor?: (ids: readonly MachineId[]) => string[];
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

type Proc = ResultPromise<{ ipc: true; buffer: false; reject: false; stdin: 'ignore' }>;

/** Signals a packed machine gets as messages instead (its process runs other machines too). */
const PACK_CONTROL: Partial<Record<NodeJS.Signals, MachineControl>> = { SIGKILL: 'crash', SIGSTOP: 'pause', SIGCONT: 'resume', SIGTERM: 'stop' };

/** One machine as the supervisor sees it; several share a process when packed. */
interface Child {
  readonly id: MachineId;
  /** Resolves when the process has loaded and waits for `go` (or has exited). */
  booted: Promise<void>;
  proc: Proc;
  /** Whether proc is a packed process (messages in envelopes, faults as messages). */
  readonly packed: boolean;
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
  /** Every process spawned, until it has exited. */
  private readonly procs = new Set<Promise<unknown>>();
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
    const perProcess = Math.max(1, this.opts.machinesPerProcess ?? 1);
    const spawnUpTo = (n: number): void => {
      while (spawned.length < Math.min(n, machines.length) && !this.stopping) {
        const ids = machines.slice(spawned.length, spawned.length + perProcess).map((m) => m.id);
        spawned.push(...this.spawn(ids, false, true, perProcess > 1));
      }
    };
    let last = -Infinity;
    for (let i = 0; i < machines.length; i++) {
      spawnUpTo(i + 1 + this.opts.bootAhead * perProcess);
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
    this.spawn([id], true, false, false);
  }

  /**
   * Sends a signal to one machine; SIGKILL/SIGTERM mark its exit as expected. A packed machine is
   * sent the matching MachineControl message instead (SIGKILL: crash, SIGSTOP: pause, SIGCONT:
   * resume, SIGTERM: stop), which hits it alone, not its process.
   */
  signal(id: MachineId, signal: NodeJS.Signals): boolean {
    const c = this.children.get(id);
    if (!c?.alive) return false;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') c.expectedExit = true;
    if (!c.packed) return c.proc.kill(signal);
    const control = PACK_CONTROL[signal];
    return control !== undefined && this.message(id, { type: control });
  }

  /** Whether machine `id` runs in a pack (a process with other machines). */
  sharesProcess(id: MachineId): boolean {
    return this.children.get(id)?.packed ?? false;
  }

  /** Sends an IPC message to a live machine (start-up steps, network faults); false when it is not running. */
  message(id: MachineId, msg: SupervisorMessage): boolean {
    const c = this.children.get(id);
    if (!c?.alive || !c.proc.connected) return false;
    const wire = c.packed ? { machine: id, msg } : msg;
    return c.proc.send(wire as unknown as Parameters<typeof c.proc.send>[0]);
  }

  /** Resolves when every child has exited. */
  async waitAll(): Promise<void> {
    // children may be restarted while we wait: loop until none is alive
    for (;;) {
      const alive = [...this.children.values()].filter((c) => c.alive);
      if (alive.length === 0) break;
      await Promise.all(alive.map((c) => c.exited));
    }
    // a packed process exits once every machine in it has ended
    await Promise.all([...this.procs]);
  }

  /** Stops every machine: SIGTERM (they flush and exit), SIGKILL after the grace period. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    this.requestStop();
    const alive = [...this.children.values()].filter((c) => c.alive);
    for (const c of alive) c.expectedExit = true;
    for (const proc of new Set(alive.map((c) => c.proc))) proc.kill('SIGTERM');
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

  /**
   * Spawns one process for `ids`: `run-machine <id>` for one machine, `run-pack <ids>` when
   * `packed`. Returns the machines' records, in the order of `ids`.
   */
  private spawn(ids: readonly MachineId[], append: boolean, awaitGo: boolean, packed: boolean): Child[] {
    let command: string[];
    if (packed) {
      if (!this.opts.packArgsFor) throw new Error('machinesPerProcess > 1 needs packArgsFor');
      command = ['run-pack', ids.join(','), ...this.opts.packArgsFor(ids)];
    } else {
      const machineArgs = this.opts.argsFor(ids[0]!, append);
      if (append) this.shortenDuration(machineArgs);
      command = ['run-machine', String(ids[0]), ...machineArgs];
    }
    const args = [...(this.opts.nodeArgs ?? []), this.opts.scriptPath, ...command, ...(awaitGo ? ['--await-go'] : [])];
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
    const mine = new Map<MachineId, { child: Child; booted: () => void; listening: () => void; ended: (how: { how: string; clean: boolean }) => void }>();
    for (const id of ids) {
      let bootedResolve: () => void = () => {};
      let listeningResolve: () => void = () => {};
      let endedResolve: (how: { how: string; clean: boolean }) => void = () => {};
      const ended = new Promise<{ how: string; clean: boolean }>((r) => (endedResolve = r));
      const child: Child = {
        id,
        booted: new Promise<void>((r) => (bootedResolve = r)),
        proc,
        packed,
        exited: Promise.resolve(),
        listening: new Promise<void>((r) => (listeningResolve = r)),
        expectedExit: false,
        alive: true,
        failureReported: false,
      };
      child.exited = ended.then((end) => this.ended(child, end));
      this.children.set(id, child);
      mine.set(id, { child, booted: bootedResolve, listening: listeningResolve, ended: endedResolve });
    }
    const first = ids[0]!;
    /** The machine a line or message of this process is about; a pack tags each with the id. */
    const route = (id: MachineId) => mine.get(id);
    const relay = async (stream: 'stdout' | 'stderr'): Promise<void> => {
      for await (const raw of proc.iterable({ from: stream })) {
        let line = String(raw);
        let id = first;
        if (packed) {
          const tab = line.indexOf(PACK_LINE_SEPARATOR);
          const tagged = tab > 0 ? Number(line.slice(0, tab)) : NaN;
          if (mine.has(tagged)) {
            id = tagged;
            line = line.slice(tab + 1);
          }
        }
        const child = route(id)!.child;
        if (stream === 'stderr' && line.trim()) child.lastErrorLine = line.trim();
        this.opts.onOutput(id, line, stream);
      }
    };
    const messages = async (): Promise<void> => {
      for await (const raw of proc.getEachMessage()) {
        let id = first;
        let body: unknown = raw;
        if (packed) {
          const envelope = parsePackEnvelope(raw);
          if (!envelope || !mine.has(envelope.machine)) continue;
          id = envelope.machine;
          body = envelope.msg;
        }
        const msg = parseChildMessage(body);
        if (!msg) continue; // malformed or unknown: ignored
        const m = route(id)!;
        if (msg.type === 'booted') m.booted();
        if (msg.type === 'listening') m.listening();
        if (msg.type === 'ended') {
          const how = msg.crashed ? 'crashed (in-process kill)' : `exit code ${msg.status}`;
          m.ended({ how, clean: msg.status === 0 && !msg.crashed });
          continue;
        }
        this.onChildMessage(m.child, msg);
      }
    };
    const streams = Promise.all([relay('stdout'), relay('stderr'), messages()]).catch(() => {});
    const done = proc.then(async (result) => {
      await streams;
      const how = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
      // every machine of the process that has not reported its end ends with it
      for (const m of mine.values()) m.ended({ how, clean: result.exitCode === 0 && !result.signal });
    });
    this.procs.add(done);
    void done.then(() => this.procs.delete(done));
    return ids.map((id) => mine.get(id)!.child);
  }

  /** A machine's status message (start-up barrier, readiness, summary, failure). */
  private onChildMessage(child: Child, msg: ChildMessage): void {
    const id = child.id;
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
    if (msg.type === 'failed' && !child.expectedExit) this.reportFailure(child, { code: msg.code, message: msg.message });
    this.opts.onMessage(id, msg);
  }

  private reportFailure(child: Child, failure: MachineFailure): void {
    if (child.failureReported) return;
    child.failureReported = true;
    this.opts.onFailure?.(child.id, failure, !this.begun);
  }

  /** A machine has ended (its process exited, or its pack reported `ended`): once per machine. */
  private ended(child: Child, end: { how: string; clean: boolean }): void {
    child.alive = false;
    if (!end.clean) child.exitDescription = end.how;
    const unexpected = !child.expectedExit && !end.clean;
    // a machine that ends on its own before the run began (even with exit 0) leaves it unable to start
    if (!child.expectedExit && (unexpected || !this.begun)) {
      const message = (child.lastErrorLine ?? end.how).replace(/^(lamport-lab: )?(error: )?/, '');
      this.reportFailure(child, { code: null, message, how: end.how });
    }
    if (unexpected) this.opts.onUnexpectedExit(child.id, end.how);
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

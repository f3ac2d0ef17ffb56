/**
 * The process around one real machine (what `run-machine` runs once its options and config are
 * loaded): under start-all it follows the IPC start-up sequence (ipc.ts: booted, go, dial, begin)
 * and reports its status and failures; it wires the TCP transport, network faults and row hooks
 * into startMachine, prints the machine's status lines, stops cleanly on SIGINT/SIGTERM or when
 * start-all goes away. Everything it needs from the process (stdout, IPC channel, signals, exit)
 * comes in through a {@link MachineProcessWorld}; only the CLI exits the process.
 */
import type { AnyAlgorithm } from '../../core/algorithm.js';
import { isLabError } from '../../core/errors.js';
import type { MachineId } from '../../core/types.js';
import type { MachineEntry } from '../../config/schema.js';
import { checkLinkFaultIds, type DelayRule, type LossRule, type Partition } from '../../faults/link.js';
import { startMachine, type MachineStatus, type RunningMachine } from './machine.js';
import { TcpTransport } from '../net/tcpTransport.js';
import { MachineLinkFaults } from '../net/linkFaults.js';
import { formatEventLine } from './printer.js';
import { openRowResources } from './algorithmHooks.js';
import { checkRunLock } from '../log/runLock.js';
import type { StartupStep, SupervisorChannel, SupervisorMessage } from '../ipc.js';

/** The run settings the machine process reads (the CLI's resolved RunSettings has them all). */
export interface MachineProcessSettings {
  readonly algorithm: string;
  readonly maxTickRate: number;
  readonly minTickRate: number;
  readonly tickRate: number | undefined;
  readonly durationSec: number | undefined;
  readonly logDir: string;
  readonly quiet: boolean;
  readonly sharedFile: string;
  readonly secret: Buffer | undefined;
  readonly allowAnyHost: boolean;
  readonly helloTimeoutMs: number | undefined;
  readonly maxQueue: number;
}

/** What to run: the loaded config, settings and options of `run-machine <id>`. */
export interface MachineProcessInputs {
  readonly self: MachineEntry;
  /** Every machine of the config, in config order. */
  readonly machines: readonly MachineEntry[];
  readonly settings: MachineProcessSettings;
  readonly seed: number;
  readonly algorithm: AnyAlgorithm;
  /** Wait for every peer before ticking (--no-wait: false). */
  readonly wait: boolean;
  /** Continue log_<id>.csv and its clocks (--append). */
  readonly append: boolean;
  /** Wait for start-all's `go` before listening (--await-go); with an IPC channel: run under start-all. */
  readonly awaitGo: boolean;
  /** --delay / --loss / --partition of this machine. */
  readonly linkRules: { readonly delays: readonly DelayRule[]; readonly losses: readonly LossRule[]; readonly partitions: readonly Partition[] };
  /** Benchmark tracing directory (LAMPORT_LAB_TRACE_DIR), if any. */
  readonly traceDir: string | undefined;
}

/** What a machine process and a pack process both get from the CLI: the process's own hooks. */
export interface ProcessHooks {
  /** The parent process's pid (a live start-all parent holds the log directory's lock). */
  readonly parentPid: number;
  /** Registers a SIGINT/SIGTERM handler; returns its removal. */
  readonly onSignal: (handler: (signal: 'SIGINT' | 'SIGTERM') => void) => () => void;
  /** Registers an uncaught-exception handler; returns its removal. */
  readonly onUncaughtException: (handler: (error: unknown) => void) => () => void;
  /** Ends the process with `status` (the CLI's process.exit). */
  readonly exit: (status: number) => void;
  /** The exit status for an error (a LabError's code's status; internal for anything else). */
  readonly exitStatusFor: (error: unknown) => number;
  /** The exit status of an internal error (a bug). */
  readonly internalStatus: number;
}

/** The process as the machine process sees it (injected by the CLI; tests may fake it). */
export interface MachineProcessWorld extends ProcessHooks {
  /** Writes one line to stdout (never throws). */
  readonly out: (line: string) => void;
  /** Writes to stderr. */
  readonly errorOut: (text: string) => void;
  /** Whether stdout lines get colour. */
  readonly colour: boolean;
  /** The channel to start-all; null when not started by it. */
  readonly ipc: SupervisorChannel | null;
  /**
   * Whether this machine is the only one of its process (default true). A packed process's machine
   * (packProcess.ts) does not own it: its failure must not end the process its neighbours run in.
   */
  readonly ownsProcess?: boolean;
}

/**
 * Under start-all: resolves when the supervisor sends step `type` (`go`: bind the port now, so
 * machines boot in parallel yet listen in config order; `dial`: every machine listens; `begin`:
 * every machine is connected). Register before the message can come, so it cannot be missed.
 */
function awaitSupervisor(ipc: SupervisorChannel, type: StartupStep): Promise<void> {
  return new Promise((resolve) => {
    const off = ipc.onMessage((msg) => {
      if (msg.type === type) {
        off();
        resolve();
      }
    });
  });
}

/**
 * Under start-all: tells the supervisor why this machine fails and closes the IPC channel (its
 * listeners would keep the process alive). A guard timer, unref'd so it never delays a normal exit,
 * ends the process with the error's exit status should any other handle still hold it.
 */
function reportFailure(world: MachineProcessWorld, id: MachineId, e: unknown): void {
  const code = isLabError(e) ? e.code : 'INTERNAL';
  const message = isLabError(e) ? e.message : String((e as Error)?.message ?? e);
  const ipc = world.ipc;
  if (ipc?.connected) {
    ipc.send({ type: 'failed', id, code, message });
    ipc.removeMessageHandlers();
    ipc.disconnect();
  }
  if (world.ownsProcess === false) return;
  const status = world.exitStatusFor(e);
  setTimeout(() => world.exit(status), 3000).unref();
}

/**
 * Runs `action` (loading the config and running the machine); when it fails, reports the failure
 * to start-all (see reportFailure) and rethrows it for the CLI.
 */
export async function reportingFailure(world: MachineProcessWorld, id: MachineId, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (e) {
    reportFailure(world, id, e);
    throw e;
  }
}

/**
 * Applies start-all's fault to this machine when it sends one as a message (packed processes:
 * ipc.ts MachineControl) instead of a signal; other messages are not for it.
 */
function control(machine: RunningMachine, msg: SupervisorMessage): void {
  if (msg.type === 'crash') machine.crash();
  else if (msg.type === 'pause') machine.pause();
  else if (msg.type === 'resume') machine.resume();
  else if (msg.type === 'stop') machine.stop('sigterm');
}

/** Under start-all: report that the process has booted and wait for the supervisor's `go`. */
function awaitGo(ipc: SupervisorChannel): Promise<void> {
  const go = awaitSupervisor(ipc, 'go');
  ipc.send({ type: 'booted' });
  return go;
}

/**
 * Runs the machine until it stops (duration, signal, start-all gone); resolves once it stopped
 * cleanly and the IPC channel is closed, rejects with its typed error otherwise. Invariant: every
 * process listener it registers is removed again before it settles.
 */
export async function runMachineProcess(inputs: MachineProcessInputs, world: MachineProcessWorld): Promise<void> {
  const { self, machines, settings, seed, algorithm } = inputs;
  const id = self.id;
  const { out, colour, ipc } = world;
  const onStatus = (s: MachineStatus): void => {
    if (s.type === 'row') {
      if (!settings.quiet) out(formatEventLine(s.row, colour));
      return;
    }
    ipc?.send(s);
    if (s.type === 'listening') {
      const others = machines.filter((m) => m.id !== id).map((m) => m.id);
      out(`machine ${id} listening on ${s.host}:${s.port}` + (inputs.wait && others.length ? `, waiting for peers ${others.join(', ')}` : ''));
    } else if (s.type === 'connected') {
      out(`machine ${id} connected to all ${s.peers} peers, waiting for the others`);
    } else if (s.type === 'ready') {
      out(`machine ${id} ready: connected to ${s.peers}/${machines.length - 1} peers, ticking at ${s.tickRate}/s (seed ${s.seed})`);
    } else if (s.type === 'stopped') {
      out(`machine ${id} stopped (${s.summary.reason}): ${s.summary.ticks} ticks, Lamport ${s.summary.lamport}, log ${s.summary.logPath}`);
    }
  };
  // opened by the machine once the earlier run's files are archived (the shared file among them)
  let hooks: ReturnType<typeof openRowResources> | null = null;
  const openHooks = (): ReturnType<typeof openRowResources> =>
    (hooks = openRowResources({
      self: id,
      algorithm: settings.algorithm,
      sharedFile: settings.sharedFile,
      report: (msg) => ipc?.send(msg),
    }));
  // network faults: --delay/--loss/--partition around the transport; start-all's
  // partition changes arrive as `link-faults` IPC messages
  const members = machines.map((m) => m.id);
  const linkRules = inputs.linkRules;
  checkLinkFaultIds(members, linkRules);
  const linkFaults = new MachineLinkFaults({ self: id, members, seed, ...linkRules });
  // a live start-all holds this log directory: its files are not ours to archive or overwrite
  // (the machines start-all spawns are its children)
  checkRunLock(settings.logDir, world.parentPid);
  if (inputs.awaitGo && ipc) await awaitGo(ipc);
  const underStartAll = inputs.awaitGo && ipc !== null;
  const beginGate = underStartAll ? awaitSupervisor(ipc, 'begin') : undefined;
  const dialGate = underStartAll ? awaitSupervisor(ipc, 'dial') : undefined;
  const traceDir = inputs.traceDir;
  const machine = await startMachine({
    traceFile: traceDir ? `${traceDir}/trace_${id}.csv` : undefined,
    openRowResources: () => openHooks().parts,
    self,
    machines,
    algorithm,
    seed,
    tickRate: { fixed: settings.tickRate, max: settings.maxTickRate, min: settings.minTickRate },
    wait: inputs.wait,
    beginGate,
    dialGate,
    durationSec: settings.durationSec,
    maxQueue: settings.maxQueue,
    logDir: settings.logDir,
    append: inputs.append,
    archiveEarlier: !underStartAll, // start-all archived the earlier run before starting us
    createTransport: (handlers) =>
      linkFaults.wrap(
        new TcpTransport({
          self: id,
          machines,
          handlers,
          secret: settings.secret,
          allowAnyHost: settings.allowAnyHost,
          helloTimeoutMs: settings.helloTimeoutMs,
          // under start-all the later machines (config order) start with us: no knock on them
          notRunningYet: inputs.awaitGo ? new Set(members.slice(members.indexOf(id) + 1)) : undefined,
          // under start-all every peer dials at once (dialGate): accept all their handshakes
          // together, and give a handshake the time a whole cluster's burst takes on a small host
          // (100 machines: ~5 s of connecting on 2 cores)
          maxPendingHandshakes: underStartAll ? Math.max(64, machines.length) : undefined,
          dialTimeoutMs: underStartAll ? 60_000 : undefined,
        }),
      ),
    onStatus: (s) => {
      linkFaults.onStatus(s);
      onStatus(s);
    },
  }).catch((e: unknown) => {
    // the shared file may be open already
    (hooks as ReturnType<typeof openRowResources> | null)?.close();
    throw e;
  });
  linkFaults.attach(machine.engine);
  // registered once the machine runs (a handler keeps the IPC channel open); start-all sends its
  // first link-faults message only in reply to 'listening', which cannot arrive before this line
  const offIpc = ipc
    ? ipc.onMessage((msg) => {
        if (!linkFaults.onIpcMessage(msg)) control(machine, msg);
      })
    : () => {};
  const offSignal = world.onSignal((signal) => machine.stop(signal === 'SIGINT' ? 'sigint' : 'sigterm'));
  ipc?.onDisconnect(() => machine.stop('supervisor_gone'));
  // a log failure thrown from outside the machine's own handlers (e.g. a delayed DROP row)
  const offUncaught = world.onUncaughtException((e) => {
    if (machine.fail(e)) return;
    world.errorOut(`lamport-lab: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
    world.exit(world.internalStatus);
  });
  try {
    await machine.done;
  } finally {
    (hooks as ReturnType<typeof openRowResources> | null)?.close();
    offSignal();
    offIpc();
    offUncaught();
  }
  ipc?.disconnect();
}

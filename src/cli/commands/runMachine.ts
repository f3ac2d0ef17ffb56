/**
 * `lamport-lab run-machine <id>`: runs one machine of the config in this process until its
 * duration ends or SIGINT/SIGTERM arrives (then stops cleanly and exits 0). When started by
 * start-all it also reports its status over the IPC channel; a failure (at start-up or a log that
 * cannot be written) is reported there as `failed` with its code and one-line message, and the
 * channel is closed so the process exits with the error's status instead of lingering.
 */
import { Option, type Command } from 'commander';
import { loadConfig, findMachine } from '../../config/load.js';
import { createAlgorithm } from '../../algorithms/registry.js';
import { startMachine, type MachineStatus } from '../../runtime/machine.js';
import { TcpTransport } from '../../runtime/net/tcpTransport.js';
import { formatEventLine, useColour } from '../../runtime/printer.js';
import { createRowHooks } from '../../runtime/algorithmHooks.js';
import { intIn } from '../parsers.js';
import { addRunOptions, randomSeed, resolveRunSettings, type RawRunOptions } from '../runOptions.js';
import type { SetExit } from '../program.js';
import { isLabError } from '../../core/errors.js';
import { checkRunLock } from '../../runtime/log/runLock.js';
import { EXIT_INTERNAL, exitCodeFor } from '../exitCodes.js';
// network faults
import type { RawLinkFaultOptions } from '../linkFaultOptions.js';
import { MachineLinkFaults } from '../../runtime/net/linkFaults.js';
import { checkLinkFaultIds } from '../../faults/link.js';

interface RunMachineOptions extends RawRunOptions, RawLinkFaultOptions {
  wait: boolean;
  append?: boolean;
  awaitGo?: boolean;
}

/**
 * Under start-all: resolves when the supervisor sends a message of `type` (`go`: bind the port now,
 * so machines boot in parallel yet listen in config order; `dial`: every machine listens; `begin`:
 * every machine is connected). Register before the message can come, so it cannot be missed.
 */
function awaitSupervisor(type: 'go' | 'dial' | 'begin'): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (msg: unknown): void => {
      if ((msg as { type?: string })?.type === type) {
        process.off('message', onMessage);
        resolve();
      }
    };
    process.on('message', onMessage);
  });
}

/**
 * Under start-all: tells the supervisor why this machine fails and closes the IPC channel (its
 * listeners would keep the process alive). A guard timer, unref'd so it never delays a normal exit,
 * ends the process with the error's exit status should any other handle still hold it.
 */
function reportFailure(id: number, e: unknown): void {
  const code = isLabError(e) ? e.code : 'INTERNAL';
  const message = isLabError(e) ? e.message : String((e as Error)?.message ?? e);
  if (process.connected) {
    process.send?.({ type: 'failed', id, code, message });
    process.removeAllListeners('message');
    process.disconnect?.();
  }
  const status = isLabError(e) ? exitCodeFor(e.code) : EXIT_INTERNAL;
  setTimeout(() => process.exit(status), 3000).unref();
}

/** Runs `action`; when it fails, reports the failure (see reportFailure) and rethrows it for the CLI. */
async function reportingFailure(id: number, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (e) {
    reportFailure(id, e);
    throw e;
  }
}

/** Under start-all: report that the process has booted and wait for the supervisor's `go`. */
function awaitGo(): Promise<void> {
  const go = awaitSupervisor('go');
  process.send?.({ type: 'booted' });
  return go;
}

/** Writes to stdout, ignoring a closed pipe (EPIPE) so output problems never stop a machine. */
function out(line: string): void {
  if (!process.stdout.writable) return;
  process.stdout.write(line + '\n');
}
process.stdout.on('error', () => {});

export function registerRunMachine(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('run-machine')
    .description('run one machine of the config (one terminal per machine)')
    .argument('<id>', 'machine id from the config', intIn(1));
  addRunOptions(cmd)
    .option('--no-wait', 'start ticking at once instead of waiting for every peer')
    .option('--append', 'continue log_<id>.csv and restore the clocks from its last row')
    .addOption(new Option('--await-go', 'wait for start-all to say go before listening (used by start-all)').hideHelp())
    .action((id: number, raw: RunMachineOptions) =>
      reportingFailure(id, async () => {
      const config = loadConfig(raw.config);
      const self = findMachine(config, id);
      const settings = resolveRunSettings(raw, config);
      const seed = settings.seed ?? randomSeed();
      const algorithm = createAlgorithm(settings.algorithm, settings.algorithmOptions);
      const colour = useColour(process.stdout);
      const ipc = typeof process.send === 'function' ? (msg: unknown) => process.connected && process.send!(msg) : null;
      const onStatus = (s: MachineStatus): void => {
        if (s.type === 'row') {
          if (!settings.quiet) out(formatEventLine(s.row, colour));
          return;
        }
        ipc?.(s);
        if (s.type === 'listening') {
          const others = config.machines.filter((m) => m.id !== id).map((m) => m.id);
          out(`machine ${id} listening on ${s.host}:${s.port}` + (raw.wait && others.length ? `, waiting for peers ${others.join(', ')}` : ''));
        } else if (s.type === 'connected') {
          out(`machine ${id} connected to all ${s.peers} peers, waiting for the others`);
        } else if (s.type === 'ready') {
          out(`machine ${id} ready: connected to ${s.peers}/${config.machines.length - 1} peers, ticking at ${s.tickRate}/s (seed ${s.seed})`);
        } else if (s.type === 'stopped') {
          out(`machine ${id} stopped (${s.summary.reason}): ${s.summary.ticks} ticks, Lamport ${s.summary.lamport}, log ${s.summary.logPath}`);
        }
      };
      // opened by the machine once the earlier run's files are archived (the shared file among them)
      let hooks: ReturnType<typeof createRowHooks> | null = null;
      const openHooks = (): ReturnType<typeof createRowHooks> =>
        (hooks = createRowHooks({
          self: id,
          algorithm: settings.algorithm,
          sharedFile: settings.sharedFile,
          report: (msg) => ipc?.(msg),
        }));
      // network faults: --delay/--loss/--partition around the transport; start-all's
      // partition changes arrive as `link-faults` IPC messages
      const members = config.machines.map((m) => m.id);
      const linkRules = { delays: raw.delay ?? [], losses: raw.loss ?? [], partitions: raw.partition ?? [] };
      checkLinkFaultIds(members, linkRules);
      const linkFaults = new MachineLinkFaults({ self: id, members, seed, ...linkRules });
      // a live start-all holds this log directory: its files are not ours to archive or overwrite
      // (the machines start-all spawns are its children)
      checkRunLock(settings.logDir, process.ppid);
      if (raw.awaitGo && ipc) await awaitGo();
      const underStartAll = raw.awaitGo === true && ipc !== null;
      const beginGate = underStartAll ? awaitSupervisor('begin') : undefined;
      const dialGate = underStartAll ? awaitSupervisor('dial') : undefined;
      const traceDir = process.env['LAMPORT_LAB_TRACE_DIR'];
      const machine = await startMachine({
        traceFile: traceDir ? `${traceDir}/trace_${id}.csv` : undefined,
        openRowHooks: () => openHooks().hooks,
        self,
        machines: config.machines,
        algorithm,
        seed,
        tickRate: { fixed: settings.tickRate, max: settings.maxTickRate, min: settings.minTickRate },
        wait: raw.wait,
        beginGate,
        dialGate,
        durationSec: settings.durationSec,
        maxQueue: settings.maxQueue,
        logDir: settings.logDir,
        append: raw.append ?? false,
        archiveEarlier: !underStartAll, // start-all archived the earlier run before starting us
        createTransport: (handlers) =>
          linkFaults.wrap(
            new TcpTransport({
              self: id,
              machines: config.machines,
              handlers,
              secret: settings.secret,
              allowAnyHost: settings.allowAnyHost,
              helloTimeoutMs: settings.helloTimeoutMs,
              // under start-all the later machines (config order) dial us first; we dial each back
              // when its hello arrives, so the two dials of a pair do not cross
              dialOnHelloFrom: raw.awaitGo ? new Set(members.slice(members.indexOf(id) + 1)) : undefined,
              // under start-all every peer dials at once (dialGate): accept all their handshakes
              // together, and give a handshake the time a whole cluster's burst takes on a small host
              // (100 machines: ~5 s of connecting on 2 cores)
              maxPendingHandshakes: underStartAll ? Math.max(64, config.machines.length) : undefined,
              dialTimeoutMs: underStartAll ? 60_000 : undefined,
            }),
          ),
        onStatus: (s) => {
          linkFaults.onStatus(s);
          onStatus(s);
        },
      }).catch((e: unknown) => {
        // the shared file may be open already
        (hooks as ReturnType<typeof createRowHooks> | null)?.close();
        throw e;
      });
      linkFaults.attach(machine.engine);
      // registered once the machine runs (a listener keeps the IPC channel open); start-all sends its
      // first link-faults message only in reply to 'listening', which cannot arrive before this line
      const onLinkFaultsMessage = (msg: unknown): void => void linkFaults.onIpcMessage(msg);
      if (ipc) process.on('message', onLinkFaultsMessage);
      const onSignal = (signal: NodeJS.Signals): void => machine.stop(signal === 'SIGINT' ? 'sigint' : 'sigterm');
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      if (ipc) process.on('disconnect', () => machine.stop('supervisor_gone'));
      // a log failure thrown from outside the machine's own handlers (e.g. a delayed DROP row)
      const onUncaught = (e: unknown): void => {
        if (machine.fail(e)) return;
        process.stderr.write(`lamport-lab: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
        process.exit(EXIT_INTERNAL);
      };
      process.on('uncaughtException', onUncaught);
      try {
        await machine.done;
      } finally {
        (hooks as ReturnType<typeof createRowHooks> | null)?.close();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.off('message', onLinkFaultsMessage);
        process.off('uncaughtException', onUncaught);
      }
      if (ipc) process.disconnect?.();
      setExit(0);
    }),
    );
}

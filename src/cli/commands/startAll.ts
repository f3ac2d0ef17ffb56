/**
 * `lamport-lab start-all`: runs every machine of the config as its own process (via the
 * Supervisor), prefixes their output with a coloured machine id, forwards Ctrl-C/SIGTERM, and
 * prints a per-machine summary table at the end. Exit status 1 if any machine failed.
 *
 * Start-up, in this order, so a run that cannot start touches nothing: take the log directory's
 * lock (a live run holds it: refuse, exit 3), check that every machine can listen (exit 1, or 3
 * when none can), only then archive the earlier run and spawn the machines. A machine failing
 * before the run began ends the run: the others are stopped, the failure is named, exit 1 (3 when
 * every machine failed with an environment error). A machine whose log disk fills up during the
 * run ends the run too (exit 3).
 */
import { machineScriptPath } from '../paths.js';
import { styleText } from 'node:util';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { createAlgorithm } from '../../algorithms/registry.js';
import { deriveSeed } from '../../core/rng.js';
import type { MachineId } from '../../core/types.js';
import { archiveRun } from '../../runtime/log/archive.js';
import { useColour } from '../../runtime/host/printer.js';
import { EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK, exitCodeFor } from '../exitCodes.js';
import type { ErrorCode, LabError } from '../../core/errors.js';
import type { MachineEntry } from '../../config/schema.js';
import { acquireRunLock } from '../../runtime/log/runLock.js';
import type { MachineFailure } from '../../runtime/supervisor.js';
import { intIn, seconds } from '../parsers.js';
import { addRunOptions, randomSeed, resolveRunSettings, BUILTIN, type RawRunOptions } from '../runOptions.js';
import { machineArgv, packArgv } from '../runArgv.js';
import { table } from '../../analysis/format.js';
// fault injection
import { FAULT_HELP, faultOption } from '../faultSpec.js';
import type { FaultSpec } from '../../faults/process.js';
import { prepareFaultRun } from '../../runtime/faults/injector.js';
import type { SetExit } from '../program.js';
// network faults
import { join } from 'node:path';
import type { RawLinkFaultOptions } from '../linkFaultOptions.js';
import { FaultLog } from '../../runtime/faults/injector.js';
import { FAULTS_FILE } from '../../core/faultsFile.js';
import { prepareLinkFaultRun } from '../../runtime/faults/linkSchedule.js';
// live view
import { parseUiPort, UI_DEFAULT_HOST } from './ui.js';

interface StartAllOptions extends RawRunOptions, RawLinkFaultOptions {
  stagger?: number;
  grace: number;
  kill?: FaultSpec[];
  restart?: FaultSpec[];
  pause?: FaultSpec[];
  ui?: true | number;
  uiHost: string;
  machinesPerProcess: number;
}

const PALETTE = ['cyan', 'green', 'yellow', 'magenta', 'blue', 'red', 'cyanBright', 'greenBright', 'yellowBright', 'magentaBright'] as const;

/**
 * V8 options for machine processes. At the model's 1..6 ticks/s a machine runs little JavaScript
 * after start-up, so the optimising compiler (TurboFan) buys nothing, while its code pages and a
 * young generation grown during start-up stay resident. Without TurboFan and with a 1 MiB young
 * generation a machine takes 47–49 MiB instead of 52–56 MiB of RSS (measured here); the CPU to
 * boot and connect is the same within noise (40 machines: 250–258 vs 260–274 ms per machine).
 * `--fast-ticks` runs keep the full JIT for high tick rates. Packed processes
 * (`--machines-per-process` above 1) run k machines' handshakes and rows in one process: they get
 * V8's defaults (300 machines in 15 processes: 112 s of CPU in the garbage collector with a 1 MiB
 * young generation, 25 s without; ready in 64.5 s without TurboFan, 50.2 s with it; measured).
 */
export function machineNodeArgs(fastTicks: boolean, machinesPerProcess = 1): string[] {
  if (machinesPerProcess > 1) return [];
  return fastTicks ? ['--max-semi-space-size=1'] : ['--max-semi-space-size=1', '--no-opt'];
}

/** Error codes that are the environment's fault (exit 3), not the user's input. */
const isEnvironmentCode = (code: string | null): boolean => code !== null && exitCodeFor(code as ErrorCode) === EXIT_ENVIRONMENT;

/**
 * start-all's exit status after machines failed: 3 when every machine of the config failed and
 * all with an environment error (exit 3: busy ports, addresses not on this host, full disk), else 1.
 */
export function failureExitCode(failures: ReadonlyMap<MachineId, { code: string | null; how?: string | undefined }>, machines: number): number {
  const environmental = [...failures.values()].every((f) => isEnvironmentCode(f.code) || f.how === 'exit code 3');
  return failures.size === machines && environmental ? EXIT_ENVIRONMENT : EXIT_FAILED;
}

/**
 * Whether every machine can listen (probed before anything is archived or started); if not, names
 * each machine that cannot and why, and sets the exit status (see failureExitCode).
 */
async function canAllListen(
  machines: readonly MachineEntry[],
  probe: (m: readonly MachineEntry[]) => Promise<Map<MachineId, LabError>>,
  setExit: SetExit,
): Promise<boolean> {
  const unavailable = await probe(machines);
  if (unavailable.size === 0) return true;
  for (const [id, e] of unavailable) process.stderr.write(`start-all: machine ${id} cannot start: ${e.message}\n`);
  process.stderr.write('start-all: nothing was started and no log was touched\n');
  setExit(failureExitCode(new Map([...unavailable].map(([id, e]) => [id, { code: e.code }])), machines.length));
  return false;
}

function write(line: string): void {
  if (process.stdout.writable) process.stdout.write(line + '\n');
}
process.stdout.on('error', () => {});

export function registerStartAll(program: Command, setExit: SetExit): void {
  const cmd = program.command('start-all').description('start every machine of the config, staggered, and stop them cleanly');
  addRunOptions(cmd)
    .option('--stagger <ms>', `minimum ms between machine starts (default ${BUILTIN.stagger})`, intIn(0, 60000))
    .option('--grace <s>', 'seconds to wait after SIGTERM before SIGKILL', seconds, 5)
    .option('--kill <who@s>', FAULT_HELP.kill, faultOption('kill'))
    .option('--restart <who@s>', FAULT_HELP.restart, faultOption('restart'))
    .option('--pause <who@s-s>', FAULT_HELP.pause, faultOption('pause'))
    .option('--machines-per-process <k>', 'run k machines in each Node process, each still with its own port, sockets and log (default 1)', intIn(1, 1000), 1)
    .option('--ui [port]', 'serve a live web view of the run (default: a free port) and print its address', parseUiPort)
    .option('--ui-host <addr>', `address the live view listens on (default ${UI_DEFAULT_HOST}, loopback only)`, UI_DEFAULT_HOST)
    .action(async (raw: StartAllOptions) => {
      const config = loadConfig(raw.config);
      const settings = resolveRunSettings(raw, config);
      createAlgorithm(settings.algorithm, settings.algorithmOptions); // validate the name before spawning anything
      const faultSpecs = [...(raw.kill ?? []), ...(raw.restart ?? []), ...(raw.pause ?? [])];
      // network faults: process and link faults share one faults.csv
      let faultLog: FaultLog | null = null;
      const openFaultLog = (): FaultLog => (faultLog ??= new FaultLog(join(settings.logDir, FAULTS_FILE)));
      const faults = prepareFaultRun(faultSpecs, config.machines.map((m) => m.id), settings.logDir, write, openFaultLog); // validates ids; null without faults
      const linkFaults = prepareLinkFaultRun({
        members: config.machines.map((m) => m.id),
        delays: raw.delay ?? [],
        losses: raw.loss ?? [],
        partitions: raw.partition ?? [],
        print: write,
        openLog: openFaultLog,
      }); // validates ids; null without network faults
      const baseSeed = settings.seed ?? randomSeed();
      const colour = useColour(process.stdout);
      const paint = (id: MachineId, text: string): string => {
        const index = config.machines.findIndex((m) => m.id === id);
        return colour ? styleText(PALETTE[index % PALETTE.length]!, text) : text;
      };
      const width = Math.max(...config.machines.map((m) => String(m.id).length));
      const prefix = (id: MachineId): string => paint(id, `[${String(id).padStart(width)}]`);
      // never touch a live run's files: hold the directory for this run, and archive nothing
      // before every machine is known to be able to listen
      // (released at the end, and at any exit: a lock left by a killed start-all is stale and taken over)
      const lock = acquireRunLock(settings.logDir, 'start-all');
      process.once('exit', lock.release);
      const { Supervisor, probeListen } = await import('../../runtime/supervisor.js');
      if (!(await canAllListen(config.machines, probeListen, setExit))) return lock.release();
      const archived = archiveRun(settings.logDir);
      const packing = raw.machinesPerProcess > 1 ? ` in ${Math.ceil(config.machines.length / raw.machinesPerProcess)} processes (up to ${raw.machinesPerProcess} machines each)` : '';
      write(`start-all: ${config.machines.length} machines${packing}, algorithm ${settings.algorithm}, seed ${baseSeed} (replay with --seed ${baseSeed}), logs in ${settings.logDir}/`);
      if (archived.length) write(`start-all: earlier logs moved to ${archived.join(', ')}`);
      const ui = raw.ui === undefined ? null : await (await import('../../ui/live.js')).startLiveUi({ logDir: settings.logDir, host: raw.uiHost, port: raw.ui === true ? 0 : raw.ui, print: write });
      let failed = false;
      /** Machines that failed before the run began, or whose log failed (disk full) during it. */
      const fatal = new Map<MachineId, MachineFailure>();
      const supervisor = new Supervisor({
        machines: config.machines,
        nodePath: process.execPath,
        nodeArgs: machineNodeArgs(raw.fastTicks === true, raw.machinesPerProcess),
        scriptPath: machineScriptPath(),
        argsFor: (id, append) => {
          const args = machineArgv(raw, settings, deriveSeed(baseSeed, id));
          return append ? [...args, '--append'] : args;
        },
        machinesPerProcess: raw.machinesPerProcess,
        packArgsFor: (ids) => packArgv(raw, settings, new Map(ids.map((id) => [id, deriveSeed(baseSeed, id)]))),
        durationSec: settings.durationSec, // a restarted machine gets only what is left of the run
        staggerMs: raw.stagger ?? config.defaults?.stagger ?? BUILTIN.stagger,
        listenCapMs: 5000,
        bootAhead: 3,
        graceMs: Math.round(raw.grace * 1000),
        onOutput: (id, line, stream) => {
          if (stream === 'stderr') process.stderr.write(`${prefix(id)} ${line}\n`);
          else write(`${prefix(id)} ${line}`);
        },
        onMessage: (id, msg) => {
          faults?.onMessage(id, msg);
          linkFaults?.onMessage(id, msg);
        },
        onUnexpectedExit: (id, how) => {
          failed = true;
          if (!fatal.has(id)) process.stderr.write(`start-all: machine ${id} exited unexpectedly (${how}); the others go on\n`);
        },
        onFailure: (id, failure, beforeBegin) => {
          // a run that cannot begin, or whose logs cannot be written, is over: stop the rest
          const logFailed = failure.code === 'DISK_FULL' || failure.code === 'IO_ERROR';
          if (!beforeBegin && !logFailed) return;
          failed = true;
          fatal.set(id, failure);
          process.stderr.write(`start-all: machine ${id} ${beforeBegin ? 'failed to start' : 'stopped'}: ${failure.message}\n`);
          if (!signalled) {
            process.stderr.write(`start-all: ${beforeBegin ? 'the run cannot begin' : 'the run cannot be logged'}; stopping every machine\n`);
            stopEverything();
          }
        },
      });
      let signalled = false;
      function stopEverything(): void {
        if (signalled) return;
        signalled = true;
        faults?.stop(); // cancel pending faults, SIGCONT paused machines
        linkFaults?.stop();
        void supervisor.stopAll();
      }
      const onSignal = (): void => {
        if (signalled) return;
        write('start-all: stopping every machine (they flush their logs)...');
        stopEverything();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      void supervisor.allReady.then((ms) => write(`start-all: all ${config.machines.length} machines ready in ${Math.round(ms)} ms`));
      await supervisor.start();
      void supervisor.allReady.then(() => faults?.start(supervisor));
      void supervisor.allReady.then(() => linkFaults?.start(supervisor));
      await supervisor.waitAll();
      faults?.stop();
      linkFaults?.stop();
      (faultLog as FaultLog | null)?.close();
      await ui?.stop(); // final analysis to the page, then the server closes
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);

      const summaries = supervisor.summaries();
      const eventNames = [...new Set([...summaries.values()].flatMap((s) => Object.keys(s.events)))]
        .filter((e) => !['START', 'READY', 'STOP', 'CONNECT', 'DISCONNECT'].includes(e))
        .sort();
      const rows = config.machines.map((m) => {
        const s = summaries.get(m.id);
        if (!s) return [m.id, supervisor.exitDescription(m.id) ?? 'no summary', ...eventNames.map(() => '-'), '-', '-'];
        return [m.id, s.tickRate, ...eventNames.map((e) => s.events[e] ?? 0), s.lamport, s.maxQueue];
      });
      write('');
      write(table(['machine', 'tick_rate', ...eventNames.map((e) => e.toLowerCase()), 'lamport', 'max_queue'], rows));
      for (const [id, f] of fatal) write(`start-all: machine ${id} failed: ${f.message}`);
      const logFull = [...fatal.values()].some((f) => f.code === 'DISK_FULL' || f.code === 'IO_ERROR');
      setExit(fatal.size === 0 ? (failed ? EXIT_FAILED : EXIT_OK) : logFull ? EXIT_ENVIRONMENT : failureExitCode(fatal, config.machines.length));
      lock.release();
    });
}

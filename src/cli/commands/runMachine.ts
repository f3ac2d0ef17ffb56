/**
 * `lamport-lab run-machine <id>`: runs one machine of the config in this process until its
 * duration ends or SIGINT/SIGTERM arrives (then stops cleanly and exits 0). When started by
 * start-all it also reports its status over the IPC channel; a failure (at start-up or a log that
 * cannot be written) is reported there as `failed` with its code and one-line message, and the
 * channel is closed so the process exits with the error's status instead of lingering.
 * The command parses options and loads the config; the process itself is runtime/host/machineProcess.ts.
 */
import { Option, type Command } from 'commander';
import { loadConfig, findMachine } from '../../config/load.js';
import { createAlgorithm } from '../../algorithms/registry.js';
import { useColour } from '../../runtime/host/printer.js';
import { intIn } from '../parsers.js';
import { addRunOptions, randomSeed, resolveRunSettings, type RawRunOptions, type RunSettings } from '../runOptions.js';
import type { SetExit } from '../program.js';
import { isLabError } from '../../core/errors.js';
import { EXIT_INTERNAL, exitCodeFor } from '../exitCodes.js';
import { supervisorChannel } from '../../runtime/ipc.js';
import { reportingFailure, runMachineProcess, type MachineProcessInputs, type MachineProcessWorld } from '../../runtime/host/machineProcess.js';
import type { Config, MachineEntry } from '../../config/schema.js';
// network faults
import type { RawLinkFaultOptions } from '../linkFaultOptions.js';

interface RunMachineOptions extends RawRunOptions, RawLinkFaultOptions {
  wait: boolean;
  append?: boolean;
  awaitGo?: boolean;
}

/** Writes to stdout, ignoring a closed pipe (EPIPE) so output problems never stop a machine. */
function out(line: string): void {
  if (!process.stdout.writable) return;
  process.stdout.write(line + '\n');
}
process.stdout.on('error', () => {});

/** This process as the machine process sees it: stdout, the IPC channel to start-all, signals, exit. */
export function processWorld(): MachineProcessWorld {
  return {
    out,
    errorOut: (text) => void process.stderr.write(text),
    colour: useColour(process.stdout),
    ipc: supervisorChannel(process),
    parentPid: process.ppid,
    onSignal: (handler) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    onUncaughtException: (handler) => {
      process.on('uncaughtException', handler);
      return () => void process.off('uncaughtException', handler);
    },
    exit: (status) => process.exit(status),
    exitStatusFor: (e) => (isLabError(e) ? exitCodeFor(e.code) : EXIT_INTERNAL),
    internalStatus: EXIT_INTERNAL,
  };
}

/** Adds the options of one machine (run-machine's, which run-pack shares) to `cmd`. */
export function addMachineOptions(cmd: Command): Command {
  return addRunOptions(cmd)
    .option('--no-wait', 'start ticking at once instead of waiting for every peer')
    .option('--append', 'continue log_<id>.csv and restore the clocks from its last row')
    .addOption(new Option('--await-go', 'wait for start-all to say go before listening (used by start-all)').hideHelp());
}

export function registerRunMachine(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('run-machine')
    .description('run one machine of the config (one terminal per machine)')
    .argument('<id>', 'machine id from the config', intIn(1));
  addMachineOptions(cmd)
    .action((id: number, raw: RunMachineOptions) => {
      const world = processWorld();
      return reportingFailure(world, id, async () => {
        const config = loadConfig(raw.config);
        const self = findMachine(config, id);
        const settings = resolveRunSettings(raw, config);
        await runMachineProcess(machineProcessInputs(raw, config, settings, self, settings.seed ?? randomSeed()), world);
        setExit(0);
      });
    });
}

/** The options run-machine and the packed process (run-pack) share. */
export type MachineCommandOptions = RunMachineOptions;

/**
 * What to run for machine `self` of `config` with `seed`: the one translation of run-machine's
 * options into the machine process's inputs (run-machine and run-pack both use it).
 */
export function machineProcessInputs(raw: MachineCommandOptions, config: Config, settings: RunSettings, self: MachineEntry, seed: number): MachineProcessInputs {
  return {
    self,
    machines: config.machines,
    settings,
    seed,
    algorithm: createAlgorithm(settings.algorithm, settings.algorithmOptions),
    wait: raw.wait,
    append: raw.append ?? false,
    awaitGo: raw.awaitGo === true,
    linkRules: { delays: raw.delay ?? [], losses: raw.loss ?? [], partitions: raw.partition ?? [] },
    traceDir: process.env['LAMPORT_LAB_TRACE_DIR'],
  };
}

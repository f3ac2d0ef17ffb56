/**
 * `lamport-lab run-pack <ids> --seeds <id:seed,...>` (hidden: start-all runs it for
 * `--machines-per-process <k>`): several machines of the config in this one process, each as
 * run-machine would run it (same options), with its own seed. The pack itself is
 * runtime/host/packProcess.ts; this command parses the options, loads the config and maps errors.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { findMachine, loadConfig } from '../../config/load.js';
import { isLabError } from '../../core/errors.js';
import type { MachineId } from '../../core/types.js';
import { runPackProcess } from '../../runtime/host/packProcess.js';
import type { SetExit } from '../program.js';
import { randomSeed, resolveRunSettings } from '../runOptions.js';
import { addMachineOptions, machineProcessInputs, processWorld, type MachineCommandOptions } from './runMachine.js';

interface RunPackOptions extends MachineCommandOptions {
  seeds?: Map<MachineId, number>;
}

/** `1,2,3`: distinct machine ids. */
function idList(value: string): MachineId[] {
  const ids = value.split(',').map((t) => Number(t));
  if (ids.length === 0 || !ids.every((n) => Number.isSafeInteger(n) && n > 0) || new Set(ids).size !== ids.length) {
    throw new InvalidArgumentError(`expected distinct machine ids separated by commas, got "${value}".`);
  }
  return ids;
}

/** `1:42,2:7`: a seed per machine id. */
function seedList(value: string): Map<MachineId, number> {
  const seeds = new Map<MachineId, number>();
  for (const pair of value.split(',')) {
    const m = /^(\d+):(\d+)$/.exec(pair);
    if (!m) throw new InvalidArgumentError(`expected id:seed pairs separated by commas, got "${value}".`);
    seeds.set(Number(m[1]), Number(m[2]));
  }
  return seeds;
}

/** The line the CLI prints for an error (program.ts prints the same for a single machine). */
function describeError(e: unknown): string {
  return isLabError(e) ? `lamport-lab: error: ${e.message}` : `lamport-lab: internal error (please report): ${(e as Error)?.stack ?? String(e)}`;
}

export function registerRunPack(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('run-pack', { hidden: true })
    .description('run several machines of the config in this process (used by start-all --machines-per-process)')
    .argument('<ids>', 'machine ids from the config, separated by commas', idList);
  addMachineOptions(cmd)
    .addOption(new Option('--seeds <id:seed,...>', 'the seed of each machine').argParser(seedList).hideHelp())
    .action(async (ids: MachineId[], raw: RunPackOptions) => {
      const config = loadConfig(raw.config);
      const selves = ids.map((id) => findMachine(config, id));
      const settings = resolveRunSettings(raw, config);
      const inputs = selves.map((self) => machineProcessInputs(raw, config, settings, self, raw.seeds?.get(self.id) ?? settings.seed ?? randomSeed()));
      const channel = typeof process.send === 'function' ? (process as unknown as Parameters<typeof runPackProcess>[1]['channel']) : null;
      const machineWorld = processWorld(); // signals, exit and statuses as run-machine has them
      const status = await runPackProcess(inputs, {
        writeOut: (text) => {
          if (process.stdout.writable) process.stdout.write(text);
        },
        writeErr: (text) => void process.stderr.write(text),
        channel,
        parentPid: machineWorld.parentPid,
        onSignal: machineWorld.onSignal,
        onUncaughtException: machineWorld.onUncaughtException,
        exit: machineWorld.exit,
        exitStatusFor: machineWorld.exitStatusFor,
        internalStatus: machineWorld.internalStatus,
        describeError,
      });
      setExit(status);
    });
}

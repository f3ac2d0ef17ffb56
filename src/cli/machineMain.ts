/**
 * The entry of the machine bundle (dist/bundle/machine.cjs, built by scripts/bundle.mjs) that
 * start-all spawns for each machine: the CLI with run-machine (and run-pack, its packed form) as its only commands, as one
 * CommonJS file. A machine process then loads no code of other commands and skips the ES module
 * loader (which wraps every imported Node built-in in a module facade): see the README's
 * Performance section for the measured start-up saving.
 */
import { registerRunMachine } from './commands/runMachine.js';
import { registerRunPack } from './commands/runPack.js';
import { runProgram } from './program.js';

/** Runs `lamport-lab run-machine …` from `argv` (process.argv form); resolves to the exit status. */
export function machineMain(argv: readonly string[]): Promise<number> {
  return runProgram(
    [
      ['run-machine', () => Promise.resolve(registerRunMachine)],
      ['run-pack', () => Promise.resolve(registerRunPack)],
    ],
    argv,
  );
}

/**
 * The CLI entry: builds the commander program, runs it, and maps every outcome to an exit status.
 * This is the only layer that prints errors for users or chooses exit codes (see exitCodes.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isLabError } from '../core/errors.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exitCodes.js';
import { registerRunMachine } from './commands/runMachine.js';
import { registerStartAll } from './commands/startAll.js';
import { registerSimulate } from './commands/simulate.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerReport } from './commands/report.js';
import { registerExport } from './commands/export.js';
import { registerCompose } from './commands/compose.js';
import { registerExperiment } from './commands/experiment.js';

/** Sets the process's final exit status from inside a command action. */
export type SetExit = (code: number) => void;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Builds the program with every command registered. */
export function buildProgram(setExit: SetExit): Command {
  const program = new Command();
  program
    .name('lamport-lab')
    .description('Run a small asynchronous distributed system over TCP and see what logical clocks do in it.')
    .version(packageVersion())
    .exitOverride()
    .showSuggestionAfterError();
  registerRunMachine(program, setExit);
  registerStartAll(program, setExit);
  registerSimulate(program, setExit);
  registerAnalyze(program, setExit);
  registerReport(program, setExit);
  registerExport(program, setExit);
  registerCompose(program, setExit);
  registerExperiment(program, setExit);
  return program;
}

/** Runs the CLI with `argv` (process.argv form); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; every usage error (unknown option, bad value) exits 2
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (isLabError(e)) {
      process.stderr.write(`lamport-lab: error: ${e.message}\n`);
      return exitCodeFor(e.code);
    }
    process.stderr.write(`lamport-lab: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT_INTERNAL;
  }
}

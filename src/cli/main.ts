/**
 * The CLI entry: builds the commander program, runs it, and maps every outcome to an exit status.
 * This is the only layer that prints errors for users or chooses exit codes (see exitCodes.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths.js';
import { Command, CommanderError } from 'commander';
import { isLabError } from '../core/errors.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exitCodes.js';

type Register = (program: Command, setExit: SetExit) => void;

/**
 * Every command, loaded on demand: a run-machine process loads only run-machine's code (start-up
 * time is a product figure; analysis, reports and execa are not needed to run a machine).
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ['run-machine', async () => (await import('./commands/runMachine.js')).registerRunMachine],
  ['start-all', async () => (await import('./commands/startAll.js')).registerStartAll],
  ['analyze', async () => (await import('./commands/analyze.js')).registerAnalyze],
  ['report', async () => (await import('./commands/report.js')).registerReport],
  ['export', async () => (await import('./commands/export.js')).registerExport],
  ['experiment', async () => (await import('./commands/experiment.js')).registerExperiment],
  ['simulate', async () => (await import('./commands/simulate.js')).registerSimulate],
  ['compose', async () => (await import('./commands/compose.js')).registerCompose],
];

/** Sets the process's final exit status from inside a command action. */
export type SetExit = (code: number) => void;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Builds the program. With `only` naming a known command, just that command is loaded and
 * registered (the fast path for `run-machine`); otherwise every command is (help, suggestions).
 */
export async function buildProgram(setExit: SetExit, only?: string): Promise<Command> {
  const program = new Command();
  program
    .name('lamport-lab')
    .description('Run a small asynchronous distributed system over TCP and see what logical clocks do in it.')
    .version(packageVersion())
    .exitOverride()
    .showSuggestionAfterError();
  const chosen = COMMANDS.filter(([name]) => name === only);
  for (const [, load] of chosen.length ? chosen : COMMANDS) (await load())(program, setExit);
  return program;
}

/** Runs the CLI with `argv` (process.argv form); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  try {
    const program = await buildProgram((code) => {
      exitCode = code;
    }, argv[2]);
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

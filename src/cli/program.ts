/**
 * Building and running the commander program from a table of lazily loaded commands, and mapping
 * every outcome to an exit status. This is the only layer that prints errors for users or chooses
 * exit codes (see exitCodes.ts). Two entries use it: main.ts (every command) and machineMain.ts
 * (run-machine only, for the processes start-all spawns).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths.js';
import { Command, CommanderError } from 'commander';
import { isLabError } from '../core/errors.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exitCodes.js';
import { examplesText } from './helpExamples.js';

/** Sets the process's final exit status from inside a command action. */
export type SetExit = (code: number) => void;

/** Registers one command on the program. */
export type Register = (program: Command, setExit: SetExit) => void;

/** Command name → loader of its registration function (loaded only when needed). */
export type CommandTable = ReadonlyArray<readonly [string, () => Promise<Register>]>;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Builds the program. With `only` naming a command of `commands`, just that command is loaded and
 * registered (the fast path for `run-machine`); otherwise every command is (help, suggestions).
 */
export async function buildProgram(commands: CommandTable, setExit: SetExit, only?: string): Promise<Command> {
  const program = new Command();
  program
    .name('lamport-lab')
    .description('Run a small asynchronous distributed system over TCP and see what logical clocks do in it.')
    .version(packageVersion())
    .exitOverride()
    .showSuggestionAfterError()
    // commander's own errors (unknown command or option, missing argument, bad value) in the one
    // style every error has: `lamport-lab: error: ...` (commander writes `error: ...`)
    .configureOutput({ outputError: (text, write) => write(`lamport-lab: ${text}`) });
  const chosen = commands.filter(([name]) => name === only);
  for (const [, load] of chosen.length ? chosen : commands) (await load())(program, setExit);
  program.addHelpText('after', examplesText(''));
  for (const cmd of program.commands) {
    const text = examplesText(cmd.name());
    if (text) cmd.addHelpText('after', text);
  }
  return program;
}

/** Runs `argv` (process.argv form) against `commands`; resolves to the exit status, never rejects. */
export async function runProgram(commands: CommandTable, argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  try {
    const program = await buildProgram(
      commands,
      (code) => {
        exitCode = code;
      },
      argv[2],
    );
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

/**
 * The CLI entry (bin/lamport-lab.js runs its bundle): every command, each loaded on demand.
 */
import { type CommandTable, runProgram } from './program.js';

/**
 * Every command, loaded on demand: a run-machine process loads only run-machine's code (start-up
 * time is a product figure; analysis, reports and execa are not needed to run a machine).
 */
const COMMANDS: CommandTable = [
  ['run-machine', async () => (await import('./commands/runMachine.js')).registerRunMachine],
  ['run-pack', async () => (await import('./commands/runPack.js')).registerRunPack],
  ['start-all', async () => (await import('./commands/startAll.js')).registerStartAll],
  ['analyze', async () => (await import('./commands/analyze.js')).registerAnalyze],
  ['report', async () => (await import('./commands/report.js')).registerReport],
  ['export', async () => (await import('./commands/export.js')).registerExport],
  ['experiment', async () => (await import('./commands/experiment.js')).registerExperiment],
  ['simulate', async () => (await import('./commands/simulate.js')).registerSimulate],
  ['compose', async () => (await import('./commands/compose.js')).registerCompose],
  ['ui', async () => (await import('./commands/ui.js')).registerUi],
  ['check', async () => (await import('./commands/check.js')).registerCheck],
];

/**
 * A reader that went away (`lamport-lab analyze --help | head -1`) closes the pipe: the rest of
 * the output has no one to read it, which is not an error of ours. Without a listener, Node throws
 * EPIPE as an unhandled 'error' event with a stack trace; every other stream error still surfaces.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}

/** Runs the CLI with `argv` (process.argv form); resolves to the exit status. */
export function main(argv: readonly string[]): Promise<number> {
  ignoreClosedPipes();
  return runProgram(COMMANDS, argv);
}

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

/** Runs the CLI with `argv` (process.argv form); resolves to the exit status. */
export function main(argv: readonly string[]): Promise<number> {
  return runProgram(COMMANDS, argv);
}

/**
 * `lamport-lab analyze [--log-dir logs] [--json]`: reads every log of a run, prints per-machine
 * statistics and each invariant with its violation count and first offending rows (file:line).
 * Exit 0 when every invariant holds, 1 when any fails, 2 on unreadable input (LabError
 * LOG_UNREADABLE / LOG_NOT_FOUND, mapped by main.ts).
 */
import type { Command } from 'commander';
import { formatAnalysisText } from '../../analysis/format.js';
import { analyzeLogDir } from '../../runtime/log/analyzeLogDir.js';
import { EXIT_FAILED, EXIT_OK } from '../exitCodes.js';
import type { SetExit } from '../program.js';
import { nonEmptyPath } from '../parsers.js';

interface AnalyzeOptions {
  logDir: string;
  json?: boolean;
  sharedFile?: string;
}

export function registerAnalyze(program: Command, setExit: SetExit): void {
  program
    .command('analyze')
    .description('check the clock invariants of a run and print per-machine statistics')
    .option('--log-dir <dir>', 'directory holding log_<id>.csv files', nonEmptyPath, 'logs')
    .option('--json', 'print the analysis as JSON')
    .option('--shared-file <path>', 'mutex runs: the shared resource file (default <log-dir>/critical_section.log)')
    .action(async (opts: AnalyzeOptions) => {
      const result = await analyzeLogDir(opts.logDir, { sharedFile: opts.sharedFile });
      process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : formatAnalysisText(result));
      setExit(result.ok ? EXIT_OK : EXIT_FAILED);
    });
}

/**
 * `lamport-lab report [--log-dir logs] [--out report.html]`: analyses a run and writes one
 * self-contained HTML file (charts, space-time diagram, tables; no network needed to open it).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { analyzeIndexedRun } from '../../analysis/analyze.js';
import { LabError } from '../../core/errors.js';
import { checkersForDir, loadRun } from '../../runtime/log/analyzeLogDir.js';
import { EXIT_OK } from '../exitCodes.js';
import type { SetExit } from '../program.js';
import { renderReportHtml } from '../report/html.js';

interface ReportOptions {
  logDir: string;
  out: string;
}

export function registerReport(program: Command, setExit: SetExit): void {
  program
    .command('report')
    .description('write a self-contained HTML report (charts, space-time diagram, invariants) of a run')
    .option('--log-dir <dir>', 'directory holding log_<id>.csv files', 'logs')
    .option('--out <file>', 'output HTML file', 'report.html')
    .action(async (opts: ReportOptions) => {
      const run = await loadRun(opts.logDir);
      const result = analyzeIndexedRun(run, checkersForDir(opts.logDir));
      const html = renderReportHtml(run, result);
      try {
        writeFileSync(opts.out, html);
      } catch (e) {
        throw new LabError('IO_ERROR', `cannot write ${opts.out}: ${(e as Error).message}`, { cause: e });
      }
      process.stdout.write(
        `report: wrote ${opts.out} (${(html.length / 1e6).toFixed(1)} MB, ${result.totalRows} rows, ` +
          `${result.ok ? 'all invariants hold' : 'invariants violated'})\n`,
      );
      setExit(EXIT_OK);
    });
}

/**
 * `lamport-lab report [--log-dir logs] [--out report.html]`: analyses a run and writes one
 * self-contained HTML file (header with the replay command, charts, space-time diagram, tables;
 * no network needed to open it).
 *
 * Memory: the analysis holds the whole run in memory (about {@link BYTES_OF_MEMORY_PER_LOG_BYTE}
 * bytes per byte of log, measured). Before reading anything, report compares the logs' size with
 * what this Node may use and refuses, naming both, rather than die out of memory; the page itself
 * stays bounded (see analysis/reportData.ts).
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { Command } from 'commander';
import { analyzeIndexedRun } from '../../analysis/analyze.js';
import { DEFAULT_MAX_DIAGRAM_ROWS } from '../../analysis/reportData.js';
import { LabError } from '../../core/errors.js';
import { loadRun } from '../../runtime/log/analyzeLogDir.js';
import { LOG_FILE_RE } from '../../runtime/log/reader.js';
import { EXIT_OK } from '../exitCodes.js';
import { intIn, numberIn } from '../parsers.js';
import type { SetExit } from '../program.js';
import { renderReportHtml } from '../../report/html.js';

/** Peak heap per byte of log while reading, analysing and rendering (measured: see the README). */
export const BYTES_OF_MEMORY_PER_LOG_BYTE = 12;

interface ReportOptions {
  logDir: string;
  out: string;
  maxLogMb?: number;
  maxDiagramRows: number;
}

/** Total size of the run's log_<id>.csv files (0 when the directory cannot be listed: the reader says why). */
export function logBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!LOG_FILE_RE.test(name)) continue;
    try {
      total += statSync(join(dir, name)).size;
    } catch {
      /* vanished or unreadable: the reader reports it */
    }
  }
  return total;
}

/** The default --max-log-mb: what this Node's heap limit can analyse. */
export function defaultMaxLogMb(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / BYTES_OF_MEMORY_PER_LOG_BYTE / 1e6);
}

const mb = (bytes: number): string => (bytes < 1e5 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`);

export function registerReport(program: Command, setExit: SetExit): void {
  program
    .command('report')
    .description('write a self-contained HTML report (header with the replay command, charts, space-time diagram, invariants) of a run')
    .option('--log-dir <dir>', 'directory holding log_<id>.csv files', 'logs')
    .option('--out <file>', 'output HTML file', 'report.html')
    .option('--max-log-mb <n>', `refuse logs larger than this many MB (default: what this Node's heap can analyse, ${defaultMaxLogMb()} here)`, numberIn(0.001))
    .option('--max-diagram-rows <n>', 'rows the space-time diagram carries at most (the first rows in time)', intIn(1), DEFAULT_MAX_DIAGRAM_ROWS)
    .addHelpText(
      'after',
      `
Examples:
  lamport-lab report                                 logs/ → report.html
  lamport-lab report --log-dir logs/archive/2026-01-01T10-00-00 --out old.html
  NODE_OPTIONS=--max-old-space-size=16384 lamport-lab report --max-log-mb 1300   a very large run`,
    )
    .action(async (opts: ReportOptions) => {
      const bytes = logBytes(opts.logDir);
      const limitMb = opts.maxLogMb ?? defaultMaxLogMb();
      if (bytes > limitMb * 1e6) {
        throw new LabError(
          'IO_ERROR',
          `${opts.logDir} holds ${mb(bytes)} of logs; report reads a whole run into memory (about ${BYTES_OF_MEMORY_PER_LOG_BYTE} bytes per byte of log) ` +
            `and this Node may use ${mb(getHeapStatistics().heap_size_limit)}, enough for about ${limitMb} MB of logs. ` +
            `Report on a shorter run, or give Node more memory (NODE_OPTIONS=--max-old-space-size=<MB>) and raise --max-log-mb`,
        );
      }
      const run = await loadRun(opts.logDir);
      const result = analyzeIndexedRun(run);
      const html = renderReportHtml(run, result, { maxDiagramRows: opts.maxDiagramRows });
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

/**
 * `lamport-lab export --format shiviz|json [--log-dir logs] [--out run.shiviz]`: writes the run's
 * clock events as a ShiViz log or as JSON Lines (see analysis/shiviz.ts). Without --out, writes to
 * stdout. Exit 2 on unreadable logs or an unknown format.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { jsonLines, shivizLines } from '../../analysis/shiviz.js';
import { LabError } from '../../core/errors.js';
import { loadRun } from '../../runtime/log/analyzeLogDir.js';
import { EXIT_OK } from '../exitCodes.js';
import type { SetExit } from '../program.js';

interface ExportOptions {
  format: 'shiviz' | 'json';
  logDir: string;
  out?: string;
}

/** Writes lines through `sink` in ~1 MiB chunks. */
function writeLines(sink: (chunk: string) => void, lines: Iterable<string>): number {
  let buf: string[] = [];
  let size = 0;
  let count = 0;
  for (const line of lines) {
    buf.push(line);
    size += line.length + 1;
    count++;
    if (size > 1 << 20) {
      sink(buf.join('\n') + '\n');
      buf = [];
      size = 0;
    }
  }
  if (buf.length) sink(buf.join('\n') + '\n');
  return count;
}

export function registerExport(program: Command, setExit: SetExit): void {
  program
    .command('export')
    .description('export the clock events of a run for ShiViz or as JSON Lines')
    .addOption(new Option('--format <format>', 'output format').choices(['shiviz', 'json']).makeOptionMandatory())
    .option('--log-dir <dir>', 'directory holding log_<id>.csv files', 'logs')
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (opts: ExportOptions) => {
      const run = await loadRun(opts.logDir);
      const lines = opts.format === 'shiviz' ? shivizLines(run) : jsonLines(run);
      if (!opts.out) {
        writeLines((chunk) => process.stdout.write(chunk), lines);
      } else {
        let fd: number;
        try {
          fd = openSync(opts.out, 'w');
        } catch (e) {
          throw new LabError('IO_ERROR', `cannot write ${opts.out}: ${(e as Error).message}`, { cause: e });
        }
        try {
          writeLines((chunk) => writeSync(fd, chunk), lines);
        } finally {
          closeSync(fd);
        }
        process.stderr.write(`export: wrote ${opts.out}\n`);
      }
      setExit(EXIT_OK);
    });
}

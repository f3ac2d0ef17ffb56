/**
 * `lamport-lab export --format shiviz|json [--log-dir logs] [--out <file>|-]`: writes the run's
 * clock events as a ShiViz log or as JSON Lines (see analysis/shiviz.ts). Without --out, into the
 * log dir: `<log-dir>/run.shiviz` or `<log-dir>/run.jsonl`, and says where on stderr; `--out -`
 * writes to stdout. Exit 2 on unreadable logs or an unknown format, 3 when the file cannot be written.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { jsonLines, shivizLines } from '../../analysis/shiviz.js';
import { LabError } from '../../core/errors.js';
import { loadRun } from '../../runtime/log/analyzeLogDir.js';
import { EXIT_OK } from '../exitCodes.js';
import { nonEmptyPath } from '../parsers.js';
import type { SetExit } from '../program.js';

interface ExportOptions {
  format: 'shiviz' | 'json';
  logDir: string;
  out?: string;
}

/** The file written into the log dir when --out is not given. */
const DEFAULT_FILE = { shiviz: 'run.shiviz', json: 'run.jsonl' } as const;

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
    .option('--log-dir <dir>', 'directory holding log_<id>.csv files', nonEmptyPath, 'logs')
    .option('--out <file>', `output file, or - for stdout (default: <log-dir>/${DEFAULT_FILE.shiviz}, or ${DEFAULT_FILE.json} with --format json)`, nonEmptyPath)
    .action(async (opts: ExportOptions) => {
      const run = await loadRun(opts.logDir);
      const lines = opts.format === 'shiviz' ? shivizLines(run) : jsonLines(run);
      if (opts.out === '-') {
        writeLines((chunk) => process.stdout.write(chunk), lines);
      } else {
        const out = opts.out ?? join(opts.logDir, DEFAULT_FILE[opts.format]);
        let fd: number;
        try {
          fd = openSync(out, 'w');
        } catch (e) {
          throw new LabError('IO_ERROR', `cannot write ${out}: ${(e as Error).message}`, { cause: e });
        }
        let count: number;
        try {
          count = writeLines((chunk) => writeSync(fd, chunk), lines);
        } finally {
          closeSync(fd);
        }
        process.stderr.write(`export: wrote ${out} (${count} lines)${opts.format === 'shiviz' ? '; open it in ShiViz (see README)' : ''}\n`);
      }
      setExit(EXIT_OK);
    });
}

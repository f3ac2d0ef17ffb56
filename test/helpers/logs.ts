/**
 * Reading log files in tests with csv-parse (strict: a torn row fails the parse).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { LOG_COLUMNS, type LogRow } from '../../src/core/logRow.js';

/** Parses one log file into rows; throws on a malformed or torn row. */
export function readLogFile(path: string): LogRow[] {
  const records = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: false }) as Record<string, string>[];
  const header = readFileSync(path, 'utf8').split('\n')[0];
  if (header !== LOG_COLUMNS.join(',')) throw new Error(`${path}: bad header ${header}`);
  return records.map((r) => ({
    time: r['time']!,
    epoch_ms: Number(r['epoch_ms']),
    machine: Number(r['machine']),
    event: r['event']!,
    lamport: Number(r['lamport']),
    vector: r['vector']!,
    queue_len: Number(r['queue_len']),
    peer: r['peer']!,
    msg_id: r['msg_id']!,
    detail: r['detail']!,
  }));
}

/** All log_<id>.csv files of a dir, by machine id. */
export function readLogDir(dir: string): Map<number, LogRow[]> {
  const out = new Map<number, LogRow[]>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const m = /^log_(\d+)\.csv$/.exec(name);
    if (m) out.set(Number(m[1]), readLogFile(join(dir, name)));
  }
  return out;
}

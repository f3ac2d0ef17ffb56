/**
 * Continuing a log (--append): reads a machine's own earlier log and returns the clocks of its last
 * row and the highest message sequence number it used, so a restarted machine never goes backwards
 * and never reuses a msg_id.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { LabError } from '../../core/errors.js';
import type { MachineId } from '../../core/types.js';
import { parseVector } from '../../core/vector.js';

export interface RestoredClocks {
  readonly lamport: number;
  readonly vector: ReadonlyMap<MachineId, number>;
  readonly lastSeq: number;
  readonly rows: number;
}

/** Reads `path` (a log_<id>.csv of machine `self`); null when there is no such file or no rows. */
export function restoreFromLog(path: string, self: MachineId): RestoredClocks | null {
  if (!existsSync(path)) return null;
  let records: string[][];
  try {
    // relax_column_count: a torn last line is impossible with sync writes, but be lenient on read
    records = parse(readFileSync(path, 'utf8'), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (e) {
    throw new LabError('LOG_UNREADABLE', `${path}: cannot continue this log (${(e as Error).message})`);
  }
  if (records.length <= 1) return null;
  const prefix = `${self}-`;
  let lastSeq = 0;
  for (let i = 1; i < records.length; i++) {
    const msgId = records[i]![8] ?? '';
    if (msgId.startsWith(prefix) && records[i]![3] === 'SEND') {
      const seq = Number(msgId.slice(prefix.length));
      if (seq > lastSeq) lastSeq = seq;
    }
  }
  const last = records[records.length - 1]!;
  const lamport = Number(last[4]);
  const vector = parseVector(last[5] ?? '');
  if (!Number.isInteger(lamport) || vector === null) {
    throw new LabError('LOG_UNREADABLE', `${path}:${records.length}: last row has no valid clocks`);
  }
  return { lamport, vector, lastSeq, rows: records.length - 1 };
}

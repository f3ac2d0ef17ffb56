/**
 * The event log's row schema (ARCHITECTURE.md, "Event log"). Shared by the runtime, which writes
 * rows, and by analysis, which reads them. The column order is the user interface: never reorder.
 */
import type { MachineId } from './types.js';

/** Header of every `log_<id>.csv`, in this order. */
export const LOG_COLUMNS = [
  'time',
  'epoch_ms',
  'machine',
  'event',
  'lamport',
  'vector',
  'queue_len',
  'peer',
  'msg_id',
  'detail',
] as const;

export type LogColumn = (typeof LOG_COLUMNS)[number];

/**
 * One event as written. `vector` is already in log format (`1:4;2:0;3:7`), `peer` is `;`-joined ids
 * ('' when none), `detail` is space-separated `key=value` pairs ('' when none).
 */
export interface LogRow {
  time: string;
  epoch_ms: number;
  machine: MachineId;
  event: string;
  lamport: number;
  vector: string;
  queue_len: number;
  peer: string;
  msg_id: string;
  detail: string;
}

/** The row as an array in column order, ready for csv-stringify. */
export function rowValues(row: LogRow): (string | number)[] {
  return [
    row.time,
    row.epoch_ms,
    row.machine,
    row.event,
    row.lamport,
    row.vector,
    row.queue_len,
    row.peer,
    row.msg_id,
    row.detail,
  ];
}

/** Formats `key=value` pairs for the detail column, skipping undefined values. */
export function formatDetail(pairs: Record<string, string | number | boolean | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(pairs)) {
    if (v === undefined) continue;
    parts.push(`${k}=${v}`);
  }
  return parts.join(' ');
}

/** Parses a detail column back into key → value (values stay strings). Tokens without `=` are skipped. */
export function parseDetail(detail: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!detail) return out;
  for (const token of detail.split(' ')) {
    const eq = token.indexOf('=');
    if (eq > 0) out.set(token.slice(0, eq), token.slice(eq + 1));
  }
  return out;
}

/**
 * `parseDetail(detail).get(key)` without building the map: the value of the last space-separated
 * token `key=value` (the last one wins, as in the map), or undefined. `key` must be non-empty and
 * hold no `=` or space (every key we write).
 */
export function detailValue(detail: string, key: string): string | undefined {
  let found: string | undefined;
  const kl = key.length;
  let a = 0;
  const len = detail.length;
  while (a < len) {
    let b = detail.indexOf(' ', a);
    if (b < 0) b = len;
    if (b - a > kl && detail.charCodeAt(a + kl) === 61 /* = */ && detail.startsWith(key, a)) found = detail.slice(a + kl + 1, b);
    a = b + 1;
  }
  return found;
}

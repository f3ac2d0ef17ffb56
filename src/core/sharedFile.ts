/**
 * The `critical_section.log` format: the shared resource file the mutex algorithms append one
 * line to on every CS_ENTER (`ENTER ...`) and CS_EXIT (`LEAVE ...`), beside the logs (written by
 * the row pipeline's shared-resource sink in real and simulated runs; read by the mutex checker).
 * The one owner of its name and of its line format, as core/logRow.ts is of the CSV rows. Pure.
 */
import { detailValue } from './logRow.js';
import type { MachineId } from './types.js';

/** Default name of the shared resource file in a log directory. */
export const SHARED_FILE_NAME = 'critical_section.log';

/** One line of the shared resource file. */
export interface SharedLine {
  /** 1-based line number. */
  readonly line: number;
  readonly kind: 'ENTER' | 'LEAVE';
  readonly machine: MachineId;
  readonly lamport: number;
  /** The request's timestamp. */
  readonly ts: number;
  readonly epochMs: number;
}

/**
 * The line a machine appends on CS_ENTER (`ENTER`) or CS_EXIT (`LEAVE`), newline included:
 * `ENTER machine=1 lamport=12 ts=9 time=<iso> epoch_ms=<n>`. Null for any other row.
 */
export function formatSharedLine(row: {
  event: string;
  machine: MachineId;
  lamport: number;
  detail: string;
  time: string;
  epoch_ms: number;
}): string | null {
  const kind = row.event === 'CS_ENTER' ? 'ENTER' : row.event === 'CS_EXIT' ? 'LEAVE' : null;
  if (!kind) return null;
  const ts = detailValue(row.detail, 'ts') ?? '';
  return `${kind} machine=${row.machine} lamport=${row.lamport} ts=${ts} time=${row.time} epoch_ms=${row.epoch_ms}\n`;
}

/** Parses the shared file's text. Blank lines are skipped; malformed ones are returned as line numbers. */
export function parseSharedFile(text: string): { lines: SharedLine[]; malformed: number[] } {
  const lines: SharedLine[] = [];
  const malformed: number[] = [];
  const raw = text.split('\n');
  for (let k = 0; k < raw.length; k++) {
    const t = raw[k]!.trim();
    if (t === '') continue;
    const m = /^(ENTER|LEAVE) (.*)$/.exec(t);
    const d = m ? m[2]! : '';
    const machine = Number(detailValue(d, 'machine'));
    const lamport = Number(detailValue(d, 'lamport'));
    const ts = Number(detailValue(d, 'ts'));
    const epochMs = Number(detailValue(d, 'epoch_ms'));
    if (!m || !Number.isInteger(machine) || !Number.isInteger(lamport) || !Number.isInteger(ts) || !Number.isFinite(epochMs)) {
      malformed.push(k + 1);
      continue;
    }
    lines.push({ line: k + 1, kind: m[1] as 'ENTER' | 'LEAVE', machine, lamport, ts, epochMs });
  }
  return { lines, malformed };
}

/** The shared resource file, as the caller read it. */
export interface SharedFileText {
  /** Name used in `file:line` references. */
  readonly name: string;
  readonly text: string;
}

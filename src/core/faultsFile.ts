/**
 * The `faults.csv` format: the faults a run suffered, one row each, beside the logs (written by
 * start-all's injectors and by `check` for a counterexample; read by analysis, report, the live
 * view). The one owner of its name, its columns and the meaning of each cell; writers format rows
 * with csv-stringify; {@link parseFaultsCsv} reads a whole file with csv-parse (the live view's tail
 * parses line by line and maps records with {@link faultRecordOf}). Pure. The column order is the user interface.
 */
import { parse } from 'csv-parse/sync';
import type { MachineId } from './types.js';

/** The file's name inside a log directory. */
export const FAULTS_FILE = 'faults.csv';

/** Header of faults.csv, in this order. */
export const FAULT_COLUMNS = ['time', 'epoch_ms', 'fault', 'machine', 'detail'] as const;

/** One fault as written. */
export interface FaultEntry {
  readonly epochMs: number;
  /** kill | restart | pause | resume | skipped | partition | heal | delay | loss */
  readonly fault: string;
  /** null when the fault concerns no one machine (link faults) or could not be resolved (no leader yet). */
  readonly machine: MachineId | null;
  readonly detail: string;
  /** The `time` column; default: epochMs as ISO 8601 UTC. */
  readonly time?: string;
}

/** One fault as read, with its 1-based line in the file. */
export interface FaultRecord {
  readonly line: number;
  readonly epochMs: number;
  readonly fault: string;
  readonly machine: MachineId | null;
  readonly detail: string;
}

/** The cells of one row, in FAULT_COLUMNS order (machine empty when null). */
export function faultCells(e: FaultEntry): (string | number)[] {
  return [e.time ?? new Date(e.epochMs).toISOString(), e.epochMs, e.fault, e.machine ?? '', e.detail];
}

/** True when `fields` is the header row. */
export function isFaultHeader(fields: readonly string[]): boolean {
  return FAULT_COLUMNS.length <= fields.length && FAULT_COLUMNS.every((c, i) => fields[i] === c);
}

/**
 * One parsed CSV record (its fields) → a FaultRecord, or null when epoch_ms is not a finite number.
 * A machine cell that is not an integer reads as null.
 */
export function faultRecordOf(fields: readonly string[], line: number): FaultRecord | null {
  const epochMs = Number(fields[1]);
  if (!Number.isFinite(epochMs)) return null;
  const m = Number(fields[3]);
  return { line, epochMs, fault: fields[2] ?? '', machine: fields[3] && Number.isInteger(m) ? m : null, detail: fields[4] ?? '' };
}

/**
 * Parses faults.csv text. Rows with a bad epoch are skipped; a missing or unknown header throws
 * RangeError. Invariant: records come back in file order with their 1-based line numbers.
 */
export function parseFaultsCsv(text: string): FaultRecord[] {
  const rows = parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  if (rows.length === 0) return [];
  const header = rows[0]!;
  if (!isFaultHeader(header)) throw new RangeError(`faults.csv: unexpected header "${header.join(',')}"`);
  const out: FaultRecord[] = [];
  for (let i = 1; i < rows.length; i++) {
    const rec = faultRecordOf(rows[i]!, i + 1);
    if (rec) out.push(rec);
  }
  return out;
}

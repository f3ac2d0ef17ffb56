/**
 * In-memory rows (as the runtime writes them) → the parsed form analysis reads from files, with the
 * same `file:line` references (`log_<id>.csv`, header = line 1). Used by `simulate --check` and tests.
 */
import { isClockEvent } from '../algorithms/registry.js';
import type { LogRow } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import { parseVectorInto } from '../core/vector.js';
import type { LogEntry, MachineLog, RunLogs } from './types.js';


/**
 * Turns in-memory rows into the parsed form the analysis reads from files: the same `file:line`
 * references (`log_<id>.csv`, header = line 1) as if the rows had been written and read back.
 * Invariant: for rows written by the simulator, equal to readLogDir() of the files it would write.
 */
export function rowsToRunLogs(rows: ReadonlyMap<MachineId, readonly LogRow[]>, layout: readonly MachineId[], dir = '(memory)'): RunLogs {
  const n = layout.length;
  const warnings: string[] = [];
  const machines: MachineLog[] = [...rows.keys()]
    .sort((a, b) => a - b)
    .map((id) => {
      const list = rows.get(id)!;
      const vectors = new Int32Array(list.length * n);
      const entries: LogEntry[] = list.map((r, i) => {
        if (!parseVectorInto(r.vector, layout, vectors, i * n)) warnings.push(`log_${id}.csv:${i + 2}: vector "${r.vector}" does not match the layout`);
        return {
          line: i + 2,
          time: r.time,
          epochMs: r.epoch_ms,
          event: r.event,
          lamport: r.lamport,
          queueLen: r.queue_len,
          peer: r.peer,
          msgId: r.msg_id,
          detail: r.detail,
          clock: isClockEvent(r.event),
        };
      });
      return { file: `log_${id}.csv`, machine: id, rows: entries, vectors };
    });
  return { dir, layout: [...layout].sort((a, b) => a - b), machines, warnings };
}

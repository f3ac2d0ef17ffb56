/**
 * Where the simulator's rows go: a directory of `log_<id>.csv` files in exactly the format of real
 * runs (the same header and formatRow), an in-memory collector (simulate --check, tests), or
 * nothing (simulate --no-logs). The file writer buffers rows of all machines under one shared byte
 * budget and appends them file by file, so 10,000 machines need neither 10,000 open descriptors nor
 * 10,000 large buffers. Nobody can SIGKILL a simulation mid-row, so batching loses nothing.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../core/errors.js';
import type { LogRow } from '../../core/logRow.js';
import type { MachineId } from '../../core/types.js';
import type { RowSink } from '../engine.js';
import { LOG_HEADER, formatRow } from '../log/csvLog.js';
import { SHARED_FILE_NAME } from '../../core/sharedFile.js';
import type { SharedResourceOut } from '../host/rowPipeline.js';

/** The sink of `--no-logs`: keeps nothing, so the engine does not even build rows. */
export const DISCARD_SINK: RowSink = { write() {}, discards: true };

/**
 * Writes one `log_<id>.csv` per machine into `dir` (created; existing files of these names are
 * truncated: archive them first). Invariant: after close(), each file holds the header and every
 * row written for that machine, in order, byte-identical to what SyncCsvLog would have written.
 */
export class SimLogDir {
  private readonly chunks = new Map<MachineId, string[]>();
  private bytes = 0;
  /** Buffered shared-resource lines, once sharedResource() was called. */
  private shared: string[] | null = null;
  rows = 0;

  constructor(
    readonly dir: string,
    ids: readonly MachineId[],
    private readonly budgetBytes = 64 << 20,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new LabError('IO_ERROR', `${dir}: cannot create log directory (${(e as Error).message})`);
    }
    for (const id of ids) {
      this.chunks.set(id, []);
      this.append(id, LOG_HEADER, 'w');
    }
  }

  /** Path of a machine's log. */
  path(id: MachineId): string {
    return join(this.dir, `log_${id}.csv`);
  }

  /** The sink for one machine. */
  sink(id: MachineId): RowSink {
    const list = this.chunks.get(id);
    if (!list) throw new RangeError(`machine ${id} has no log in this run`);
    return {
      write: (row: LogRow) => {
        const line = formatRow(row);
        list.push(line);
        this.rows++;
        this.bytes += line.length;
        if (this.bytes >= this.budgetBytes) this.flush();
      },
    };
  }

  /**
   * The run's shared resource file (`critical_section.log` in the directory, created now, empty),
   * for the mutex algorithms' row pipelines: lines are buffered under the same byte budget and
   * appended in the order they came, which is the simulation's global event order.
   */
  sharedResource(): SharedResourceOut {
    if (this.shared === null) {
      this.shared = [];
      this.appendTo(this.sharedPath(), '', 'w');
    }
    const lines = this.shared;
    return {
      append: (line) => {
        lines.push(line);
        this.bytes += line.length;
        if (this.bytes >= this.budgetBytes) this.flush();
      },
    };
  }

  /** Path of the shared resource file. */
  private sharedPath(): string {
    return join(this.dir, SHARED_FILE_NAME);
  }

  /** Appends every buffered row to its file (and buffered shared-resource lines to theirs). */
  flush(): void {
    for (const [id, list] of this.chunks) {
      if (list.length === 0) continue;
      this.append(id, list.join(''), 'a');
      list.length = 0;
    }
    if (this.shared !== null && this.shared.length > 0) {
      this.appendTo(this.sharedPath(), this.shared.join(''), 'a');
      this.shared.length = 0;
    }
    this.bytes = 0;
  }

  /** Flushes everything. The files are complete afterwards. */
  close(): void {
    this.flush();
  }

  private append(id: MachineId, text: string, flags: 'w' | 'a'): void {
    this.appendTo(this.path(id), text, flags);
  }

  private appendTo(path: string, text: string, flags: 'w' | 'a'): void {
    try {
      const fd = openSync(path, flags);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw new LabError('IO_ERROR', `${path}: cannot write log (${(e as Error).message})`);
    }
  }
}

/** Collects every machine's rows in memory (for --check and tests). */
export class MemoryLogs {
  readonly rows = new Map<MachineId, LogRow[]>();

  sink(id: MachineId): RowSink {
    const list: LogRow[] = [];
    this.rows.set(id, list);
    return { write: (row) => list.push(row) };
  }
}

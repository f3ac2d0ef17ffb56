/**
 * The row pipeline of one machine, the same for every driver (a real process, the simulator, and
 * next the model checker's replays and packed processes): every row the engine writes goes first
 * to the machine's log (a file or memory), then to the algorithm's shell side effects (the mutex
 * algorithms' shared resource; the election's leader report to start-all), then to the console
 * printer. One function builds it ({@link buildRowPipeline}); what differs between drivers is only
 * where each part writes.
 */
import { algorithmModule } from '../../algorithms/registry.js';
import { formatSharedLine } from '../../core/sharedFile.js';
import type { LogRow } from '../../core/logRow.js';
import type { MachineId } from '../../core/types.js';
import type { RowSink } from '../engine.js';
import type { LeaderReport } from '../ipc.js';
import { leaderStatusHook } from './leaderStatus.js';

/**
 * A sink that hands each row to every sink, in order. Invariant: when write() returns, every sink
 * has the row; the first sink gets it before any other (the log first: a row is in the log before
 * any side effect of it). It discards only when every sink does (then the engine builds no rows).
 */
export function teeRowSinks(sinks: readonly RowSink[]): RowSink {
  const live = sinks.filter((s) => s.discards !== true);
  if (live.length === 0) return { write() {}, discards: true };
  if (live.length === 1) return live[0]!;
  return {
    write(row) {
      for (const s of live) s.write(row);
    },
  };
}

/**
 * Where the run's shared resource lines go (`critical_section.log`): one file every machine of a
 * real run appends to (runtime/host/sharedResource.ts), or the simulator's one collector in global
 * event order. append() gets whole lines and must hand each to the OS (or memory) before returning.
 */
export interface SharedResourceOut {
  append(line: string): void;
}

/** The sink that appends the ENTER/LEAVE line of every CS_ENTER/CS_EXIT row to the shared resource. */
export function sharedResourceSink(out: SharedResourceOut): RowSink {
  return {
    write(row) {
      const line = formatSharedLine(row);
      if (line !== null) out.append(line);
    },
  };
}

/** Whether an algorithm's rows feed the run's shared resource (its module's rowHook). */
export function usesSharedResource(algorithm: string): boolean {
  return algorithmModule(algorithm)?.rowHook === 'shared-resource';
}

export interface RowPipelineParts {
  readonly self: MachineId;
  /** The --algorithm name: its module says which side effects its rows have. */
  readonly algorithm: string;
  /** The machine's log: a CSV file, memory, or a discarding sink. */
  readonly log: RowSink;
  /** The run's shared resource, for the algorithms that use one (module rowHook 'shared-resource'). */
  readonly sharedResource?: SharedResourceOut | undefined;
  /** Reports whom this machine follows (start-all's IPC), on LEADER / LEADER_LOST / START rows. */
  readonly report?: ((msg: LeaderReport) => void) | undefined;
  /** The console printer (or any observer of every row), last. */
  readonly print?: ((row: LogRow) => void) | undefined;
}

/**
 * Builds the pipeline: log, shared resource (when the algorithm uses it and one is given), leader
 * report (when given), printer (when given). Invariant: the order of the parts is fixed, so every
 * driver produces the same side effects in the same order for the same rows.
 */
export function buildRowPipeline(p: RowPipelineParts): RowSink {
  const sinks: RowSink[] = [p.log];
  if (p.sharedResource && usesSharedResource(p.algorithm)) sinks.push(sharedResourceSink(p.sharedResource));
  if (p.report) {
    const hook = leaderStatusHook(p.self, p.report);
    sinks.push({ write: hook });
  }
  if (p.print) {
    const print = p.print;
    sinks.push({ write: print });
  }
  return teeRowSinks(sinks);
}

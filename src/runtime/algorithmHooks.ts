/**
 * Per-algorithm runtime hooks for real processes: side effects that belong to the imperative shell
 * rather than the pure algorithm (e.g. the mutex's shared file, the election's leader status sent
 * to start-all). Each hook sees every row after it has been written to the log.
 */
import type { LogRow } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import { SHARED_RESOURCE_ALGORITHMS, openSharedResource } from './sharedResource.js';
import { leaderStatusHook } from './leaderStatus.js';
import type { ChildMessage } from './ipc.js';

/** Called with every row, after the row reached the log. */
export type RowHook = (row: LogRow) => void;

export interface HookContext {
  readonly self: MachineId;
  readonly algorithm: string;
  /** Path of the mutex algorithms' shared resource file. */
  readonly sharedFile: string;
  /** Sends a status message to start-all, when run under it. */
  readonly report: (msg: ChildMessage) => void;
}

/** Hooks for one machine; returns a close function for resources the hooks opened. */
export function createRowHooks(_ctx: HookContext): { hooks: RowHook[]; close: () => void } {
  const hooks: RowHook[] = [];
  const closers: (() => void)[] = [];
  if (SHARED_RESOURCE_ALGORITHMS.has(_ctx.algorithm)) {
    const shared = openSharedResource(_ctx.sharedFile);
    hooks.push(shared.hook);
    closers.push(shared.close);
  }
  hooks.push(leaderStatusHook(_ctx.self, _ctx.report)); // election: whom this machine follows, for start-all
  return { hooks, close: () => closers.forEach((c) => c()) };
}

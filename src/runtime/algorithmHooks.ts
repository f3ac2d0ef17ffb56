/**
 * Per-algorithm runtime hooks for real processes: side effects that belong to the imperative shell
 * rather than the pure algorithm (e.g. the mutex's shared file, the election's leader status sent
 * to start-all). Each hook sees every row after it has been written to the log.
 *
 * This is the runtime's per-algorithm registry: {@link ROW_HOOKS}, keyed by the hook kind an
 * algorithm's module names (AlgorithmModule.rowHook, e.g. the mutex modules' 'shared-resource').
 * The leader status hook runs for every algorithm (it reacts only to election rows).
 */
import type { LogRow } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import { algorithmModule } from '../algorithms/registry.js';
import type { RowHookKind } from '../algorithms/module.js';
import { openSharedResource } from './sharedResource.js';
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

/** Opens the resources of one hook kind: the hook and its close function. */
const ROW_HOOKS: Record<RowHookKind, (ctx: HookContext) => { hook: RowHook; close: () => void }> = {
  'shared-resource': (ctx) => openSharedResource(ctx.sharedFile),
};

/** Hooks for one machine; returns a close function for resources the hooks opened. */
export function createRowHooks(_ctx: HookContext): { hooks: RowHook[]; close: () => void } {
  const hooks: RowHook[] = [];
  const closers: (() => void)[] = [];
  const kind = algorithmModule(_ctx.algorithm)?.rowHook;
  if (kind !== undefined) {
    const opened = ROW_HOOKS[kind](_ctx);
    hooks.push(opened.hook);
    closers.push(opened.close);
  }
  hooks.push(leaderStatusHook(_ctx.self, _ctx.report)); // election: whom this machine follows, for start-all
  return { hooks, close: () => closers.forEach((c) => c()) };
}

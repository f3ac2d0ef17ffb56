/**
 * Per-algorithm resources of a real process's row pipeline (rowPipeline.ts): side effects that
 * belong to the imperative shell rather than the pure algorithm (the mutex algorithms' shared file,
 * the election's leader status sent to start-all). The pipeline feeds them every row after it has
 * been written to the log.
 *
 * This is the runtime's per-algorithm registry: {@link ROW_RESOURCES}, keyed by the hook kind an
 * algorithm's module names (AlgorithmModule.rowHook, e.g. the mutex modules' 'shared-resource').
 * The leader report is wired for every algorithm (it reacts only to election rows).
 */
import type { MachineId } from '../../core/types.js';
import { algorithmModule } from '../../algorithms/registry.js';
import type { RowHookKind } from '../../algorithms/module.js';
import { openSharedResource } from './sharedResource.js';
import type { ChildMessage } from '../ipc.js';
import type { RowPipelineParts } from './rowPipeline.js';

export interface HookContext {
  readonly self: MachineId;
  readonly algorithm: string;
  /** Path of the mutex algorithms' shared resource file. */
  readonly sharedFile: string;
  /** Sends a status message to start-all, when run under it. */
  readonly report: (msg: ChildMessage) => void;
}

/** The pipeline parts a process opens for its algorithm, besides the log and the printer. */
export type RowResources = Pick<RowPipelineParts, 'sharedResource' | 'report'>;

/** Opens the resources of one hook kind: the pipeline part and its close function. */
const ROW_RESOURCES: Record<RowHookKind, (ctx: HookContext) => { part: RowResources; close: () => void }> = {
  'shared-resource': (ctx) => {
    const shared = openSharedResource(ctx.sharedFile);
    return { part: { sharedResource: shared }, close: shared.close };
  },
};

/** Opens one machine's row resources; `close` releases what was opened (idempotent). */
export function openRowResources(ctx: HookContext): { parts: RowResources; close: () => void } {
  const kind = algorithmModule(ctx.algorithm)?.rowHook;
  const opened = kind !== undefined ? ROW_RESOURCES[kind](ctx) : null;
  // election: whom this machine follows, for start-all
  return { parts: { ...opened?.part, report: ctx.report }, close: () => opened?.close() };
}

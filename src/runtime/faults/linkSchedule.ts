/**
 * start-all's side of the network faults: the partition windows of `--partition` run on
 * start-all's timers, counted from when every machine is ready, and each start or end is sent to
 * every live child over IPC (`{type:'link-faults', blocks, partitions}`, the complete set in force)
 * and recorded in faults.csv (`partition` / `heal`, machine column empty: a partition concerns
 * links, not one machine). Delay and loss rules go to the children as flags (they apply from the
 * child's start); they are recorded once (`delay` / `loss`) when the clock starts. A restarted child
 * is sent the set in force as soon as it listens.
 */
import { LabError } from '../../core/errors.js';
import type { MachineId } from '../../core/types.js';
import type { FaultEntry } from './injector.js';
import type { LinkFaultsMessage, SupervisorMessage } from '../ipc.js';
import {
  type DelayRule,
  type LinkBlock,
  type Partition,
  type LossRule,
  checkLinkFaultIds,
  describeDelayRule,
  describeLossRule,
  describePartition,
  partitionBlocks,
  partitionTimeline,
  partitionsActiveAt,
} from '../../faults/link.js';

/** The children as the link-fault run drives them (the Supervisor has these). */
export interface LinkFaultTargets {
  /** Sends an IPC message to a live child; false when it is not running. */
  message(id: MachineId, msg: SupervisorMessage): boolean;
  isAlive(id: MachineId): boolean;
}

export interface LinkFaultRunOptions {
  readonly members: readonly MachineId[];
  readonly delays: readonly DelayRule[];
  readonly losses: readonly LossRule[];
  readonly partitions: readonly Partition[];
  /** Prints one line for the user. */
  readonly print: (line: string) => void;
  /** Opens faults.csv (shared with the process faults); called once, at start(). */
  readonly openLog: () => { readonly path: string; record(e: FaultEntry): void };
  /** Wall-clock epoch ms (default Date.now). */
  readonly now?: () => number;
}

/** start-all's network-fault run. */
export interface LinkFaultRun {
  /** Feed every IPC message of the children: a (re)started child that listens gets the set in force. */
  onMessage(id: MachineId, msg: { readonly type: string }): void;
  /** Call once every machine is ready: records delay/loss, starts the partition timers. */
  start(targets: LinkFaultTargets): void;
  /** Cancels pending partition changes. Idempotent. */
  stop(): void;
  /** The blocks in force now (for tests). */
  readonly blocks: readonly LinkBlock[];
}

/**
 * Validates the rules against the config (LabError INVALID_OPTION for an unknown id) and prepares
 * their run; null when no network fault was asked for. Invariant: every partition start and end is
 * recorded exactly once, after it was sent to every live child; nothing fires after stop().
 */
export function prepareLinkFaultRun(opts: LinkFaultRunOptions): LinkFaultRun | null {
  const { members, delays, losses, partitions, print } = opts;
  if (delays.length === 0 && losses.length === 0 && partitions.length === 0) return null;
  checkLinkFaultIds(members, { delays, losses, partitions });
  const now = opts.now ?? (() => Date.now());
  const timeline = partitionTimeline(partitions);
  let timers: NodeJS.Timeout[] = [];
  let targets: LinkFaultTargets | null = null;
  let log: ReturnType<LinkFaultRunOptions['openLog']> | null = null;
  let current: LinkFaultsMessage = { type: 'link-faults', blocks: [], partitions: [] };
  let t0 = 0;
  let stopped = false;

  const broadcast = (): void => {
    if (!targets) return;
    for (const id of members) if (targets.isAlive(id)) targets.message(id, current);
  };

  const apply = (atMs: number, kind: 'partition' | 'heal', p: Partition): void => {
    if (stopped || !log) return;
    const active = partitionsActiveAt(partitions, atMs);
    current = { type: 'link-faults', blocks: active.flatMap((a) => partitionBlocks(a, members)), partitions: active.map((a) => a.text) };
    broadcast();
    const groups = describePartition(p, members);
    const at = `${((now() - t0) / 1000).toFixed(1)} s`;
    print(`start-all: fault at ${at}: ${kind} ${groups} (${p.mode}, spec ${p.text})`);
    log.record({ epochMs: now(), fault: kind, machine: null, detail: `spec=${p.text} mode=${p.mode} groups=${groups} active=${active.length}` });
  };

  return {
    get blocks() {
      return current.blocks;
    },
    onMessage(id, msg) {
      if (msg.type !== 'listening' || !targets || stopped || current.blocks.length === 0) return;
      targets.message(id, current);
    },
    start(t) {
      if (stopped || targets) return;
      targets = t;
      t0 = now();
      try {
        log = opts.openLog();
      } catch (e) {
        throw e instanceof LabError ? e : new LabError('IO_ERROR', (e as Error).message);
      }
      const parts = [
        delays.length ? `${delays.length} delay rule(s)` : '',
        losses.length ? `${losses.length} loss rule(s)` : '',
        partitions.length ? `${partitions.length} partition(s), times counted from now` : '',
      ].filter(Boolean);
      print(`start-all: network faults: ${parts.join(', ')}; recorded in ${log.path}`);
      for (const r of delays) log.record({ epochMs: t0, fault: 'delay', machine: null, detail: `${describeDelayRule(r)} since=start` });
      for (const r of losses) log.record({ epochMs: t0, fault: 'loss', machine: null, detail: `${describeLossRule(r)} since=start` });
      for (const c of timeline) timers.push(setTimeout(() => apply(c.atMs, c.kind, c.partition), c.atMs));
    },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers = [];
    },
  };
}

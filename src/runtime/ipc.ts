/**
 * The IPC protocol between start-all (supervisor.ts) and each run-machine child it spawns (as
 * net/protocol.ts is for TCP between machines): the messages of both directions as discriminated
 * unions, one parser per direction (anything malformed or of an unknown type parses to null and is
 * ignored), and the child's typed view of Node's IPC channel.
 *
 * Start-up of one machine (every machine boots in parallel, listens in config order):
 *
 *   supervisor                          child (run-machine <id> --await-go)
 *       │ spawn ───────────────────────────▶ │ boot (load code, config, check run lock)
 *       │ ◀──────────────────────── booted   │
 *       │ go ────────────────────────────▶   │ listen (bind the port, open the log)
 *       │ ◀───────────────────── listening   │
 *       │   … once every machine listens …   │
 *       │ dial ──────────────────────────▶   │ dial the peers
 *       │ ◀───────────────────── connected   │ every link up, both directions
 *       │   … once every machine is connected …
 *       │ begin ─────────────────────────▶   │ READY row, start ticking
 *       │ ◀───────────────────────── ready   │
 *       │ ◀──────────── leader (elections)   │ on every change of leader
 *       │ link-faults (--partition) ──────▶  │ the complete set of blocked links in force
 *       │   … duration ends, or SIGTERM …    │
 *       │ ◀─────────────────────── stopped   │ summary; then the child disconnects and exits
 *
 * A child that cannot go on (start-up error, log not writable) sends `failed` instead, at any
 * step, and disconnects. A restarted child (--append) is not sent go/dial/begin: it does not wait.
 *
 * Packed processes (`start-all --machines-per-process <k>`, host/packProcess.ts) run k machines
 * and carry each machine's messages, both ways, in a {@link PackEnvelope} `{ machine, msg }`; each
 * machine follows the sequence above on its own. In a pack, faults to one machine are messages
 * (crash, pause, resume, stop: {@link MachineControl}) instead of signals, and when one of its
 * machines has ended the pack reports `ended` with the status the machine's own process would
 * have exited with.
 */
import { z } from 'zod/v3';
import type { MachineId } from '../core/types.js';
import type { LinkBlock } from '../faults/link.js';
import type { MachineStatus } from './host/machineStatus.js';

// ---- child → supervisor ----------------------------------------------------------------------

/**
 * Status messages children send over IPC: the machine's status updates without rows (listening,
 * connected, ready, stopped), plus `booted`, `failed` and the election's `leader`.
 */
export type ChildMessage =
  | Exclude<MachineStatus, { type: 'row' }>
  /** The process has loaded and waits for `go`. */
  | { type: 'booted' }
  /** The machine cannot go on (start-up error, log not writable): its error code and one-line message. */
  | FailedReport
  | LeaderReport
  | EndedReport;

/** `ended` (packed processes only): the machine has ended; its process's exit status, had it had one, and whether it crashed. */
export interface EndedReport {
  readonly type: 'ended';
  readonly id: MachineId;
  readonly status: number;
  readonly crashed: boolean;
}

/** `failed`: the machine's LabError code (`INTERNAL` for anything else) and one-line message. */
export interface FailedReport {
  readonly type: 'failed';
  readonly id: MachineId;
  readonly code: string;
  readonly message: string;
}

/** `leader`: whom this machine follows now (null: none), see leaderStatus.ts. */
export interface LeaderReport {
  readonly type: 'leader';
  readonly id: MachineId;
  readonly leader: MachineId | null;
}

const machineId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0);

const summarySchema = z.object({
  id: machineId,
  tickRate: z.number(),
  seed: z.number(),
  ticks: count,
  lamport: count,
  maxQueue: count,
  events: z.record(z.number()),
  reason: z.string(),
  logPath: z.string(),
});

const childMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('booted') }),
  z.object({ type: z.literal('listening'), id: machineId, host: z.string(), port: z.number().int().min(0).max(65535) }),
  z.object({ type: z.literal('connected'), id: machineId, peers: count }),
  z.object({ type: z.literal('ready'), id: machineId, peers: count, tickRate: z.number(), seed: z.number() }),
  z.object({ type: z.literal('stopped'), summary: summarySchema }),
  z.object({ type: z.literal('failed'), id: machineId, code: z.string(), message: z.string() }),
  z.object({ type: z.literal('leader'), id: machineId, leader: machineId.nullable() }),
  z.object({ type: z.literal('ended'), id: machineId, status: z.number().int().min(0).max(255), crashed: z.boolean() }),
]);

/** Validates a message from a child; null when it is malformed or of an unknown type (it is then ignored). */
export function parseChildMessage(msg: unknown): ChildMessage | null {
  const r = childMessageSchema.safeParse(msg);
  return r.success ? (r.data as ChildMessage) : null;
}

// ---- supervisor → child ----------------------------------------------------------------------

/** The start-up steps start-all sends (see the diagram above). */
export type StartupStep = 'go' | 'dial' | 'begin';

/**
 * What start-all asks of one machine of a packed process instead of signalling a process:
 * `crash` (SIGKILL), `pause` (SIGSTOP), `resume` (SIGCONT), `stop` (SIGTERM).
 */
export type MachineControl = 'crash' | 'pause' | 'resume' | 'stop';

const CONTROLS: ReadonlySet<string> = new Set<MachineControl>(['crash', 'pause', 'resume', 'stop']);

/** Messages start-all sends a child. */
export type SupervisorMessage = { readonly type: StartupStep } | { readonly type: MachineControl } | LinkFaultsMessage;

/** One machine's message in a packed process's channel (either direction); `msg` is still unvalidated. */
export interface PackEnvelope {
  readonly machine: MachineId;
  readonly msg: unknown;
}

/** Reads a packed process's envelope; null when `raw` is not one (it is then ignored). */
export function parsePackEnvelope(raw: unknown): PackEnvelope | null {
  if (!raw || typeof raw !== 'object') return null;
  const machine = (raw as { machine?: unknown }).machine;
  if (!Number.isSafeInteger(machine) || (machine as number) <= 0 || !('msg' in raw)) return null;
  return { machine: machine as MachineId, msg: (raw as { msg: unknown }).msg };
}

/**
 * The IPC message start-all sends a child when the partitions in force change: the complete set of
 * blocked directed links from now on (it replaces the previous set) and the partitions' texts.
 */
export interface LinkFaultsMessage {
  readonly type: 'link-faults';
  readonly blocks: readonly LinkBlock[];
  readonly partitions: readonly string[];
}

function isIdList(v: unknown): v is MachineId[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) > 0);
}

/** Validates an IPC message as a {@link LinkFaultsMessage}; null when it is something else. */
export function parseLinkFaultsMessage(msg: unknown): LinkFaultsMessage | null {
  const m = msg as { type?: unknown; blocks?: unknown; partitions?: unknown } | null;
  if (!m || typeof m !== 'object' || m.type !== 'link-faults' || !Array.isArray(m.blocks)) return null;
  const blocks: LinkBlock[] = [];
  for (const b of m.blocks as unknown[]) {
    const bb = b as { from?: unknown; to?: unknown } | null;
    if (!bb || !isIdList(bb.from) || !isIdList(bb.to)) return null;
    blocks.push({ from: bb.from, to: bb.to });
  }
  const partitions = Array.isArray(m.partitions) ? m.partitions.filter((t): t is string => typeof t === 'string') : [];
  return { type: 'link-faults', blocks, partitions };
}

/** Validates a message from start-all; null when it is malformed or of an unknown type (it is then ignored). */
export function parseSupervisorMessage(msg: unknown): SupervisorMessage | null {
  if (!msg || typeof msg !== 'object') return null;
  const type = (msg as { type?: unknown }).type;
  if (type === 'go' || type === 'dial' || type === 'begin') return { type };
  if (typeof type === 'string' && CONTROLS.has(type)) return { type: type as MachineControl };
  return parseLinkFaultsMessage(msg);
}

// ---- the child's channel ---------------------------------------------------------------------

/** The child's end of the IPC channel, typed: what it sends is a ChildMessage, what it hears is parsed. */
export interface SupervisorChannel {
  /** Whether the channel is still open. */
  readonly connected: boolean;
  /** Sends a message when the channel is open (dropped otherwise). */
  send(msg: ChildMessage): void;
  /**
   * Registers `handler` for the supervisor's messages (malformed ones never reach it); returns its
   * removal. Invariant: a registered handler keeps the channel (and so the process) alive.
   */
  onMessage(handler: (msg: SupervisorMessage) => void): () => void;
  /** Registers `handler` for the supervisor closing the channel (start-all gone). */
  onDisconnect(handler: () => void): void;
  /** Removes every message handler (they would keep the process alive). */
  removeMessageHandlers(): void;
  /** Closes the channel. */
  disconnect(): void;
}

/** The parts of Node's `process` a child's IPC channel is made of. */
export interface RawChildIpc {
  readonly connected: boolean;
  send?: ((msg: unknown) => boolean) | undefined;
  disconnect?: (() => void) | undefined;
  on(event: 'message', listener: (msg: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (msg: unknown) => void): unknown;
  removeAllListeners(event: 'message'): unknown;
}

/** The typed channel over `proc` (Node's process); null when the process has no IPC channel (not under start-all). */
export function supervisorChannel(proc: RawChildIpc): SupervisorChannel | null {
  if (typeof proc.send !== 'function') return null;
  return {
    get connected() {
      return proc.connected;
    },
    send(msg) {
      if (proc.connected) proc.send!(msg);
    },
    onMessage(handler) {
      const listener = (raw: unknown): void => {
        const msg = parseSupervisorMessage(raw);
        if (msg) handler(msg);
      };
      proc.on('message', listener);
      return () => void proc.off('message', listener);
    },
    onDisconnect(handler) {
      proc.on('disconnect', handler);
    },
    removeMessageHandlers() {
      proc.removeAllListeners('message');
    },
    disconnect() {
      proc.disconnect?.();
    },
  };
}

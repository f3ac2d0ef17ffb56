/**
 * A packed process (`start-all --machines-per-process <k>`): k machines of the config in one Node
 * process, each run by runMachineProcess exactly as in a process of its own: its own listener on
 * its configured port, its own sockets to every peer (a message between two machines of the pack
 * goes over loopback TCP like any other), engine, log file, RNG and tick schedule. They share the
 * event loop and nothing else.
 *
 * What the pack adds is the multiplexing of the process around them: each machine's IPC messages
 * travel in a PackEnvelope `{ machine, msg }` (ipc.ts), its stdout and stderr lines are prefixed
 * with `<id>\t` for start-all to demultiplex, signals and start-all's disconnection reach every
 * machine, and when a machine has ended the pack reports `ended` with the exit status its own
 * process would have had. Faults to one machine arrive as messages (crash, pause, resume, stop).
 */
import type { MachineId } from '../../core/types.js';
import {
  parsePackEnvelope,
  parseSupervisorMessage,
  type ChildMessage,
  type EndedReport,
  type SupervisorChannel,
  type SupervisorMessage,
} from '../ipc.js';
import { reportingFailure, runMachineProcess, type MachineProcessInputs, type MachineProcessWorld, type ProcessHooks } from './machineProcess.js';

/** The separator between a machine's id and its line in a packed process's stdout and stderr. */
export const PACK_LINE_SEPARATOR = '\t';

/** The parts of Node's `process` IPC channel a pack uses. */
export interface PackChannel {
  readonly connected: boolean;
  send(msg: unknown, callback?: (error: Error | null) => void): boolean;
  disconnect(): void;
  on(event: 'message', listener: (msg: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (msg: unknown) => void): unknown;
}

/** The process as the pack sees it (injected by the CLI). */
export interface PackProcessWorld extends ProcessHooks {
  /** Writes to stdout (never throws). */
  readonly writeOut: (text: string) => void;
  /** Writes to stderr. */
  readonly writeErr: (text: string) => void;
  /** The channel to start-all; null when not started by it. */
  readonly channel: PackChannel | null;
  /** The line the CLI prints for an error that ended a machine (`lamport-lab: error: …`). */
  readonly describeError: (error: unknown) => string;
}

/** Listeners by machine, fed from one listener on the process. */
class Fanout<T extends unknown[]> {
  private readonly handlers = new Set<(...args: T) => void>();
  add(handler: (...args: T) => void): () => void {
    this.handlers.add(handler);
    return () => void this.handlers.delete(handler);
  }
  emit(...args: T): void {
    for (const h of [...this.handlers]) h(...args);
  }
}

/**
 * One machine's end of the pack's channel: what it sends goes out in its envelope, it hears only
 * messages addressed to it. Disconnecting closes its end only (the pack's channel stays open for
 * the others until every machine has ended).
 */
function machineChannel(channel: PackChannel, id: MachineId, incoming: Fanout<[SupervisorMessage]>, gone: Fanout<[]>): SupervisorChannel {
  let closed = false;
  const offs = new Set<() => void>();
  return {
    get connected() {
      return !closed && channel.connected;
    },
    send(msg) {
      if (!closed && channel.connected) channel.send({ machine: id, msg });
    },
    onMessage(handler) {
      const off = incoming.add(handler);
      offs.add(off);
      return () => {
        off();
        offs.delete(off);
      };
    },
    onDisconnect(handler) {
      gone.add(handler);
    },
    removeMessageHandlers() {
      for (const off of offs) off();
      offs.clear();
    },
    disconnect() {
      closed = true;
    },
  };
}

/**
 * Runs every machine of `inputs` in this process until each has ended; resolves with the first
 * non-zero exit status among them (0 when every one stopped cleanly or crashed on request).
 * Invariant: every machine gets its `ended` report before the pack closes its channel.
 */
export async function runPackProcess(inputs: readonly MachineProcessInputs[], world: PackProcessWorld): Promise<number> {
  const channel = world.channel;
  const incoming = new Map<MachineId, Fanout<[SupervisorMessage]>>();
  const gone = new Fanout<[]>();
  const signals = new Fanout<['SIGINT' | 'SIGTERM']>();
  const crashed = new Set<MachineId>();
  for (const i of inputs) incoming.set(i.self.id, new Fanout());
  const listener = (raw: unknown): void => {
    const envelope = parsePackEnvelope(raw);
    const machine = envelope && incoming.get(envelope.machine);
    const msg = machine && parseSupervisorMessage(envelope.msg);
    if (!msg) return; // not for a machine of ours, malformed or unknown: ignored
    if (msg.type === 'crash') crashed.add(envelope.machine);
    machine.emit(msg);
  };
  channel?.on('message', listener);
  channel?.on('disconnect', () => gone.emit());
  const offSignal = world.onSignal((signal) => signals.emit(signal));
  // an exception from outside the machines' handlers: the first machine whose log it concerns stops
  // (machineProcess.ts); one that none claims is a bug and ends the process
  const uncaught: ((e: unknown) => void)[] = [];
  const offUncaught = world.onUncaughtException((e) => uncaught[0]?.(e));

  const sendEnded = (report: EndedReport): Promise<void> =>
    new Promise((resolve) => {
      if (!channel?.connected) return resolve();
      channel.send({ machine: report.id, msg: report satisfies ChildMessage }, () => resolve());
    });
  const tagged = (id: MachineId, write: (text: string) => void) => (text: string): void => {
    for (const line of text.split('\n')) if (line !== '') write(`${id}${PACK_LINE_SEPARATOR}${line}\n`);
  };

  const statuses = await Promise.all(
    inputs.map(async (machineInputs) => {
      const id = machineInputs.self.id;
      const out = tagged(id, world.writeOut);
      const errorOut = tagged(id, world.writeErr);
      const machineWorld: MachineProcessWorld = {
        out,
        errorOut,
        colour: false,
        ipc: channel ? machineChannel(channel, id, incoming.get(id)!, gone) : null,
        parentPid: world.parentPid,
        onSignal: (handler) => signals.add(handler),
        onUncaughtException: (handler) => {
          // an uncaught error goes to the first machine still running: a log failure (thrown
          // outside the machines' own handlers; a full disk fails every log of the process) stops
          // it, anything else is a bug and ends the process, as it would a single machine's
          const entry = (e: unknown): void => handler(e);
          uncaught.push(entry);
          return () => void uncaught.splice(uncaught.indexOf(entry), 1);
        },
        exit: world.exit,
        exitStatusFor: world.exitStatusFor,
        internalStatus: world.internalStatus,
        ownsProcess: false,
      };
      let status = 0;
      try {
        await reportingFailure(machineWorld, id, () => runMachineProcess(machineInputs, machineWorld));
      } catch (e) {
        status = world.exitStatusFor(e);
        errorOut(world.describeError(e));
      }
      await sendEnded({ type: 'ended', id, status, crashed: crashed.has(id) });
      return status;
    }),
  );
  channel?.off('message', listener);
  offSignal();
  offUncaught();
  if (channel?.connected) channel.disconnect();
  return statuses.find((s) => s !== 0) ?? 0;
}

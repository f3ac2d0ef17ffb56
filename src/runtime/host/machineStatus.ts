/**
 * What a running machine reports about itself (runtime/host/machine.ts emits it): status updates for
 * the console and for start-all (ipc.ts carries all but `row` to the supervisor), and the summary
 * it ends with. Types only, so the IPC protocol and the machine do not import each other.
 */
import type { LogRow } from '../../core/logRow.js';
import type { MachineId } from '../../core/types.js';

/** Status updates for a supervisor (start-all) and for the console. */
export type MachineStatus =
  | { type: 'listening'; id: MachineId; host: string; port: number }
  | { type: 'connected'; id: MachineId; peers: number }
  | { type: 'ready'; id: MachineId; peers: number; tickRate: number; seed: number }
  | { type: 'row'; row: LogRow }
  | { type: 'stopped'; summary: MachineSummary };

/** What a machine reports when it stops. */
export interface MachineSummary {
  readonly id: MachineId;
  readonly tickRate: number;
  readonly seed: number;
  readonly ticks: number;
  readonly lamport: number;
  readonly maxQueue: number;
  readonly events: Record<string, number>;
  readonly reason: string;
  readonly logPath: string;
}

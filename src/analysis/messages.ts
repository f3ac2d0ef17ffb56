/**
 * Message accounting: every SEND goes to one or more destinations; each copy is received (a
 * RECEIVE with the same msg_id on the destination), dropped (the sender logged DROP for that
 * destination: it was down), or lost (in flight when the sender or receiver was killed, or still
 * queued when the receiver stopped). Lost and dropped copies are facts of the run, not violations.
 */
import type { MachineId } from '../core/types.js';
import { copyReceived, parsePeers, type Run, where } from './run.js';
import type { DropReason, LostMessage, LostReason, MessageAccounting } from './types.js';
import { parseDetail } from '../core/logRow.js';

/** Accounting plus per-sender counts of lost copies (index = machine index in run.machines). */
export interface MessageTally extends MessageAccounting {
  readonly lostBySender: readonly number[];
  readonly copiesBySender: readonly number[];
}

const MAX_LOST_EXAMPLES = 20;

/** Keys `msgId>receiverId` of every RECEIVE row. */
/**
 * Why the sender dropped a copy, from its DROP row's `reason=`: the destination was down
 * (`destination-down`, the default), or a fault injected on the link (`partitioned`, `injected_loss`).
 */
function dropReasonOf(detail: string): DropReason {
  const reason = parseDetail(detail).get('reason');
  return reason === 'partitioned' || reason === 'injected_loss' ? reason : 'destination-down';
}

export function receivedKeys(run: Run): Set<string> {
  const out = new Set<string>();
  for (const log of run.machines) {
    const rows = log.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.event === 'RECEIVE') out.add(`${r.msgId}>${log.machine}`);
    }
  }
  return out;
}

/** Classifies every message copy of the run. O(rows). */
export function accountMessages(run: Run, received?: Set<string>): MessageTally {
  const lostBySender = new Array<number>(run.machines.length).fill(0);
  const copiesBySender = new Array<number>(run.machines.length).fill(0);
  const lostByReason: Record<string, number> = {};
  const droppedByReason: Record<string, number> = {};
  const examples: LostMessage[] = [];
  let sends = 0;
  let copies = 0;
  let got = 0;
  let dropped = 0;
  let lost = 0;

  const reasonFor = (fromM: number, to: MachineId): LostReason => {
    const toM = run.machineIndex.get(to);
    if (toM === undefined) return 'receiver-missing';
    if (run.killed[toM]) return 'receiver-killed';
    if (run.killed[fromM]) return 'sender-killed';
    if (run.stopped[toM]) return 'receiver-stopped';
    return 'in-flight';
  };

  run.machines.forEach((log, m) => {
    const rows = log.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.event !== 'SEND') continue;
      sends++;
      for (const to of parsePeers(r.peer)) {
        copies++;
        copiesBySender[m]!++;
        // without `received`, the run's index answers (copyReceived: the same set, by number)
        if (received ? received.has(`${r.msgId}>${to}`) : copyReceived(run, m, i, to)) {
          got++;
          continue;
        }
        const key = `${r.msgId}>${to}`;
        let fate: 'dropped' | 'lost';
        let reason: LostReason | DropReason;
        const drop = run.drops.get(key);
        if (drop) {
          dropped++;
          fate = 'dropped';
          reason = dropReasonOf(run.machines[drop.m]!.rows[drop.i]!.detail);
          droppedByReason[reason] = (droppedByReason[reason] ?? 0) + 1;
        } else {
          lost++;
          lostBySender[m]!++;
          fate = 'lost';
          reason = reasonFor(m, to);
          lostByReason[reason] = (lostByReason[reason] ?? 0) + 1;
        }
        if (examples.length < MAX_LOST_EXAMPLES) {
          examples.push({ msgId: r.msgId, from: log.machine, to, sendAt: where(run, { m, i }), fate, reason });
        }
      }
    }
  });

  return { sends, copies, received: got, dropped, lost, lostByReason, droppedByReason, examples, lostBySender, copiesBySender };
}

/**
 * Message accounting: every SEND goes to one or more destinations; each copy is
 *   received      a RECEIVE with the same msg_id on the destination;
 *   dropped       the sender logged DROP for that destination (down, partitioned, injected loss);
 *   queued at end the run ended cleanly (receiver stopped, sender not killed) with the copy still in
 *                 flight or in the receiver's queue: it comes after the last copy the receiver got
 *                 on that link (links are FIFO), and after the receiver's last RECEIVE or among
 *                 the newest its STOP row's queue length allows (see queuedAtEndCopies);
 *   lost          in flight when the sender or receiver was killed, or vanished in flight while
 *                 both ran (the simulator's silent --loss): any other copy without a RECEIVE.
 * The same name and meaning as simulate's "queued at end". None of these is a violation.
 */
import type { MachineId } from '../core/types.js';
import { copyReceived, parsePeers, type Run, where } from './run.js';
import type { DropReason, LostMessage, LostReason, MessageAccounting } from './types.js';
import { detailValue } from '../core/logRow.js';

/**
 * Accounting plus per-machine counts (index = machine index in run.machines): lost copies by
 * sender, copies by sender, and queued-at-end copies by receiver (they were the receiver's backlog).
 */
export interface MessageTally extends MessageAccounting {
  readonly lostBySender: readonly number[];
  readonly copiesBySender: readonly number[];
  readonly queuedAtEndByReceiver: readonly number[];
}

const MAX_LOST_EXAMPLES = 20;

/** Keys `msgId>receiverId` of every RECEIVE row. */
/**
 * Why the sender dropped a copy, from its DROP row's `reason=`: the destination was down
 * (`destination-down`, the default), or a fault injected on the link (`partitioned`, `injected_loss`),
 * or the receiver refused it (`queue_full`: its DROP row with dir=in).
 */
function dropReasonOf(detail: string): DropReason {
  const reason = detailValue(detail, 'reason');
  return reason === 'partitioned' || reason === 'injected_loss' || reason === 'queue_full' ? reason : 'destination-down';
}

export function receivedKeys(run: Run): Set<string> {
  const out = new Set<string>();
  run.machines.forEach((log, m) => {
    const c = run.cols[m]!;
    for (let i = 0; i < c.length; i++) if (c.event[i] === 'RECEIVE') out.add(`${c.msgIdAt(i)}>${log.machine}`);
  });
  return out;
}

/** A message copy: the SEND at row `i` of machine index `m`, to machine `to`. */
interface Copy {
  readonly m: number;
  readonly i: number;
  readonly to: MachineId;
}

/**
 * The copies (keys `senderIndex:row>to`) still in flight or queued when the run ended cleanly.
 * A candidate is a copy that never arrived (`undelivered`, in sender, row, destination order) and
 * was not dropped, to a receiver that stopped cleanly from a sender that was not killed, sent after
 * the last copy delivered on its link (links are FIFO). Of the candidates to a receiver, those sent
 * after its last RECEIVE row (it took nothing since: still on the wire or queued) and the newest
 * `q` ones, q = the queue length of its STOP row, are queued at end; older ones cannot have been
 * in its queue and are lost in flight.
 */
function queuedAtEndCopies(run: Run, undelivered: readonly Copy[], lastDelivered: readonly ReadonlyMap<MachineId, number>[]): Set<string> {
  const candidates = new Map<number, { key: string; epochMs: number }[]>();
  for (const { m, i, to } of undelivered) {
    if (run.killed[m]) continue;
    const toM = run.machineIndex.get(to);
    if (toM === undefined || run.killed[toM] || !run.stopped[toM]) continue;
    const c = run.cols[m]!;
    if (run.drops.has(`${c.msgIdAt(i)}>${to}`) || i <= (lastDelivered[m]!.get(to) ?? -1)) continue;
    let list = candidates.get(toM);
    if (!list) candidates.set(toM, (list = []));
    list.push({ key: `${m}:${i}>${to}`, epochMs: c.epochMs[i]! });
  }
  const out = new Set<string>();
  for (const [toM, list] of candidates) {
    const c = run.cols[toM]!;
    const queueAtStop = c.queueLen[c.length - 1]!;
    let lastReceive = -Infinity;
    for (let i = c.length - 1; i >= 0; i--) {
      if (c.event[i] === 'RECEIVE') {
        lastReceive = c.epochMs[i]!;
        break;
      }
    }
    list.sort((a, b) => b.epochMs - a.epochMs); // newest first
    list.forEach((c, k) => {
      if (k < queueAtStop || c.epochMs >= lastReceive) out.add(c.key);
    });
  }
  return out;
}

/** Whether the copy of the SEND at row `i` of machine index `m` to `to` was received. */
type CopyReceived = (m: number, i: number, to: MachineId) => boolean;

/**
 * Classifies every message copy of the run: one pass over the SEND rows counts the copies and the
 * received ones and collects the others, which are then classified. O(rows).
 */
export function accountMessages(run: Run, received?: Set<string>): MessageTally {
  // without `received`, the run's index answers (copyReceived: the same set, by number)
  const isReceived: CopyReceived = received ? (m, i, to) => received.has(`${run.cols[m]!.msgIdAt(i)}>${to}`) : (m, i, to) => copyReceived(run, m, i, to);
  const M = run.machines.length;
  const lostBySender = new Array<number>(M).fill(0);
  const queuedAtEndByReceiver = new Array<number>(M).fill(0);
  const copiesBySender = new Array<number>(M).fill(0);
  // per sender index, per destination: row index of the sender's last SEND whose copy on that link arrived
  const lastDelivered = run.machines.map(() => new Map<MachineId, number>());
  const undelivered: Copy[] = [];
  let sends = 0;
  let copies = 0;
  let got = 0;
  for (let m = 0; m < M; m++) {
    const { length, event, peer } = run.cols[m]!;
    const last = lastDelivered[m]!;
    for (let i = 0; i < length; i++) {
      if (event[i] !== 'SEND') continue;
      sends++;
      for (const to of parsePeers(peer[i]!)) {
        copies++;
        copiesBySender[m]!++;
        if (isReceived(m, i, to)) {
          got++;
          last.set(to, i);
        } else undelivered.push({ m, i, to });
      }
    }
  }
  const queuedKeys = queuedAtEndCopies(run, undelivered, lastDelivered);
  const lostByReason: Record<string, number> = {};
  const droppedByReason: Record<string, number> = {};
  const examples: LostMessage[] = [];
  let dropped = 0;
  let lost = 0;
  let queuedAtEnd = 0;

  const reasonFor = (fromM: number, to: MachineId): LostReason => {
    const toM = run.machineIndex.get(to);
    if (toM === undefined) return 'receiver-missing';
    if (run.killed[toM]) return 'receiver-killed';
    if (run.killed[fromM]) return 'sender-killed';
    return 'receiver-stopped';
  };

  for (const { m, i, to } of undelivered) {
    const id = run.cols[m]!.msgIdAt(i);
    const key = `${id}>${to}`;
    let fate: LostMessage['fate'];
    let reason: LostReason | DropReason;
    const drop = run.drops.get(key);
    if (drop) {
      dropped++;
      fate = 'dropped';
      reason = dropReasonOf(run.cols[drop.m]!.detail[drop.i]!);
      droppedByReason[reason] = (droppedByReason[reason] ?? 0) + 1;
    } else {
      reason = reasonFor(m, to);
      if (reason === 'receiver-stopped' && !queuedKeys.has(`${m}:${i}>${to}`)) reason = 'in-flight';
      if (reason === 'receiver-stopped') {
        queuedAtEnd++;
        queuedAtEndByReceiver[run.machineIndex.get(to)!]!++;
        fate = 'queued-at-end';
      } else {
        lost++;
        lostBySender[m]!++;
        fate = 'lost';
        lostByReason[reason] = (lostByReason[reason] ?? 0) + 1;
      }
    }
    if (examples.length < MAX_LOST_EXAMPLES) {
      examples.push({ msgId: id, from: run.machines[m]!.machine, to, sendAt: where(run, { m, i }), fate, reason });
    }
  }

  return {
    sends,
    copies,
    received: got,
    dropped,
    lost,
    queuedAtEnd,
    undelivered: dropped + lost + queuedAtEnd,
    lostByReason,
    droppedByReason,
    examples,
    lostBySender,
    copiesBySender,
    queuedAtEndByReceiver,
  };
}

/**
 * The core clock invariants every run must satisfy, whatever the algorithm:
 *   clocks-monotonic     neither clock ever goes backwards on a machine (restarts included)
 *   lamport-rules        clock events: L = prev + 1; RECEIVE: L = max(prev, L(send)) + 1
 *   vector-rules         clock events: own entry + 1; RECEIVE first merges the SEND's vector
 *   non-clock-unchanged  START/READY/DROP/... rows carry both clocks unchanged
 *   message-pairing      every RECEIVE pairs with exactly one SEND and L(send) < L(receive)
 *   clock-condition      a → b by vector clocks implies L(a) < L(b)
 * Each gives one CheckResult with `file:line` examples (all six come from one RunChecker). Every
 * per-row clock check runs in one shared pass over the rows (their columns, Run.cols), message
 * pairing in one more: O(rows · machines-in-layout).
 */
import type { RunChecker } from './checker.js';
import { Violations } from './violations.js';
import { CopySet, formatDense, peerListIncludes, type Run, where, whereAt } from './run.js';
import { NO_MSG_ID } from './columns.js';
import type { CheckResult } from './types.js';

function vecText(run: Run, v: Int32Array, off: number): string {
  return formatDense(run.layout, v.subarray(off, off + run.n));
}

/**
 * Every RECEIVE pairs with exactly one SEND: same msg_id, the SEND was written by the RECEIVE's
 * peer, the receiver is in the SEND's peer list, no copy is received twice, L(send) < L(receive).
 * Also: msg_ids of SEND rows are unique and of the form `<sender>-<seq>`.
 */
export function checkMessagePairing(run: Run): CheckResult {
  const v = new Violations();
  for (const ref of run.duplicateSends) {
    v.add(where(run, ref), `SEND reuses msg_id ${run.cols[ref.m]!.msgIdAt(ref.i)}`);
  }
  const seen = new CopySet(run.totalRows, run.machines.length); // `${msgId}>${receiver}` by number
  // the SEND's machine id as text, by machine index: one string per machine, not per RECEIVE
  const sender = run.machines.map((l) => String(l.machine));
  for (let m = 0; m < run.machines.length; m++) {
    const log = run.machines[m]!;
    const c = run.cols[m]!;
    const { length, event, msgSender, peer, lamport } = c;
    const sendM = run.pairedSendM[m]!;
    const sendI = run.pairedSendI[m]!;
    const first = run.firstSendOf[m]!;
    const self = String(log.machine);
    const prefix = `${log.machine}-`;
    for (let i = 0; i < length; i++) {
      const ev = event[i]!;
      if (ev === 'SEND') {
        // a canonical `<sender>-<seq>` starts with the prefix iff its sender is this machine
        const s = msgSender[i]!;
        if (s >= 0 ? s !== log.machine : !c.msgIdAt(i).startsWith(prefix)) v.add(whereAt(run, m, i), `SEND msg_id "${c.msgIdAt(i)}" is not ${prefix}<seq>`);
        continue;
      }
      if (ev !== 'RECEIVE') continue;
      if (msgSender[i] === NO_MSG_ID) {
        v.add(whereAt(run, m, i), 'RECEIVE without msg_id');
        continue;
      }
      const sm = sendM[i]!;
      if (sm < 0) {
        v.add(whereAt(run, m, i), `RECEIVE ${c.msgIdAt(i)} has no SEND`);
        continue;
      }
      const si = sendI[i]!;
      const sc = run.cols[sm]!;
      const from = peer[i]!;
      const sendAt = (): string => whereAt(run, sm, si); // only for a violation: a string per RECEIVE is costly
      if (sender[sm] !== from) {
        v.add(whereAt(run, m, i), `RECEIVE ${c.msgIdAt(i)} names sender ${from || '(none)'} but the SEND is by ${run.machines[sm]!.machine} (${sendAt()})`);
      } else if (!peerListIncludes(sc.peer[si]!, self)) {
        v.add(whereAt(run, m, i), `RECEIVE ${c.msgIdAt(i)} on ${log.machine}, but the SEND (${sendAt()}) went to ${sc.peer[si]}`);
      } else if (seen.has(first[i]!, m)) {
        v.add(whereAt(run, m, i), `RECEIVE ${c.msgIdAt(i)} received twice by ${log.machine}`);
      } else if (!(sc.lamport[si]! < lamport[i]!)) {
        v.add(whereAt(run, m, i), `RECEIVE ${c.msgIdAt(i)} lamport ${lamport[i]} not above SEND's ${sc.lamport[si]} (${sendAt()})`);
      }
      seen.add(first[i]!, m);
    }
  }
  return v.result('message-pairing', 'every RECEIVE pairs with exactly one SEND (msg_id, sender, destination) and L(send) < L(receive)');
}

const MONOTONIC = ['clocks-monotonic', 'Lamport and vector clocks never decrease on a machine'] as const;
const LAMPORT_RULES = ['lamport-rules', 'clock events: L = prev+1; RECEIVE: L = max(prev, L(send))+1'] as const;
const VECTOR_RULES = ['vector-rules', 'clock events: own entry +1; RECEIVE: entry-wise max with the SEND, then own +1'] as const;
const NON_CLOCK = ['non-clock-unchanged', 'non-clock rows (START, DROP, ...) leave both clocks unchanged'] as const;
const CLOCK_CONDITION = ['clock-condition', 'a → b by vector clocks implies L(a) < L(b) (checked on program-order and message edges)'] as const;

function strictlyBefore(va: Int32Array, a: number, vb: Int32Array, b: number, n: number): boolean {
  let strictly = false;
  for (let j = 0; j < n; j++) {
    const x = va[a + j]!;
    const y = vb[b + j]!;
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

/**
 * The per-row clock invariants, all in one pass over each machine's rows (each keeps its own
 * violations, in row order), in this order:
 *   clocks-monotonic: neither clock decreases from one row to the next of a machine;
 *   lamport-rules: clock events advance the Lamport clock by the rules (IR1, IR2);
 *   vector-rules: clock events add exactly 1 to the own entry, a RECEIVE first merges the SEND's vector;
 *   non-clock-unchanged: non-clock rows carry both clocks unchanged from the previous row (a START
 *     may restore clocks after a restart, `--append`, so it only has to not go backwards);
 *   clock-condition:: whenever V(a) < V(b) (a happened before b), then
 * L(a) < L(b). Checked on the edges only, not on all O(n²) pairs:
 *   (1) consecutive rows of each machine, and (2) each message edge SEND → RECEIVE.
 * Why that suffices: happened-before is the transitive closure of exactly these two edge kinds
 * (program order and messages). When the vectors obey their own rules (vector-rules,
 * non-clock-unchanged; checked separately), V(a) < V(b) holds iff a path of such edges leads from
 * a to b, and V strictly grows along an edge iff the edge's endpoints are ordered. If L strictly
 * grows along every edge where V strictly grows, and stays put only where V stays put (non-clock
 * rows), then L(a) < L(b) along the whole path by transitivity. So a violation of the condition
 * between any two events shows up as a violation on at least one edge, which is reported (at the
 * later row). Cost: O(rows · n).
 */
export function checkClockRules(run: Run): { monotonic: CheckResult; lamport: CheckResult; vector: CheckResult; nonClock: CheckResult; condition: CheckResult } {
  const mono = new Violations();
  const lam = new Violations();
  const vr = new Violations();
  const nc = new Violations();
  const cond = new Violations();
  const n = run.n;
  const expected = new Int32Array(n);
  for (let m = 0; m < run.machines.length; m++) {
    const log = run.machines[m]!;
    const own = run.layoutIndex.get(log.machine)!;
    const { length, clock, event, lamport } = run.cols[m]!;
    const sendM = run.pairedSendM[m]!;
    const sendI = run.pairedSendI[m]!;
    const vec = log.vectors;
    for (let i = 0; i < length; i++) {
      const l = lamport[i]!;
      const prev = i > 0 ? lamport[i - 1]! : 0;
      const isClock = clock[i] === 1;
      const ev = event[i]!;
      const isReceive = ev === 'RECEIVE';
      const sm = isReceive ? sendM[i]! : -1;
      const b = i * n;
      const a = b - n;
      if (i > 0) {
        // clocks-monotonic
        if (l < prev) mono.add(whereAt(run, m, i), `lamport went back from ${prev} to ${l}`);
        else {
          for (let j = 0; j < n; j++) {
            if (vec[b + j]! < vec[a + j]!) {
              mono.add(whereAt(run, m, i), `vector entry ${run.layout[j]} went back from ${vec[a + j]} to ${vec[b + j]}`);
              break;
            }
          }
        }
      }
      if (isClock) {
        // lamport-rules
        if (isReceive) {
          if (sm >= 0) {
            const sl = run.cols[sm]!.lamport[sendI[i]!]!;
            const want = (prev > sl ? prev : sl) + 1;
            if (l !== want) lam.add(whereAt(run, m, i), `RECEIVE lamport ${l}, expected max(${prev}, ${sl})+1 = ${want}`);
          } else if (l <= prev) {
            // unpaired (reported by message-pairing): at least the clock must advance
            lam.add(whereAt(run, m, i), `RECEIVE lamport ${l} does not exceed previous ${prev}`);
          }
        } else if (l !== prev + 1) {
          lam.add(whereAt(run, m, i), `${ev} lamport ${l}, expected ${prev}+1 = ${prev + 1}`);
        }
        // vector-rules
        if (i > 0) for (let j = 0; j < n; j++) expected[j] = vec[a + j]!;
        else expected.fill(0);
        let exact = true;
        if (isReceive) {
          if (sm >= 0) {
            const sv = run.machines[sm]!.vectors;
            const so = sendI[i]! * n;
            for (let j = 0; j < n; j++) if (sv[so + j]! > expected[j]!) expected[j] = sv[so + j]!;
          } else {
            exact = false; // unpaired: only the own entry is checkable
          }
        }
        expected[own]! += 1;
        let bad = false;
        if (exact) {
          for (let j = 0; j < n; j++) if (vec[b + j] !== expected[j]) bad = true;
        } else {
          bad = vec[b + own] !== expected[own];
        }
        if (bad) {
          vr.add(whereAt(run, m, i), `${ev} vector ${vecText(run, vec, b)}, expected ${exact ? formatDense(run.layout, expected) : `own entry ${expected[own]}`}`);
        }
      } else if (i > 0 && ev !== 'START') {
        // non-clock-unchanged
        if (l !== prev) nc.add(whereAt(run, m, i), `${ev} changed lamport from ${prev} to ${l}`);
        else {
          for (let j = 0; j < n; j++) {
            if (vec[a + j] !== vec[b + j]) {
              nc.add(whereAt(run, m, i), `${ev} changed vector from ${vecText(run, vec, a)} to ${vecText(run, vec, b)}`);
              break;
            }
          }
        }
      }
      // clock-condition: the program-order edge, then (unless that one failed) the message edge
      if (i > 0 && strictlyBefore(vec, a, vec, b, n) && !(prev < l)) {
        cond.add(whereAt(run, m, i), `follows ${whereAt(run, m, i - 1)} by vector clocks but lamport ${l} ≤ ${prev}`);
      } else if (sm >= 0) {
        const si = sendI[i]!;
        const sl = run.cols[sm]!.lamport[si]!;
        if (strictlyBefore(run.machines[sm]!.vectors, si * n, vec, b, n) && !(sl < l)) {
          cond.add(whereAt(run, m, i), `follows SEND ${whereAt(run, sm, si)} by vector clocks but lamport ${l} ≤ ${sl}`);
        }
      }
    }
  }
  return {
    monotonic: mono.result(...MONOTONIC),
    lamport: lam.result(...LAMPORT_RULES),
    vector: vr.result(...VECTOR_RULES),
    nonClock: nc.result(...NON_CLOCK),
    condition: cond.result(...CLOCK_CONDITION),
  };
}

/**
 * The core invariants, in report order: one checker, always applied, giving the six results
 * (the per-row clock rules in one pass, {@link checkClockRules}, and the message pairing).
 */
export const CORE_CHECKERS: readonly RunChecker[] = [
  {
    name: 'core-invariants',
    appliesTo: () => true,
    check: (run) => {
      const r = checkClockRules(run);
      return [r.monotonic, r.lamport, r.vector, r.nonClock, checkMessagePairing(run), r.condition];
    },
  },
];

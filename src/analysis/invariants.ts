/**
 * The core clock invariants every run must satisfy, whatever the algorithm:
 *   clocks-monotonic     neither clock ever goes backwards on a machine (restarts included)
 *   lamport-rules        clock events: L = prev + 1; RECEIVE: L = max(prev, L(send)) + 1
 *   vector-rules         clock events: own entry + 1; RECEIVE first merges the SEND's vector
 *   non-clock-unchanged  START/READY/DROP/... rows carry both clocks unchanged
 *   message-pairing      every RECEIVE pairs with exactly one SEND and L(send) < L(receive)
 *   clock-condition      a → b by vector clocks implies L(a) < L(b)
 * Each is a RunChecker (checkers.ts) returning one CheckResult with `file:line` examples. Every
 * check is one pass over the rows (their columns, Run.cols): O(rows · machines-in-layout).
 */
import type { RunChecker } from './checker.js';
import { Violations } from './violations.js';
import { CopySet, formatDense, peerListIncludes, type Run, where, whereAt } from './run.js';
import { NO_MSG_ID } from './columns.js';
import type { CheckResult } from './types.js';

function vecText(run: Run, v: Int32Array, off: number): string {
  return formatDense(run.layout, v.subarray(off, off + run.n));
}

/** Neither clock decreases from one row to the next of a machine. */
export function checkMonotonic(run: Run): CheckResult {
  const v = new Violations();
  const n = run.n;
  for (let m = 0; m < run.machines.length; m++) {
    const { length, lamport } = run.cols[m]!;
    const vec = run.machines[m]!.vectors;
    for (let i = 1; i < length; i++) {
      if (lamport[i]! < lamport[i - 1]!) {
        v.add(whereAt(run, m, i), `lamport went back from ${lamport[i - 1]} to ${lamport[i]}`);
        continue;
      }
      const a = (i - 1) * n;
      const b = i * n;
      for (let j = 0; j < n; j++) {
        if (vec[b + j]! < vec[a + j]!) {
          v.add(whereAt(run, m, i), `vector entry ${run.layout[j]} went back from ${vec[a + j]} to ${vec[b + j]}`);
          break;
        }
      }
    }
  }
  return v.result('clocks-monotonic', 'Lamport and vector clocks never decrease on a machine');
}

/** Clock events advance the Lamport clock by the rules (IR1, IR2). */
export function checkLamportRules(run: Run): CheckResult {
  const v = new Violations();
  for (let m = 0; m < run.machines.length; m++) {
    const { length, clock, event, lamport } = run.cols[m]!;
    const sendM = run.pairedSendM[m]!;
    const sendI = run.pairedSendI[m]!;
    for (let i = 0; i < length; i++) {
      if (clock[i] !== 1) continue;
      const prev = i > 0 ? lamport[i - 1]! : 0;
      const l = lamport[i]!;
      if (event[i] === 'RECEIVE') {
        const sm = sendM[i]!;
        if (sm >= 0) {
          const sl = run.cols[sm]!.lamport[sendI[i]!]!;
          const expected = (prev > sl ? prev : sl) + 1;
          if (l !== expected) {
            v.add(whereAt(run, m, i), `RECEIVE lamport ${l}, expected max(${prev}, ${sl})+1 = ${expected}`);
          }
        } else if (l <= prev) {
          // unpaired (reported by message-pairing): at least the clock must advance
          v.add(whereAt(run, m, i), `RECEIVE lamport ${l} does not exceed previous ${prev}`);
        }
      } else if (l !== prev + 1) {
        v.add(whereAt(run, m, i), `${event[i]} lamport ${l}, expected ${prev}+1 = ${prev + 1}`);
      }
    }
  }
  return v.result('lamport-rules', 'clock events: L = prev+1; RECEIVE: L = max(prev, L(send))+1');
}

/** Clock events add exactly 1 to the own entry; a RECEIVE first merges the SEND's vector. */
export function checkVectorRules(run: Run): CheckResult {
  const v = new Violations();
  const n = run.n;
  const expected = new Int32Array(n);
  for (let m = 0; m < run.machines.length; m++) {
    const log = run.machines[m]!;
    const own = run.layoutIndex.get(log.machine)!;
    const { length, clock, event } = run.cols[m]!;
    const sendM = run.pairedSendM[m]!;
    const sendI = run.pairedSendI[m]!;
    const vec = log.vectors;
    for (let i = 0; i < length; i++) {
      if (clock[i] !== 1) continue;
      const b = i * n;
      if (i > 0) for (let j = 0; j < n; j++) expected[j] = vec[b - n + j]!;
      else expected.fill(0);
      let exact = true;
      if (event[i] === 'RECEIVE') {
        const sm = sendM[i]!;
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
        v.add(
          whereAt(run, m, i),
          `${event[i]} vector ${vecText(run, vec, b)}, expected ${exact ? formatDense(run.layout, expected) : `own entry ${expected[own]}`}`,
        );
      }
    }
  }
  return v.result('vector-rules', 'clock events: own entry +1; RECEIVE: entry-wise max with the SEND, then own +1');
}

/**
 * Non-clock rows carry both clocks unchanged from the previous row. A START may restore clocks
 * after a restart (`--append`), so a START only has to not go backwards (clocks-monotonic).
 */
export function checkNonClockUnchanged(run: Run): CheckResult {
  const v = new Violations();
  const n = run.n;
  for (let m = 0; m < run.machines.length; m++) {
    const { length, clock, event, lamport } = run.cols[m]!;
    const vec = run.machines[m]!.vectors;
    for (let i = 1; i < length; i++) {
      if (clock[i] === 1 || event[i] === 'START') continue;
      if (lamport[i] !== lamport[i - 1]) {
        v.add(whereAt(run, m, i), `${event[i]} changed lamport from ${lamport[i - 1]} to ${lamport[i]}`);
        continue;
      }
      const a = (i - 1) * n;
      const b = i * n;
      for (let j = 0; j < n; j++) {
        if (vec[a + j] !== vec[b + j]) {
          v.add(whereAt(run, m, i), `${event[i]} changed vector from ${vecText(run, vec, a)} to ${vecText(run, vec, b)}`);
          break;
        }
      }
    }
  }
  return v.result('non-clock-unchanged', 'non-clock rows (START, DROP, ...) leave both clocks unchanged');
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
 * The clock condition through vector clocks: whenever V(a) < V(b) (a happened before b), then
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
export function checkClockCondition(run: Run): CheckResult {
  const v = new Violations();
  const n = run.n;
  for (let m = 0; m < run.machines.length; m++) {
    const { length, event, lamport } = run.cols[m]!;
    const sendM = run.pairedSendM[m]!;
    const sendI = run.pairedSendI[m]!;
    const vec = run.machines[m]!.vectors;
    for (let i = 0; i < length; i++) {
      const l = lamport[i]!;
      if (i > 0) {
        if (strictlyBefore(vec, (i - 1) * n, vec, i * n, n) && !(lamport[i - 1]! < l)) {
          v.add(whereAt(run, m, i), `follows ${whereAt(run, m, i - 1)} by vector clocks but lamport ${l} ≤ ${lamport[i - 1]}`);
          continue;
        }
      }
      if (event[i] === 'RECEIVE') {
        const sm = sendM[i]!;
        if (sm < 0) continue;
        const si = sendI[i]!;
        const sl = run.cols[sm]!.lamport[si]!;
        if (strictlyBefore(run.machines[sm]!.vectors, si * n, vec, i * n, n) && !(sl < l)) {
          v.add(whereAt(run, m, i), `follows SEND ${whereAt(run, sm, si)} by vector clocks but lamport ${l} ≤ ${sl}`);
        }
      }
    }
  }
  return v.result('clock-condition', 'a → b by vector clocks implies L(a) < L(b) (checked on program-order and message edges)');
}

function core(name: string, fn: (run: Run) => CheckResult): RunChecker {
  return { name, appliesTo: () => true, check: (run) => [fn(run)] };
}

/** The core invariants, in report order. Always applied. */
export const CORE_CHECKERS: readonly RunChecker[] = [
  core('clocks-monotonic', checkMonotonic),
  core('lamport-rules', checkLamportRules),
  core('vector-rules', checkVectorRules),
  core('non-clock-unchanged', checkNonClockUnchanged),
  core('message-pairing', checkMessagePairing),
  core('clock-condition', checkClockCondition),
];

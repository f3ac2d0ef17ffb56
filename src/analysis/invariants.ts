/**
 * The core clock invariants every run must satisfy, whatever the algorithm:
 *   clocks-monotonic     neither clock ever goes backwards on a machine (restarts included)
 *   lamport-rules        clock events: L = prev + 1; RECEIVE: L = max(prev, L(send)) + 1
 *   vector-rules         clock events: own entry + 1; RECEIVE first merges the SEND's vector
 *   non-clock-unchanged  START/READY/DROP/... rows carry both clocks unchanged
 *   message-pairing      every RECEIVE pairs with exactly one SEND and L(send) < L(receive)
 *   clock-condition      a → b by vector clocks implies L(a) < L(b)
 * Each is a RunChecker (checkers.ts) returning one CheckResult with `file:line` examples. Every
 * check is one pass over the rows: O(rows · machines-in-layout).
 */
import type { RunChecker } from './checker.js';
import { Violations } from './violations.js';
import { CopySet, formatDense, peerListIncludes, type Run, whereIn } from './run.js';
import type { CheckResult, MachineLog } from './types.js';

/** The paired SEND of RECEIVE row i of machine m, if it exists (by msg_id). */
function sendOf(run: Run, m: number, i: number): { log: MachineLog; i: number } | null {
  const sm = run.pairedSendM[m]![i]!;
  return sm < 0 ? null : { log: run.machines[sm]!, i: run.pairedSendI[m]![i]! };
}

function vecText(run: Run, v: Int32Array, off: number): string {
  return formatDense(run.layout, v.subarray(off, off + run.n));
}

/** Neither clock decreases from one row to the next of a machine. */
export function checkMonotonic(run: Run): CheckResult {
  const v = new Violations();
  const n = run.n;
  for (let m = 0; m < run.machines.length; m++) {
    const log = run.machines[m]!;
    const rows = log.rows;
    const vec = log.vectors;
    for (let i = 1; i < rows.length; i++) {
      const prev = rows[i - 1]!;
      const r = rows[i]!;
      if (r.lamport < prev.lamport) {
        v.add(whereIn(log, i), `lamport went back from ${prev.lamport} to ${r.lamport}`);
        continue;
      }
      const a = (i - 1) * n;
      const b = i * n;
      for (let j = 0; j < n; j++) {
        if (vec[b + j]! < vec[a + j]!) {
          v.add(whereIn(log, i), `vector entry ${run.layout[j]} went back from ${vec[a + j]} to ${vec[b + j]}`);
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
    const log = run.machines[m]!;
    const rows = log.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (!r.clock) continue;
      const prev = i > 0 ? rows[i - 1]!.lamport : 0;
      if (r.event === 'RECEIVE') {
        const s = sendOf(run, m, i);
        if (s) {
          const sl = s.log.rows[s.i]!.lamport;
          const expected = (prev > sl ? prev : sl) + 1;
          if (r.lamport !== expected) {
            v.add(whereIn(log, i), `RECEIVE lamport ${r.lamport}, expected max(${prev}, ${sl})+1 = ${expected}`);
          }
        } else if (r.lamport <= prev) {
          // unpaired (reported by message-pairing): at least the clock must advance
          v.add(whereIn(log, i), `RECEIVE lamport ${r.lamport} does not exceed previous ${prev}`);
        }
      } else if (r.lamport !== prev + 1) {
        v.add(whereIn(log, i), `${r.event} lamport ${r.lamport}, expected ${prev}+1 = ${prev + 1}`);
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
    const rows = log.rows;
    const vec = log.vectors;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (!r.clock) continue;
      const b = i * n;
      if (i > 0) for (let j = 0; j < n; j++) expected[j] = vec[b - n + j]!;
      else expected.fill(0);
      let exact = true;
      if (r.event === 'RECEIVE') {
        const s = sendOf(run, m, i);
        if (s) {
          const sv = s.log.vectors;
          const so = s.i * n;
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
          whereIn(log, i),
          `${r.event} vector ${vecText(run, vec, b)}, expected ${exact ? formatDense(run.layout, expected) : `own entry ${expected[own]}`}`,
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
    const log = run.machines[m]!;
    const rows = log.rows;
    const vec = log.vectors;
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.clock || r.event === 'START') continue;
      const prev = rows[i - 1]!;
      if (r.lamport !== prev.lamport) {
        v.add(whereIn(log, i), `${r.event} changed lamport from ${prev.lamport} to ${r.lamport}`);
        continue;
      }
      const a = (i - 1) * n;
      const b = i * n;
      for (let j = 0; j < n; j++) {
        if (vec[a + j] !== vec[b + j]) {
          v.add(whereIn(log, i), `${r.event} changed vector from ${vecText(run, vec, a)} to ${vecText(run, vec, b)}`);
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
    const log = run.machines[ref.m]!;
    v.add(whereIn(log, ref.i), `SEND reuses msg_id ${log.rows[ref.i]!.msgId}`);
  }
  const seen = new CopySet(run.totalRows, run.machines.length); // `${msgId}>${receiver}` by number
  for (let m = 0; m < run.machines.length; m++) {
    const log = run.machines[m]!;
    const rows = log.rows;
    const first = run.firstSendOf[m]!;
    const self = String(log.machine);
    const prefix = `${log.machine}-`;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.event === 'SEND') {
        if (!r.msgId.startsWith(prefix)) v.add(whereIn(log, i), `SEND msg_id "${r.msgId}" is not ${prefix}<seq>`);
        continue;
      }
      if (r.event !== 'RECEIVE') continue;
      if (r.msgId === '') {
        v.add(whereIn(log, i), 'RECEIVE without msg_id');
        continue;
      }
      const s = sendOf(run, m, i);
      if (!s) {
        v.add(whereIn(log, i), `RECEIVE ${r.msgId} has no SEND`);
        continue;
      }
      const sr = s.log.rows[s.i]!;
      const sendAt = (): string => whereIn(s.log, s.i); // only for a violation: a string per RECEIVE is costly
      if (String(s.log.machine) !== r.peer) {
        v.add(whereIn(log, i), `RECEIVE ${r.msgId} names sender ${r.peer || '(none)'} but the SEND is by ${s.log.machine} (${sendAt()})`);
      } else if (!peerListIncludes(sr.peer, self)) {
        v.add(whereIn(log, i), `RECEIVE ${r.msgId} on ${log.machine}, but the SEND (${sendAt()}) went to ${sr.peer}`);
      } else if (seen.has(first[i]!, m)) {
        v.add(whereIn(log, i), `RECEIVE ${r.msgId} received twice by ${log.machine}`);
      } else if (!(sr.lamport < r.lamport)) {
        v.add(whereIn(log, i), `RECEIVE ${r.msgId} lamport ${r.lamport} not above SEND's ${sr.lamport} (${sendAt()})`);
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
    const log = run.machines[m]!;
    const rows = log.rows;
    const vec = log.vectors;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (i > 0) {
        const p = rows[i - 1]!;
        if (strictlyBefore(vec, (i - 1) * n, vec, i * n, n) && !(p.lamport < r.lamport)) {
          v.add(whereIn(log, i), `follows ${whereIn(log, i - 1)} by vector clocks but lamport ${r.lamport} ≤ ${p.lamport}`);
          continue;
        }
      }
      if (r.event === 'RECEIVE') {
        const s = sendOf(run, m, i);
        if (!s) continue;
        const sr = s.log.rows[s.i]!;
        if (strictlyBefore(s.log.vectors, s.i * n, vec, i * n, n) && !(sr.lamport < r.lamport)) {
          v.add(whereIn(log, i), `follows SEND ${whereIn(s.log, s.i)} by vector clocks but lamport ${r.lamport} ≤ ${sr.lamport}`);
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

/**
 * Checks of a mutual-exclusion run (`mutex` = Lamport 1978, `ricart-agrawala`), over the parsed logs
 * of every machine and, when given, the shared resource file the machines append to in the
 * critical section. Pure: the caller reads the files.
 *
 *   mutex-safety       CS intervals (CS_ENTER..CS_EXIT) of different machines never overlap in
 *                      system time (epoch_ms), and each holder's CS_EXIT happens-before (vector
 *                      clocks) the next holder's CS_ENTER
 *   mutex-fairness     entries are granted in (request timestamp, machine id) order
 *   mutex-liveness     every request is granted, except those still waiting when the log ends and
 *                      those of machines that died; no pending request is overtaken by a later one
 *                      while its machine still runs (not after its STOP: a restarted machine
 *                      outlives its peers and may go on alone); and no stall: the run does not end
 *                      more than the settling time after the last entry/exit with requests pending
 *                      and no machine dying or restarting meanwhile (mutexStall).
 *                      The description carries request→entry wait p50/p95/max per machine.
 *   mutex-messages     message copies per completed entry (REQUEST+REPLY+RELEASE tagged with its
 *                      ts) never exceed 3(N−1) (ricart-agrawala: 2(N−1)) in a run without faults
 *   mutex-shared-file  (only with the file) ENTER/LEAVE lines alternate, each LEAVE matches the
 *                      ENTER before it, and per machine they match the CS_ENTER rows of the logs
 * Every violation names the offending rows as `file:line`.
 */
import { algorithmModule } from '../algorithms/registry.js';
import { detailValue, parseDetail } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import { Violations } from './violations.js';
import type { RunChecker } from './checker.js';
import { type SharedFileText, type SharedLine, parseSharedFile } from '../core/sharedFile.js';
import { type Run, parsePeers, vectorAt, whereAt } from './run.js';
import { summarize } from './stats.js';
import type { CheckResult, Summary } from './types.js';


/**
 * The message copies one entry of `algorithm` costs (× (N−1)), as its module declares
 * (AlgorithmModule.messagesPerEntry); 3, Lamport's, when it declares none.
 */
function entryFactor(algorithm: string): number {
  return algorithmModule(algorithm)?.messagesPerEntry ?? 3;
}

// ── critical sections from the logs ────────────────────────────────────────────────────────────

/** One request of one machine's incarnation (START to START or end of log), with what became of it. */
export interface CsRequest {
  readonly machine: MachineId;
  /** Index into run.machines. */
  readonly m: number;
  readonly ts: number;
  /** CS_REQUEST row (null when a CS_ENTER had no CS_REQUEST). */
  readonly request: number | null;
  enter: number | null;
  exit: number | null;
  /** The incarnation ended without STOP (the machine was killed) before this request was done. */
  died: boolean;
  /** Index of the last row of the request's incarnation. */
  lastRow: number;
}

/** Everything the checks need, extracted once. */
export interface MutexRun {
  readonly algorithm: string;
  readonly requests: readonly CsRequest[];
  /** Entered requests, in order of entry: (enter epoch_ms, enter Lamport). */
  readonly entries: readonly CsRequest[];
  /** Per machine index: rows (index) of MEMBER_DOWN notes, with the peers dropped. */
  readonly memberDowns: readonly { m: number; i: number; peers: readonly MachineId[] }[];
  readonly faults: readonly string[];
  /** Earliest START and latest row of the run (epoch ms). */
  readonly startMs: number;
  readonly endMs: number;
  /** Earliest STOP row (epoch ms), Infinity when none. */
  readonly firstStopMs: number;
}

function tsOf(detail: string): number | null {
  const v = detailValue(detail, 'ts');
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/** Collects requests, entries and fault signs from the logs. O(rows). */
export function extractMutexRun(run: Run): MutexRun {
  const requests: CsRequest[] = [];
  const memberDowns: { m: number; i: number; peers: readonly MachineId[] }[] = [];
  const faults = new Set<string>();
  let startMs = Infinity;
  let endMs = -Infinity;
  let firstStopMs = Infinity;
  run.machines.forEach((log, m) => {
    const { length, event, epochMs, peer, detail } = run.cols[m]!;
    let incarnation: CsRequest[] = [];
    // The incarnation's requests not yet entered, and those entered but not left, by ts, each in
    // incarnation order: a CS_ENTER takes the first waiting request of its ts, a CS_EXIT the first
    // one inside (entries happen in incarnation order within a ts, so no search of the incarnation).
    let waiting = new Map<number, CsRequest[]>();
    let inside = new Map<number, CsRequest[]>();
    let readySeen = false;
    const closeIncarnation = (last: number, killed: boolean): void => {
      for (const q of incarnation) {
        q.lastRow = last;
        if (killed && q.exit === null) q.died = true;
      }
      incarnation = [];
      waiting = new Map();
      inside = new Map();
    };
    const queue = (byTs: Map<number, CsRequest[]>, ts: number): CsRequest[] => {
      let list = byTs.get(ts);
      if (list === undefined) byTs.set(ts, (list = []));
      return list;
    };
    const take = (byTs: Map<number, CsRequest[]>, ts: number): CsRequest | undefined => {
      const list = byTs.get(ts);
      if (list === undefined) return undefined;
      const q = list.shift();
      if (list.length === 0) byTs.delete(ts);
      return q;
    };
    for (let i = 0; i < length; i++) {
      const t = epochMs[i]!;
      if (t > endMs) endMs = t;
      switch (event[i]) {
        case 'START':
          if (t < startMs) startMs = t;
          if (i > 0) closeIncarnation(i - 1, event[i - 1] !== 'STOP');
          readySeen = false;
          break;
        case 'READY':
          readySeen = true;
          break;
        case 'STOP':
          if (t < firstStopMs) firstStopMs = t;
          break;
        case 'CONNECT':
          if (readySeen && detail[i]!.includes('dir=out')) faults.add('reconnect');
          break;
        case 'MEMBER_DOWN':
          faults.add('member-down');
          memberDowns.push({ m, i, peers: parsePeers(peer[i]!) });
          break;
        case 'MEMBER_UP':
          faults.add('member-up');
          break;
        case 'CS_REQUEST': {
          const ts = tsOf(detail[i]!) ?? -1;
          const q: CsRequest = { machine: log.machine, m, ts, request: i, enter: null, exit: null, died: false, lastRow: length - 1 };
          requests.push(q);
          incarnation.push(q);
          queue(waiting, ts).push(q);
          break;
        }
        case 'CS_ENTER': {
          const ts = tsOf(detail[i]!) ?? -1;
          let q = take(waiting, ts);
          if (!q) {
            q = { machine: log.machine, m, ts, request: null, enter: null, exit: null, died: false, lastRow: length - 1 };
            requests.push(q);
            incarnation.push(q);
          }
          q.enter = i;
          queue(inside, ts).push(q);
          break;
        }
        case 'CS_EXIT': {
          const ts = tsOf(detail[i]!) ?? -1;
          const q = take(inside, ts);
          if (q) q.exit = i;
          break;
        }
      }
    }
    if (length > 0) closeIncarnation(length - 1, run.killed[m] === true && event[length - 1] !== 'STOP');
    if (run.killed[m]) faults.add('killed');
  });
  const entries = requests.filter((q) => q.enter !== null);
  entries.sort((a, b) => {
    const ca = run.cols[a.m]!;
    const cb = run.cols[b.m]!;
    return ca.epochMs[a.enter!]! - cb.epochMs[b.enter!]! || ca.lamport[a.enter!]! - cb.lamport[b.enter!]! || a.machine - b.machine;
  });
  return {
    algorithm: run.algorithm ?? 'mutex',
    requests,
    entries,
    memberDowns,
    faults: [...faults].sort(),
    startMs: startMs === Infinity ? 0 : startMs,
    endMs: endMs === -Infinity ? 0 : endMs,
    firstStopMs,
  };
}

/** Interval end of an entry: its CS_EXIT row, or the last row of its incarnation (died or stopped inside). */
function endRow(q: CsRequest): number {
  return q.exit ?? q.lastRow;
}

/** The incarnation of q ended with a STOP row (its run was over) at or before epoch ms `t`. */
function stoppedBy(run: Run, q: CsRequest, t: number): boolean {
  return eventAt(run, q.m, q.lastRow) === 'STOP' && msAt(run, q.m, q.lastRow) <= t;
}

/** epoch_ms of row i of machine index m. */
function msAt(run: Run, m: number, i: number): number {
  return run.cols[m]!.epochMs[i]!;
}

/** The event of row i of machine index m. */
function eventAt(run: Run, m: number, i: number): string {
  return run.cols[m]!.event[i]!;
}

function at(run: Run, m: number, i: number): string {
  return whereAt(run, m, i);
}

// ── the checks ────────────────────────────────────────────────────────────────────────────────

/** Safety: no two machines in the critical section at once (system time), and exit → next enter causally. */
export function checkMutexSafety(run: Run, mr: MutexRun = extractMutexRun(run)): CheckResult {
  const v = new Violations();
  const active: CsRequest[] = [];
  let lastClosed: CsRequest | null = null;
  for (const q of mr.entries) {
    const enterMs = msAt(run, q.m, q.enter!);
    for (let k = active.length - 1; k >= 0; k--) {
      const a = active[k]!;
      if (msAt(run, a.m, endRow(a)) <= enterMs) active.splice(k, 1);
    }
    for (const a of active) {
      if (a.machine === q.machine) continue;
      const end = a.exit !== null ? `left at ${at(run, a.m, a.exit)}` : 'never left';
      v.add(at(run, q.m, q.enter!), `machine ${q.machine} entered (ts=${q.ts}) while machine ${a.machine} was inside since ${at(run, a.m, a.enter!)} (ts=${a.ts}, ${end})`);
    }
    active.push(q);
    // Causality: the previous holder's CS_EXIT must happen-before this CS_ENTER.
    if (lastClosed && lastClosed.machine !== q.machine) {
      const p = lastClosed;
      const j = run.layoutIndex.get(p.machine);
      if (j !== undefined) {
        const exitCount = vectorAt(run.machines[p.m]!, p.exit!, run.n)[j]!;
        const seen = vectorAt(run.machines[q.m]!, q.enter!, run.n)[j]!;
        if (seen < exitCount && !excusedByFailure(run, mr, p, q)) {
          v.add(at(run, q.m, q.enter!), `machine ${q.machine} entered (ts=${q.ts}) without having heard of machine ${p.machine}'s exit at ${at(run, p.m, p.exit!)} (vector entry ${seen} < ${exitCount})`);
        }
      }
    }
    if (q.exit !== null) lastClosed = q;
  }
  return v.result('mutex-safety', 'no two machines are in the critical section at once (epoch_ms), and each exit happens-before the next entry');
}

/**
 * The previous holder p's machine went away after its exit (killed, or its run ended: the STOP that
 * closes p's incarnation comes no later than q's entry) and q's machine dropped it before entering.
 * A machine whose run ends looks to the others exactly like one that crashed (its links close).
 */
function excusedByFailure(run: Run, mr: MutexRun, p: CsRequest, q: CsRequest): boolean {
  const enterMs = msAt(run, q.m, q.enter!);
  if (!run.killed[p.m] && !stoppedBy(run, p, enterMs)) return false;
  return mr.memberDowns.some((d) => d.m === q.m && d.peers.includes(p.machine) && d.i < q.enter! && msAt(run, d.m, d.i) <= enterMs);
}

/** Fairness: entries come in (request ts, id) order. */
export function checkMutexFairness(run: Run, mr: MutexRun = extractMutexRun(run)): CheckResult {
  const v = new Violations();
  let max: CsRequest | null = null;
  for (const q of mr.entries) {
    if (max && (q.ts < max.ts || (q.ts === max.ts && q.machine < max.machine))) {
      v.add(at(run, q.m, q.enter!), `request (ts=${q.ts}, machine ${q.machine}) granted after the later request (ts=${max.ts}, machine ${max.machine}) entered at ${at(run, max.m, max.enter!)}`);
    }
    if (!max || q.ts > max.ts || (q.ts === max.ts && q.machine > max.machine)) max = q;
  }
  return v.result('mutex-fairness', 'the critical section is granted in (request timestamp, machine id) order');
}

/** Per-machine request→entry waits (ms). */
export function waitsByMachine(run: Run, mr: MutexRun = extractMutexRun(run)): Map<MachineId, Summary> {
  const waits = new Map<MachineId, number[]>();
  for (const log of run.machines) waits.set(log.machine, []);
  for (const q of mr.entries) {
    if (q.request === null) continue;
    waits.get(q.machine)!.push(msAt(run, q.m, q.enter!) - msAt(run, q.m, q.request));
  }
  const out = new Map<MachineId, Summary>();
  for (const [id, list] of waits) out.set(id, summarize(list));
  return out;
}

export interface LivenessOptions {
  /**
   * A request still waiting when its log ends is excused when it waited at most this long (ms).
   * Default: max(5000, 3 × the longest granted wait).
   */
  readonly pendingGraceMs?: number;
  /** Overrides the settling time of the stall rule (see {@link mutexSettleMs}). */
  readonly settleMs?: number;
}

/**
 * The settling time of the stall rule (ms), from the START rows: failure_timeout_ms (a dead peer
 * is dropped after it) + (cs_ticks + 2) ticks of the slowest machine (the holder's critical section,
 * the RELEASE's receive, the next holder's entering tick) + 1 s for the network and scheduling.
 * Defaults (3 s, 2 ticks, 1 tick/s): 8 s. In healthy simulated runs (2–15 machines, 1–50 ms delays)
 * no request waited more than 2 s without some entry or exit happening meanwhile.
 */
export function mutexSettleMs(run: Run): number {
  let failureTimeoutMs = -Infinity;
  let csTicks = -Infinity;
  let slowestRate = Infinity;
  for (const c of run.cols) {
    const start = c.event.indexOf('START');
    if (start < 0) continue;
    const d = parseDetail(c.detail[start]!);
    const num = (k: string): number | null => {
      const v = d.get(k);
      const n = v === undefined ? NaN : Number(v);
      return Number.isFinite(n) && n > 0 ? n : null;
    };
    failureTimeoutMs = Math.max(failureTimeoutMs, num('failure_timeout_ms') ?? 3000);
    csTicks = Math.max(csTicks, num('cs_ticks') ?? 2);
    slowestRate = Math.min(slowestRate, num('tick_rate') ?? 1);
  }
  if (failureTimeoutMs === -Infinity) failureTimeoutMs = 3000;
  if (csTicks === -Infinity) csTicks = 2;
  if (slowestRate === Infinity) slowestRate = 1;
  return Math.round(failureTimeoutMs + ((csTicks + 2) * 1000) / slowestRate + 1000);
}

/**
 * The stall rule: the run's end (its earliest STOP, else its last row) came more than the settling
 * time after the last progress — the latest CS_ENTER or CS_EXIT, the earliest request still pending
 * at the end, and the latest change of membership (a machine killed or restarted), whichever is
 * latest — while requests were pending. Null when there was no such stall. Independent of how long
 * earlier requests waited.
 */
export function mutexStall(run: Run, mr: MutexRun, settleMs: number): { fromMs: number; toMs: number; pending: CsRequest[] } | null {
  const end = Math.min(mr.firstStopMs, mr.endMs);
  const pending = mr.requests.filter((q) => q.request !== null && q.enter === null && !q.died && msAt(run, q.m, q.request) <= end);
  if (pending.length === 0) return null;
  let from = Math.min(...pending.map((q) => msAt(run, q.m, q.request!)));
  for (const q of mr.entries) {
    from = Math.max(from, Math.min(end, msAt(run, q.m, q.enter!)));
    if (q.exit !== null) from = Math.max(from, Math.min(end, msAt(run, q.m, q.exit)));
  }
  run.cols.forEach(({ length, event, epochMs }, m) => {
    for (let i = 1; i < length; i++) {
      if (event[i] === 'START' && epochMs[i]! <= end) from = Math.max(from, epochMs[i]!); // a restart
    }
    const last = length - 1;
    if (last >= 0 && event[last] !== 'STOP' && run.killed[m] && epochMs[last]! <= end) from = Math.max(from, epochMs[last]!); // died
  });
  if (end - from <= settleMs) return null;
  pending.sort((a, b) => msAt(run, a.m, a.request!) - msAt(run, b.m, b.request!));
  return { fromMs: from, toMs: end, pending };
}

/** Liveness: every request granted, except those still waiting at the end or of machines that died. */
export function checkMutexLiveness(run: Run, mr: MutexRun = extractMutexRun(run), opts: LivenessOptions = {}): CheckResult {
  const v = new Violations();
  const waits = waitsByMachine(run, mr);
  let longest = 0;
  for (const s of waits.values()) longest = Math.max(longest, s.max);
  const grace = opts.pendingGraceMs ?? Math.max(5000, 3 * longest);
  let pending = 0;
  let died = 0;
  for (const q of mr.requests) {
    if (q.request === null) {
      v.add(at(run, q.m, q.enter!), `CS_ENTER (ts=${q.ts}) without a CS_REQUEST`);
      continue;
    }
    if (q.enter !== null) {
      if (q.exit === null && !q.died && eventAt(run, q.m, q.lastRow) !== 'STOP') {
        v.add(at(run, q.m, q.enter), `machine ${q.machine} entered (ts=${q.ts}) and never left`);
      }
      continue;
    }
    if (q.died) {
      died++;
      continue;
    }
    pending++;
    const reqMs = msAt(run, q.m, q.request);
    const waited = msAt(run, q.m, q.lastRow) - reqMs;
    if (waited > grace) {
      v.add(at(run, q.m, q.request), `request (ts=${q.ts}) of machine ${q.machine} still waiting after ${waited} ms (grace ${grace} ms)`);
      continue;
    }
    // Overtaken while still waiting: an entry at or after the STOP that ended the requester's run does not count.
    const overtaker = mr.entries.find((e) => {
      if (!(e.ts > q.ts || (e.ts === q.ts && e.machine > q.machine))) return false;
      const t = msAt(run, e.m, e.enter!);
      return t > reqMs && !stoppedBy(run, q, t);
    });
    if (overtaker) {
      v.add(at(run, q.m, q.request), `request (ts=${q.ts}) of machine ${q.machine} never granted, but the later request (ts=${overtaker.ts}, machine ${overtaker.machine}) entered at ${at(run, overtaker.m, overtaker.enter!)}`);
    }
  }
  const settle = opts.settleMs ?? mutexSettleMs(run);
  const stall = mutexStall(run, mr, settle);
  if (stall) {
    const first = stall.pending[0]!;
    const secs = (ms: number): string => `${((ms - mr.startMs) / 1000).toFixed(1)} s`;
    v.add(
      at(run, first.m, first.request!),
      `stalled: no machine entered or left the critical section from ${secs(stall.fromMs)} to the end at ${secs(stall.toMs)} ` +
        `(${((stall.toMs - stall.fromMs) / 1000).toFixed(1)} s, settling time ${(settle / 1000).toFixed(1)} s) while ${stall.pending.length} request(s) ` +
        `were pending (machines ${[...new Set(stall.pending.map((q) => q.machine))].join(', ')}) and no machine died or restarted`,
    );
  }
  const fmt = [...waits].map(([id, s]) => `m${id} ${Math.round(s.p50)}/${Math.round(s.p95)}/${Math.round(s.max)}`).join(', ');
  return v.result(
    'mutex-liveness',
    `every request is granted and no pending request stalls longer than the settling time ${(settle / 1000).toFixed(1)} s (${mr.entries.length} entries; ${pending} still waiting at the end, ${died} of machines that died); wait ms p50/p95/max: ${fmt}`,
  );
}

/**
 * Message copies per completed request, by request key `machine:ts`. Retransmissions (`resend=1`:
 * a REQUEST re-sent after the algorithms' retransmit timeout, a REPLY repeated for a request
 * already answered) are extra copies a lossy network costs; they are counted apart (`resent`).
 */
export function messagesPerEntry(run: Run, mr: MutexRun = extractMutexRun(run)): { perEntry: number[]; hello: number; resent: number; bound: number } {
  const copies = new Map<string, number>();
  let hello = 0;
  let resent = 0;
  run.machines.forEach((log, m) => {
    const c = run.cols[m]!;
    for (let i = 0; i < c.length; i++) {
      if (c.event[i] !== 'SEND') continue;
      const detail = c.detail[i]!;
      const kind = detailValue(detail, 'kind');
      const peers = parsePeers(c.peer[i]!);
      const n = peers.length;
      if (detailValue(detail, 'resend') === '1') {
        resent += n;
        continue;
      }
      if (kind === 'HELLO') {
        hello += n;
        continue;
      }
      const ts = detailValue(detail, 'ts');
      if (ts === undefined) continue;
      if (kind === 'REQUEST' || kind === 'RELEASE') copies.set(`${log.machine}:${ts}`, (copies.get(`${log.machine}:${ts}`) ?? 0) + n);
      else if (kind === 'REPLY') for (const p of peers) copies.set(`${p}:${ts}`, (copies.get(`${p}:${ts}`) ?? 0) + 1);
    }
  });
  const perEntry = mr.entries.filter((q) => q.exit !== null).map((q) => copies.get(`${q.machine}:${q.ts}`) ?? 0);
  const factor = entryFactor(mr.algorithm);
  return { perEntry, hello, resent, bound: factor * Math.max(0, run.n - 1) };
}

/** Messages per entry against 3(N−1) (2(N−1)); enforced only in runs without faults. */
export function checkMutexMessages(run: Run, mr: MutexRun = extractMutexRun(run)): CheckResult {
  const v = new Violations();
  const { perEntry, hello, resent, bound } = messagesPerEntry(run, mr);
  const faultFree = mr.faults.length === 0;
  const completed = mr.entries.filter((q) => q.exit !== null);
  if (faultFree) {
    completed.forEach((q, k) => {
      if (perEntry[k]! > bound) v.add(at(run, q.m, q.enter!), `entry (ts=${q.ts}, machine ${q.machine}) cost ${perEntry[k]} messages, more than ${bound}`);
    });
  }
  const mean = perEntry.length ? perEntry.reduce((a, b) => a + b, 0) / perEntry.length : 0;
  const factor = entryFactor(mr.algorithm);
  return v.result(
    'mutex-messages',
    `messages per completed entry ≤ ${factor}(N−1) = ${bound}: mean ${mean.toFixed(2)} over ${perEntry.length} entries, plus ${hello} HELLO` +
      (resent > 0 ? ` and ${resent} re-sent (resend=1)` : '') +
      (faultFree ? '' : ` (faults present: ${mr.faults.join(', ')}; bound not enforced)`),
  );
}

/**
 * Shared file: ENTER/LEAVE alternate, each LEAVE by the machine of the ENTER before it, and per
 * machine the ENTER lines match its CS_ENTER rows (one fewer allowed for a machine killed between
 * row and line). An ENTER without LEAVE may be followed by another machine's ENTER only when the
 * holder is gone: its incarnation was killed inside, or its run ended (STOP, e.g. --duration) before
 * that ENTER (a restarted machine outlives its peers; it drops them and goes on), or it left (its
 * CS_EXIT row) but was killed before writing LEAVE. The holder's line is matched to its CS_ENTER
 * row by (machine, ts, lamport), so a machine killed once is not excused in its later incarnations.
 * Lines outside the run's time span (earlier runs appending to the same file) are ignored.
 */
export function checkSharedFile(run: Run, file: SharedFileText, mr: MutexRun = extractMutexRun(run)): CheckResult {
  const v = new Violations();
  const { lines, malformed } = parseSharedFile(file.text);
  for (const k of malformed) v.add(`${file.name}:${k}`, 'malformed line');
  const killed = new Set(run.machines.filter((_, m) => run.killed[m]).map((l) => l.machine));
  const entryOf = new Map<string, CsRequest>();
  for (const q of mr.entries) entryOf.set(`${q.machine}:${q.ts}:${run.cols[q.m]!.lamport[q.enter!]!}`, q);
  /** The holder of line h is no longer inside at epoch ms t. */
  const gone = (h: SharedLine, t: number): boolean => {
    const q = entryOf.get(`${h.machine}:${h.ts}:${h.lamport}`);
    if (!q) return killed.has(h.machine); // no row to match (should not happen): the old per-machine rule
    if (q.died) return true;
    if (q.exit !== null) return run.killed[q.m] === true && msAt(run, q.m, q.exit) <= t;
    return stoppedBy(run, q, t);
  };
  const enters = new Map<MachineId, number>();
  let holder: SharedLine | null = null;
  for (const l of lines) {
    if (l.epochMs < mr.startMs || l.epochMs > mr.endMs) continue;
    if (l.kind === 'ENTER') {
      enters.set(l.machine, (enters.get(l.machine) ?? 0) + 1);
      if (holder && !gone(holder, l.epochMs)) {
        v.add(`${file.name}:${l.line}`, `ENTER by machine ${l.machine} while machine ${holder.machine} is inside since ${file.name}:${holder.line}`);
      }
      holder = l;
    } else {
      if (!holder) v.add(`${file.name}:${l.line}`, `LEAVE by machine ${l.machine} with nobody inside`);
      else if (holder.machine !== l.machine || holder.ts !== l.ts) {
        v.add(`${file.name}:${l.line}`, `LEAVE by machine ${l.machine} (ts=${l.ts}) but machine ${holder.machine} (ts=${holder.ts}) entered at ${file.name}:${holder.line}`);
      }
      holder = null;
    }
  }
  run.machines.forEach((log, m) => {
    const c = run.cols[m]!;
    let rows = 0;
    for (let i = 0; i < c.length; i++) if (c.event[i] === 'CS_ENTER') rows++;
    const got = enters.get(log.machine) ?? 0;
    const ok = got === rows || (run.killed[m] && got === rows - 1);
    if (!ok) v.add(`${file.name}:-`, `machine ${log.machine}: ${got} ENTER lines but ${rows} CS_ENTER rows in ${log.file}`);
  });
  return v.result('mutex-shared-file', `ENTER/LEAVE lines of ${file.name} alternate and match the machines' CS_ENTER rows`);
}

/** Runs every mutex check. `sharedFile` adds the shared-file check. */
export function checkMutexRun(run: Run, sharedFile?: SharedFileText, liveness: LivenessOptions = {}): CheckResult[] {
  const mr = extractMutexRun(run);
  const out = [checkMutexSafety(run, mr), checkMutexFairness(run, mr), checkMutexLiveness(run, mr, liveness), checkMutexMessages(run, mr)];
  if (sharedFile) out.push(checkSharedFile(run, sharedFile, mr));
  return out;
}

/**
 * The registered checker of runs of the mutex algorithms; it also checks the run's shared resource
 * file when the run has one (Run.sharedFile).
 */
export const mutexChecker: RunChecker = {
  name: 'mutex',
  appliesTo: (run) => run.algorithm !== null && algorithmModule(run.algorithm)?.checker === 'mutex',
  check: (run) => checkMutexRun(run, run.sharedFile ?? undefined),
};

/** Figures of a mutex run for reports and experiments. */
export interface MutexSummary {
  readonly algorithm: string;
  readonly entries: number;
  readonly requests: number;
  /** Entries per minute over the run's span (first START to last row). */
  readonly entriesPerMinute: number;
  readonly messagesPerEntry: number;
  /** 3(N−1) or 2(N−1). */
  readonly messageBound: number;
  readonly hello: number;
  readonly waits: ReadonlyMap<MachineId, Summary>;
  readonly faults: readonly string[];
}

export function mutexSummary(run: Run): MutexSummary {
  const mr = extractMutexRun(run);
  const { perEntry, hello, bound } = messagesPerEntry(run, mr);
  const minutes = (mr.endMs - mr.startMs) / 60000;
  return {
    algorithm: mr.algorithm,
    entries: mr.entries.length,
    requests: mr.requests.length,
    entriesPerMinute: minutes > 0 ? mr.entries.length / minutes : 0,
    messagesPerEntry: perEntry.length ? perEntry.reduce((a, b) => a + b, 0) / perEntry.length : 0,
    messageBound: bound,
    hello,
    waits: waitsByMachine(run, mr),
    faults: mr.faults,
  };
}


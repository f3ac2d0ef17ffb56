/**
 * Checks of a leader-election run (ring `election` or `bully`), over the per-machine logs and, when
 * present, the faults start-all recorded in faults.csv (parsed here from its text; the caller reads
 * the file). Pure: no I/O, no clock.
 *
 * The model. Each machine, while live, follows a leader: set by its LEADER rows, cleared by
 * LEADER_LOST and by START (a restarted machine knows no leader). A machine is live from a START
 * to its STOP, or to its death: the kill in faults.csv, else its last row before the next START or
 * the end of its log. A paused machine (faults.csv pause … resume) is not live meanwhile. Times are
 * the rows' epoch_ms (all machines of a run share one host clock, or the simulator's virtual one).
 *
 * Network partitions (faults.csv `partition` / `heal`, machine column empty, detail
 * `spec=… mode=two-way|one-way groups=…`): a partitioned period lasts from the first `partition`
 * while none is in force to the `heal` that leaves none in force (or to the end of the run). During
 * it every side legitimately elects its own leader, so it is excused from uniqueness; after its heal
 * the machines must converge again like after any other fault.
 *
 * - Agreement: the machines whose log ends with STOP all follow the same leader at their end, and
 *   it is the highest (rank, id) among them. Ranks come from the START rows (`rank=`). When the run
 *   ends inside a two-way partition, each side must agree on its own highest machine; inside a
 *   one-way partition, or less than the settling time after the last heal, agreement is not
 *   required (the description says so).
 * - Uniqueness: the live machines follow more than one leader at once only for windows no longer
 *   than the settling time, not counting the parts of a window inside a partitioned period (the
 *   part after a heal is counted from the heal). settle = leader_timeout + 3·heartbeat + 1 s
 *   (detection, a tick, an election with one skip), from the START rows' `heartbeat_ms`/
 *   `leader_timeout_ms`.
 * - Recovery: for every kill of the leader (the machine most live machines followed), the time from
 *   the kill until every live machine follows one and the same other leader; for every heal that
 *   ends a partitioned period, the time from the heal until every live machine follows one and the
 *   same live leader (0 when they still do at the heal). A recovery longer than the settling time
 *   (counted from the last fault before it: kill, restart, pause, resume, partition or heal), or
 *   none before the run ends (when it ran on that long), is a violation.
 */
import type { FaultRecord } from '../core/faultsFile.js';
import type { RunChecker } from './checker.js';
import type { Run } from './run.js';
import { algorithmModule } from '../algorithms/registry.js';
import { detailValue, parseDetail } from '../core/logRow.js';
import type { MachineId } from '../core/types.js';
import { type CheckResult, type Finding, MAX_EXAMPLES } from './types.js';

/** The columns of a row the election checks read (LogEntry of analysis/types.ts has them). */
export interface ElectionRow {
  /** 1-based line in the file (header is line 1). */
  readonly line: number;
  readonly epochMs: number;
  readonly event: string;
  readonly detail: string;
  /** `;`-joined destinations (SEND rows); used to count message copies when present. */
  readonly peer?: string;
}

/** The same columns, row i at index i of each (LogColumns of analysis/types.ts fits). */
export interface ElectionColumns {
  readonly length: number;
  readonly line: ArrayLike<number>;
  readonly epochMs: ArrayLike<number>;
  readonly event: readonly string[];
  readonly detail: readonly string[];
  readonly peer: readonly string[];
}

/**
 * One machine's log (MachineLog of analysis/types.ts fits): its rows as objects or as columns.
 * Invariant: at least one of them is given; the columns are read when both are.
 */
export interface ElectionLog {
  readonly file: string;
  readonly machine: MachineId;
  readonly rows?: readonly ElectionRow[];
  readonly columns?: ElectionColumns;
}

/** The log's columns (made from its rows when it has none). */
function columnsOf(log: ElectionLog): ElectionColumns {
  if (log.columns) return log.columns;
  const rows = log.rows ?? [];
  return {
    length: rows.length,
    line: rows.map((r) => r.line),
    epochMs: rows.map((r) => r.epochMs),
    event: rows.map((r) => r.event),
    detail: rows.map((r) => r.detail),
    peer: rows.map((r) => r.peer ?? ''),
  };
}

/** One row of faults.csv (core/faultsFile.ts owns the format). */
export type { FaultRecord } from '../core/faultsFile.js';

export interface ElectionCheckOptions {
  /** Overrides the settling time derived from the START rows. */
  readonly settleMs?: number;
}

/** One recovery after a leader's kill. `ms` is null when the run ended before every machine agreed. */
export interface Recovery {
  readonly machine: MachineId;
  readonly killAt: number;
  readonly recoveredAt: number | null;
  readonly ms: number | null;
  /**
   * The last fault (this kill, or a later kill, restart or pause before the recovery) from which
   * the settling bound is counted: a second crash during an election legitimately starts over.
   */
  readonly boundFrom: number;
  readonly newLeader: MachineId | null;
  /** file:line of the kill (faults.csv or the dead machine's last row). */
  readonly where: string;
}

/**
 * A partitioned period: from a `partition` while none was in force to the `heal` that leaves none
 * in force. Invariant: periods are disjoint and in time order; `to` null only for the last.
 */
export interface PartitionPeriod {
  readonly from: number;
  /** null: still in force when the run ended. */
  readonly to: number | null;
  /** The specs in force at some time during it, in order of their start. */
  readonly specs: readonly string[];
  /** faults.csv:line of the `partition` that opened it. */
  readonly where: string;
  /** faults.csv:line of the `heal` that closed it (null when none did). */
  readonly healWhere: string | null;
}

/** A partition in force when the run ended. */
export interface OpenPartition {
  readonly spec: string;
  readonly mode: 'two-way' | 'one-way';
  /** Two-way: the sides as faults.csv gives them (resolved); one-way: [from, to]. */
  readonly groups: readonly (readonly MachineId[])[];
}

/** The convergence after a heal that ended a partitioned period. `ms` null: none before the end. */
export interface HealRecovery {
  readonly healAt: number;
  readonly recoveredAt: number | null;
  readonly ms: number | null;
  /** The last fault (this heal, or a later fault before the recovery) the bound is counted from. */
  readonly boundFrom: number;
  /** The one leader every live machine followed then. */
  readonly leader: MachineId | null;
  /** faults.csv:line of the heal. */
  readonly where: string;
}

/**
 * The partitioned periods and the partitions still in force at the end, from faults.csv records
 * (`partition` / `heal`, matched by their `spec=`; other kinds are ignored). Pure. Invariant: a heal
 * without a matching partition is ignored; a partition without a heal stays in force.
 */
export function partitionPeriods(faults: readonly FaultRecord[]): { periods: PartitionPeriod[]; open: OpenPartition[] } {
  const inForce: (OpenPartition & { line: number })[] = [];
  const periods: PartitionPeriod[] = [];
  let cur: { from: number; specs: string[]; where: string } | null = null;
  const sorted = faults.filter((f) => f.fault === 'partition' || f.fault === 'heal').sort((a, b) => a.epochMs - b.epochMs || a.line - b.line);
  for (const f of sorted) {
    const d = parseDetail(f.detail);
    const spec = d.get('spec') ?? f.detail;
    if (f.fault === 'partition') {
      const mode = d.get('mode') === 'one-way' ? 'one-way' : 'two-way';
      const text = d.get('groups') ?? '';
      const groups = text
        .split(mode === 'one-way' ? '>' : '|')
        .map((g) => g.split(',').map(Number).filter((id) => Number.isInteger(id) && id > 0))
        .filter((g) => g.length > 0);
      inForce.push({ spec, mode, groups, line: f.line });
      if (!cur) cur = { from: f.epochMs, specs: [], where: `faults.csv:${f.line}` };
      cur.specs.push(spec);
    } else {
      const i = inForce.findIndex((p) => p.spec === spec);
      if (i < 0) continue;
      inForce.splice(i, 1);
      if (inForce.length === 0 && cur) {
        periods.push({ from: cur.from, to: f.epochMs, specs: cur.specs, where: cur.where, healWhere: `faults.csv:${f.line}` });
        cur = null;
      }
    }
  }
  if (cur) periods.push({ from: cur.from, to: null, specs: cur.specs, where: cur.where, healWhere: null });
  return { periods, open: inForce.map(({ line: _l, ...p }) => p) };
}

/**
 * The parts of [from, to] outside every partitioned period, each as [start, end]. A part that
 * starts at a heal is counted from the heal.
 */
function outsidePartitions(from: number, to: number, periods: readonly PartitionPeriod[]): [number, number][] {
  const parts: [number, number][] = [];
  let at = from;
  for (const p of periods) {
    const pEnd = p.to ?? Infinity;
    if (pEnd < at || p.from > to) continue;
    if (p.from > at) parts.push([at, p.from]);
    at = Math.max(at, pEnd);
    if (at >= to) break;
  }
  if (at < to) parts.push([at, to]);
  return parts;
}

/** A period when live machines followed different leaders. */
export interface DisagreementWindow {
  readonly from: number;
  readonly to: number;
  readonly leaders: readonly MachineId[];
  /** LEADER rows in effect when the window opened. */
  readonly rows: readonly string[];
}

/** Everything the election checks found; figures for reports and tests. */
export interface ElectionReport {
  readonly settleMs: number;
  readonly heartbeatMs: number;
  readonly leaderTimeoutMs: number;
  readonly ranks: ReadonlyMap<MachineId, number>;
  /** Machines whose log ends with STOP, and whom each follows at its end. */
  readonly finalLeaders: ReadonlyMap<MachineId, MachineId | null>;
  /** Highest-ranked machine among those. */
  readonly expectedLeader: MachineId | null;
  readonly recoveries: readonly Recovery[];
  readonly maxRecoveryMs: number | null;
  /** Partitioned periods from faults.csv (empty without it). */
  readonly partitions: readonly PartitionPeriod[];
  /** Partitions still in force when the run ended. */
  readonly openPartitions: readonly OpenPartition[];
  /** One per heal that ended a partitioned period. */
  readonly healRecoveries: readonly HealRecovery[];
  readonly maxHealRecoveryMs: number | null;
  /**
   * How agreement at the end was judged: `all` (one leader for every machine), `per-side` (the run
   * ended inside two-way partitions: each side its own highest machine), or `not-required` (inside
   * a one-way partition, or less than the settling time after the last heal).
   */
  readonly agreementScope: 'all' | 'per-side' | 'not-required';
  readonly windows: readonly DisagreementWindow[];
  /** ELECTION rows over all machines. */
  readonly elections: number;
  /** SEND rows and message copies of the election protocol, by body kind. */
  readonly messages: Readonly<Record<string, { sends: number; copies: number }>>;
  readonly agreementFindings: readonly Finding[];
  /** The latest epoch_ms of any row of the run (-Infinity when there is none). */
  readonly lastRowMs: number;
}

type Change =
  | { t: number; m: number; kind: 'leader'; leader: MachineId; at: string }
  | { t: number; m: number; kind: 'none' }
  | { t: number; m: number; kind: 'live'; live: boolean }
  | { t: number; m: number; kind: 'pause'; paused: boolean }
  | { t: number; m: number; kind: 'heal'; where: string };

const num = (v: string | undefined): number | null => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

/** What one pass over the logs and faults.csv gathers for the election checks. */
interface Collected {
  readonly ranks: Map<MachineId, number>;
  readonly heartbeatMs: number;
  readonly leaderTimeoutMs: number;
  /** Every change of liveness, pause and whom a machine follows, unsorted. */
  readonly changes: Change[];
  readonly kills: { machine: MachineId; t: number; where: string }[];
  readonly finalLeaders: Map<MachineId, MachineId | null>;
  readonly lastLeaderRow: Map<MachineId, string>;
  readonly messages: Record<string, { sends: number; copies: number }>;
  readonly elections: number;
  readonly endT: number;
  /** Instants of every fault (restarts, pauses, resumes, partitions; kills are added by recoveriesOf). */
  readonly faultTimes: number[];
  readonly partitions: PartitionPeriod[];
  readonly openPartitions: OpenPartition[];
  readonly byMachine: Map<MachineId, number>;
  /** Every log's columns, in the logs' order. */
  readonly cols: readonly ElectionColumns[];
}

/** One pass over every log (and faults.csv): the timeline of changes, kills, ranks, timing, message counts. */
function collect(logs: readonly ElectionLog[], faults: readonly FaultRecord[] | null): Collected {
  const ranks = new Map<MachineId, number>();
  let heartbeatMs = 1000;
  let leaderTimeoutMs = 5000;
  const changes: Change[] = [];
  const kills: { machine: MachineId; t: number; where: string }[] = [];
  const finalLeaders = new Map<MachineId, MachineId | null>();
  const lastLeaderRow = new Map<MachineId, string>();
  const messages: Record<string, { sends: number; copies: number }> = {};
  let elections = 0;
  let endT = -Infinity;
  /** Instants of every fault (kills, restarts, pauses, resumes). */
  const faultTimes: number[] = [];
  const faultKills = (faults ?? []).filter((f) => f.fault === 'kill' && f.machine !== null);
  const { periods: partitions, open: openPartitions } = partitionPeriods(faults ?? []);

  const cols = logs.map(columnsOf);
  logs.forEach((log, m) => {
    let leader: MachineId | null = null;
    let incarnationStart = -1;
    const { length, line, epochMs, event, detail, peer } = cols[m]!;
    for (let i = 0; i < length; i++) {
      const t0 = epochMs[i]!;
      const ev = event[i]!;
      if (t0 > endT) endT = t0;
      if (ev === 'START') {
        if (i > 0 && event[i - 1] !== 'STOP') {
          // the previous incarnation died: at the recorded kill, else at its last row
          const k = faultKills.find((f) => f.machine === log.machine && f.epochMs >= (incarnationStart < 0 ? -Infinity : incarnationStart) && f.epochMs <= t0);
          const t = k ? Math.max(k.epochMs, incarnationStart) : epochMs[i - 1]!;
          changes.push({ t, m, kind: 'live', live: false });
          kills.push({ machine: log.machine, t, where: k ? `faults.csv:${k.line}` : `${log.file}:${line[i - 1]}` });
        }
        if (i > 0) faultTimes.push(t0);
        incarnationStart = t0;
        const d = parseDetail(detail[i]!);
        const rank = num(d.get('rank'));
        if (rank !== null) ranks.set(log.machine, rank);
        heartbeatMs = num(d.get('heartbeat_ms')) ?? heartbeatMs;
        leaderTimeoutMs = num(d.get('leader_timeout_ms')) ?? leaderTimeoutMs;
        leader = null;
        changes.push({ t: t0, m, kind: 'live', live: true }, { t: t0, m, kind: 'none' });
      } else if (ev === 'STOP') {
        changes.push({ t: t0, m, kind: 'live', live: false });
      } else if (ev === 'LEADER') {
        const l = num(detailValue(detail[i]!, 'leader'));
        if (l !== null) {
          const at = `${log.file}:${line[i]}`;
          leader = l;
          lastLeaderRow.set(log.machine, at);
          changes.push({ t: t0, m, kind: 'leader', leader: l, at });
        }
      } else if (ev === 'LEADER_LOST') {
        leader = null;
        changes.push({ t: t0, m, kind: 'none' });
      } else if (ev === 'ELECTION') {
        elections++;
      } else if (ev === 'SEND') {
        const kind = detailValue(detail[i]!, 'kind');
        if (kind) {
          const e = (messages[kind] ??= { sends: 0, copies: 0 });
          e.sends++;
          e.copies += peer[i] ? peer[i]!.split(';').length : 0;
        }
      }
    }
    const last = length - 1;
    if (last >= 0 && event[last] === 'STOP') finalLeaders.set(log.machine, leader);
    else if (last >= 0) {
      const k = faultKills.find((f) => f.machine === log.machine && f.epochMs >= incarnationStart);
      const t = k ? Math.max(k.epochMs, incarnationStart) : epochMs[last]!;
      changes.push({ t, m, kind: 'live', live: false });
      kills.push({ machine: log.machine, t, where: k ? `faults.csv:${k.line}` : `${log.file}:${line[last]}` });
    }
  });
  const byMachine = new Map(logs.map((l, m) => [l.machine, m]));
  for (const f of faults ?? []) {
    if (f.machine === null) continue;
    const m = byMachine.get(f.machine);
    if (m === undefined) continue;
    if (f.fault === 'pause' || f.fault === 'resume') faultTimes.push(f.epochMs);
    if (f.fault === 'pause') changes.push({ t: f.epochMs, m, kind: 'pause', paused: true });
    if (f.fault === 'resume') changes.push({ t: f.epochMs, m, kind: 'pause', paused: false });
  }
  for (const p of partitions) {
    faultTimes.push(p.from);
    if (p.to !== null) {
      faultTimes.push(p.to);
      changes.push({ t: p.to, m: -1, kind: 'heal', where: p.healWhere! });
    }
  }
  return { ranks, heartbeatMs, leaderTimeoutMs, changes, kills, finalLeaders, lastLeaderRow, messages, elections, endT, faultTimes, partitions, openPartitions, byMachine, cols };
}

type Awaiting = { machine: MachineId; killAt: number; where: string; done: boolean; recoveredAt: number | null; newLeader: MachineId | null };
type HealAwaiting = { healAt: number; where: string; done: boolean; recoveredAt: number | null; leader: MachineId | null };

/**
 * The sweep over time: replays the changes in order (deaths before births before the rest at one
 * instant) and records the windows with more than one leader, and when agreement came back after
 * each leader's kill and after each heal.
 */
function sweep(c0: Collected, logs: readonly ElectionLog[]): { windows: DisagreementWindow[]; awaiting: Awaiting[]; healAwaiting: HealAwaiting[] } {
  const { changes, kills, byMachine, endT } = c0;
  // sweep over time
  const order = (c: Change): number => (c.kind === 'live' && !c.live ? 0 : c.kind === 'live' ? 1 : 2);
  changes.sort((a, b) => a.t - b.t || order(a) - order(b));
  const n = logs.length;
  const live = new Array<boolean>(n).fill(false);
  const paused = new Array<boolean>(n).fill(false);
  const follows = new Array<MachineId | null>(n).fill(null);
  const rowOf = new Array<string>(n).fill('');
  const windows: DisagreementWindow[] = [];
  let open: { from: number; leaders: Set<MachineId>; rows: string[] } | null = null;
  const leaderSet = (): Set<MachineId> => {
    const s = new Set<MachineId>();
    for (let m = 0; m < n; m++) if (live[m] && !paused[m] && follows[m] !== null) s.add(follows[m]!);
    return s;
  };
  const majorityLeader = (): MachineId | null => {
    const count = new Map<MachineId, number>();
    for (let m = 0; m < n; m++) if (live[m] && !paused[m] && follows[m] !== null) count.set(follows[m]!, (count.get(follows[m]!) ?? 0) + 1);
    let best: MachineId | null = null;
    let bc = 0;
    for (const [l, c] of count) if (c > bc) [best, bc] = [l, c];
    return best;
  };
  /** Per leader-kill: awaiting agreement after it. */
  const awaiting: Awaiting[] = [];
  /** Per heal ending a partitioned period: awaiting one leader for all. */
  const healAwaiting: HealAwaiting[] = [];
  const killQueue = [...kills].sort((a, b) => a.t - b.t);
  let kq = 0;
  /**
   * Kills whose victim was not the leader at the kill but may become it: messages it sent before
   * dying (a coordinator announcement) can make the others follow it afterwards. Without faults.csv
   * the kill's instant is the victim's last row, which can precede the others' LEADER rows for it.
   */
  const maybeLeaderKills: (typeof kills)[number][] = [];
  const awaitKill = (k: (typeof kills)[number]): void => {
    awaiting.push({ machine: k.machine, killAt: k.t, where: k.where, done: false, recoveredAt: null, newLeader: null });
  };
  for (let c = 0; c < changes.length; ) {
    const t = changes[c]!.t;
    // kills at this instant: was the victim the leader just before?
    while (kq < killQueue.length && killQueue[kq]!.t <= t) {
      const k = killQueue[kq++]!;
      if (majorityLeader() === k.machine) awaitKill(k);
      else maybeLeaderKills.push(k);
    }
    for (; c < changes.length && changes[c]!.t === t; c++) {
      const ch = changes[c]!;
      if (ch.kind === 'live') {
        live[ch.m] = ch.live;
        if (!ch.live) follows[ch.m] = null;
      } else if (ch.kind === 'pause') paused[ch.m] = ch.paused;
      else if (ch.kind === 'none') follows[ch.m] = null;
      else if (ch.kind === 'heal') healAwaiting.push({ healAt: ch.t, where: ch.where, done: false, recoveredAt: null, leader: null });
      else {
        follows[ch.m] = ch.leader;
        rowOf[ch.m] = ch.at;
      }
    }
    // a dead victim that the others now follow was killed as the leader; one that is back is not pending
    const followed = maybeLeaderKills.length > 0 ? majorityLeader() : null;
    for (let p = 0; p < maybeLeaderKills.length; ) {
      const k = maybeLeaderKills[p]!;
      const km = byMachine.get(k.machine);
      const back = km !== undefined && live[km]!;
      if (!back && followed === k.machine) awaitKill(k);
      if (back || followed === k.machine) maybeLeaderKills.splice(p, 1);
      else p++;
    }
    const set = leaderSet();
    if (set.size > 1 && !open) {
      const rows: string[] = [];
      for (let m = 0; m < n; m++) if (live[m] && !paused[m] && follows[m] !== null && rowOf[m]) rows.push(rowOf[m]!);
      open = { from: t, leaders: new Set(set), rows };
    } else if (open) {
      if (set.size > 1) for (const l of set) open.leaders.add(l);
      else {
        windows.push({ from: open.from, to: t, leaders: [...open.leaders].sort((a, b) => a - b), rows: open.rows });
        open = null;
      }
    }
    // recovery: every live (unpaused) machine follows the same leader, not the dead one
    const liveCount = live.filter((v, m) => v && !paused[m]).length;
    const allFollow = liveCount > 0 && set.size === 1 && follows.every((f, m) => !live[m] || paused[m] || f !== null);
    if (allFollow) {
      const l = [...set][0]!;
      const lm = byMachine.get(l);
      const leaderLive = lm !== undefined && live[lm]! && !paused[lm]!;
      // the killed machine counts as the new leader only once it is back (restarted and re-elected)
      for (const a of awaiting) if (!a.done && leaderLive) Object.assign(a, { done: true, recoveredAt: t, newLeader: l });
      for (const h of healAwaiting) if (!h.done && leaderLive) Object.assign(h, { done: true, recoveredAt: t, leader: l });
    }
  }
  if (open) windows.push({ from: open.from, to: endT, leaders: [...open.leaders].sort((a, b) => a - b), rows: open.rows });

  return { windows, awaiting, healAwaiting };
}

/** Recoveries after leader kills and after heals, each with the last fault its bound counts from. */
function recoveriesOf(c0: Collected, awaiting: readonly Awaiting[], healAwaiting: readonly HealAwaiting[]) {
  const { kills, faultTimes } = c0;
  for (const k of kills) faultTimes.push(k.t);
  const recoveries: Recovery[] = awaiting.map((a) => ({
    machine: a.machine,
    killAt: a.killAt,
    recoveredAt: a.recoveredAt,
    ms: a.recoveredAt === null ? null : a.recoveredAt - a.killAt,
    boundFrom: Math.max(a.killAt, ...faultTimes.filter((t) => t <= (a.recoveredAt ?? Infinity))),
    newLeader: a.newLeader,
    where: a.where,
  }));
  const done = recoveries.filter((r) => r.ms !== null).map((r) => r.ms!);
  const healRecoveries: HealRecovery[] = healAwaiting.map((h) => ({
    healAt: h.healAt,
    recoveredAt: h.recoveredAt,
    ms: h.recoveredAt === null ? null : h.recoveredAt - h.healAt,
    boundFrom: Math.max(h.healAt, ...faultTimes.filter((t) => t <= (h.recoveredAt ?? Infinity))),
    leader: h.leader,
    where: h.where,
  }));
  const healsDone = healRecoveries.filter((r) => r.ms !== null).map((r) => r.ms!);

  return { recoveries, done, healRecoveries, healsDone };
}

/** Agreement at the end: over all machines, per side of the partitions still in force, or not required. */
function agreementOf(logs: readonly ElectionLog[], c0: Collected, settleMs: number) {
  const { partitions, openPartitions, endT, ranks, finalLeaders, byMachine, lastLeaderRow, cols } = c0;
  // agreement at the end: over all machines, per side of the two-way partitions still in force,
  // or not at all (inside a one-way partition, or the run ended before settling after a heal)
  const lastHeal = partitions.reduce((t, p) => (p.to !== null && p.to > t ? p.to : t), -Infinity);
  const agreementScope: ElectionReport['agreementScope'] =
    openPartitions.some((p) => p.mode === 'one-way') || endT - lastHeal < settleMs ? 'not-required' : openPartitions.length ? 'per-side' : 'all';
  /** Side of a machine: its group index in every two-way partition in force at the end. */
  const sideOf = (id: MachineId): string => openPartitions.map((p) => p.groups.findIndex((g) => g.includes(id))).join(',');
  const better = (a: MachineId, b: MachineId | null): boolean =>
    b === null || rankOf(ranks, a) > rankOf(ranks, b) || (rankOf(ranks, a) === rankOf(ranks, b) && a > b);
  const agreementFindings: Finding[] = [];
  let expectedLeader: MachineId | null = null;
  const sideLeader = new Map<string, MachineId>();
  for (const id of finalLeaders.keys()) {
    if (better(id, expectedLeader)) expectedLeader = id;
    const side = sideOf(id);
    if (better(id, sideLeader.get(side) ?? null)) sideLeader.set(side, id);
  }
  if (agreementScope !== 'not-required') {
    for (const [id, l] of finalLeaders) {
      const expected = agreementScope === 'all' ? expectedLeader : sideLeader.get(sideOf(id))!;
      if (l === expected) continue;
      const m = byMachine.get(id)!;
      const c = cols[m]!;
      const where = lastLeaderRow.get(id) ?? `${logs[m]!.file}:${c.line[c.length - 1]}`;
      const what = agreementScope === 'all' ? 'highest-ranked live machine' : 'highest-ranked live machine on its side of the partition';
      agreementFindings.push({ where, message: `machine ${id} ends following ${l ?? 'no leader'}, expected ${expected} (${what})` });
    }
  }

  return { agreementScope, expectedLeader, agreementFindings };
}

/**
 * Analyses an election run: collect, sweep, recoveries, agreement. `faults` null: kills are
 * inferred from the logs. Never throws on odd logs.
 */
export function electionReport(logs: readonly ElectionLog[], faults: readonly FaultRecord[] | null, opts: ElectionCheckOptions = {}): ElectionReport {
  const c0 = collect(logs, faults);
  const { ranks, heartbeatMs, leaderTimeoutMs, finalLeaders, partitions, openPartitions, elections, messages, endT } = c0;
  const settleMs = opts.settleMs ?? leaderTimeoutMs + 3 * heartbeatMs + 1000;
  const { windows, awaiting, healAwaiting } = sweep(c0, logs);
  const { recoveries, done, healRecoveries, healsDone } = recoveriesOf(c0, awaiting, healAwaiting);
  const { agreementScope, expectedLeader, agreementFindings } = agreementOf(logs, c0, settleMs);
  return {
    settleMs,
    heartbeatMs,
    leaderTimeoutMs,
    ranks,
    finalLeaders,
    expectedLeader,
    recoveries,
    maxRecoveryMs: done.length ? Math.max(...done) : null,
    partitions,
    openPartitions,
    healRecoveries,
    maxHealRecoveryMs: healsDone.length ? Math.max(...healsDone) : null,
    agreementScope,
    windows,
    elections,
    messages,
    agreementFindings,
    lastRowMs: endT,
  };
}

function rankOf(ranks: ReadonlyMap<MachineId, number>, id: MachineId): number {
  return ranks.get(id) ?? -Infinity;
}

function result(name: string, description: string, findings: readonly Finding[]): CheckResult {
  return { name, description, ok: findings.length === 0, violations: findings.length, examples: findings.slice(0, MAX_EXAMPLES) };
}

/**
 * The three election checks as CheckResults (`election-agreement`, `election-uniqueness`,
 * `election-recovery`). Invariant: every violation names rows as `file:line`.
 */
export function electionChecks(logs: readonly ElectionLog[], faults: readonly FaultRecord[] | null, opts: ElectionCheckOptions = {}): CheckResult[] {
  const rep = electionReport(logs, faults, opts);
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const uniq: Finding[] = [];
  for (const w of rep.windows) {
    // the parts inside a partitioned period are expected (one leader per side); the rest must settle
    const parts = outsidePartitions(w.from, w.to, rep.partitions);
    const worst = parts.reduce<[number, number] | null>((a, p) => (a === null || p[1] - p[0] > a[1] - a[0] ? p : a), null);
    if (worst === null || worst[1] - worst[0] <= rep.settleMs) continue;
    const where = w.rows.length ? w.rows.join(', ') : '-';
    const heal = rep.partitions.find((p) => p.to === worst[0]);
    const after = heal ? ` after the heal (${heal.healWhere})` : '';
    uniq.push({ where, message: `machines followed leaders ${w.leaders.join(', ')} at once for ${s(worst[1] - worst[0])}${after} (settling time ${s(rep.settleMs)})` });
  }
  const rec: Finding[] = [];
  const lastT = rep.lastRowMs;
  for (const r of rep.recoveries) {
    if (r.ms === null) {
      if (lastT - r.boundFrom > rep.settleMs) rec.push({ where: r.where, message: `leader ${r.machine} was killed and the live machines never agreed on a new leader` });
    } else if (r.recoveredAt! - r.boundFrom > rep.settleMs) {
      const later = r.boundFrom > r.killAt ? ` (${s(r.recoveredAt! - r.boundFrom)} after the last fault during it)` : '';
      rec.push({ where: r.where, message: `recovery after leader ${r.machine}'s kill took ${s(r.ms)}${later}, bound ${s(rep.settleMs)}` });
    }
  }
  for (const h of rep.healRecoveries) {
    if (h.ms === null) {
      if (lastT - h.boundFrom > rep.settleMs) rec.push({ where: h.where, message: `a partition healed and the live machines never came to follow one leader` });
    } else if (h.recoveredAt! - h.boundFrom > rep.settleMs) {
      const later = h.boundFrom > h.healAt ? ` (${s(h.recoveredAt! - h.boundFrom)} after the last fault during it)` : '';
      rec.push({ where: h.where, message: `after a partition healed, one leader for all took ${s(h.ms)}${later}, bound ${s(rep.settleMs)}` });
    }
  }
  const list = (ms: readonly (number | null)[]): string => ms.map((m) => (m === null ? 'none' : s(m))).join(', ');
  const maxOf = (m: number | null): string => (m === null ? '-' : s(m));
  const figures =
    (rep.recoveries.length ? `; recoveries ${list(rep.recoveries.map((r) => r.ms))}, max ${maxOf(rep.maxRecoveryMs)}` : '') +
    (rep.healRecoveries.length ? `; after heals ${list(rep.healRecoveries.map((r) => r.ms))}, max ${maxOf(rep.maxHealRecoveryMs)}` : '');
  const agreement =
    rep.agreementScope === 'all'
      ? `at the end every live machine follows the highest-ranked live machine (${rep.expectedLeader ?? 'none'})`
      : rep.agreementScope === 'per-side'
        ? 'at the end (inside a partition) every live machine follows the highest-ranked live machine of its side'
        : 'not required: the run ended inside a one-way partition or within the settling time after a heal';
  const partitioned = rep.partitions.length ? ', outside partitions (counted from the heal)' : '';
  const faultsText = rep.partitions.length ? "a leader's kill or a partition's heal" : "a leader's kill";
  return [
    result('election-agreement', agreement, rep.agreementFindings),
    result('election-uniqueness', `never two leaders for longer than the settling time (${s(rep.settleMs)})${partitioned}`, uniq),
    result('election-recovery', `after ${faultsText} every live machine follows one leader within ${s(rep.settleMs)}${figures}`, rec),
  ];
}

/**
 * The registered checker (applies to runs whose START rows name an algorithm whose module says
 * `checker: 'election'`: election, bully). It uses the exact fault times of the run's faults.csv
 * when the run has it (Run.faults); without it, kills are inferred from the logs.
 */
export const electionChecker: RunChecker = {
  name: 'election',
  appliesTo: (run: Run) => run.algorithm !== null && algorithmModule(run.algorithm)?.checker === 'election',
  check: (run: Run) => electionChecks(run.machines.map((log, m) => ({ file: log.file, machine: log.machine, columns: run.cols[m] })), run.faults),
};

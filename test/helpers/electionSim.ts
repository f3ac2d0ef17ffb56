/**
 * Runs the election algorithms in the deterministic simulator and hands the rows to the election
 * checker as if they had been read from files (line = index + 2, after the header), with the
 * crashes/restarts/partitions as faults.csv records. Shared by the election simulation tests and
 * measurements.
 *
 * Partitions come in two modes, as the two runtimes show them to the algorithms:
 * - `disconnect` (the simulator's own partitions): links between the sides go down, both ends get
 *   peerDown, and peerUp at the heal.
 * - `silent` (like the TCP transport's injected partitions, runtime/net/linkFaults.ts): links stay
 *   up (ctx.connected unchanged, no peerDown/peerUp); a send across the cut is dropped at the
 *   sender, logged as a DROP note with reason=partitioned. Done here by wrapping the algorithm, so
 *   it needs the machine's time to be the run's time: no restarts in this mode.
 */
import { createBully } from '../../src/algorithms/bully.js';
import type { ElectionBody, ElectionState } from '../../src/algorithms/electionCommon.js';
import { createRingElection } from '../../src/algorithms/ringElection.js';
import { electionChecks, electionReport, type ElectionLog, type FaultRecord } from '../../src/analysis/electionChecks.js';
import type { Algorithm, Context, Effect } from '../../src/core/algorithm.js';
import type { LogRow } from '../../src/core/logRow.js';
import { DEFAULT_SIM_EPOCH, runSimulation, uniformDelay } from '../../src/runtime/sim/simulation.js';

export type ElectionAlgorithmName = 'election' | 'bully';

export interface ElectionSimOptions {
  readonly algorithm: ElectionAlgorithmName;
  readonly n: number;
  readonly seed: number;
  readonly durationMs: number;
  readonly crashes?: readonly { id: number; atMs: number }[];
  readonly restarts?: readonly { id: number; atMs: number }[];
  readonly heartbeatMs?: number;
  readonly leaderTimeoutMs?: number;
  readonly ranks?: ReadonlyMap<number, number>;
  readonly delayMaxMs?: number;
  /** Fixed tick rate for every machine (default: drawn per machine, 1–6). */
  readonly tickRate?: number;
  /** Two-way partitions: the groups (unnamed machines form one more), from/to in virtual ms. */
  readonly partitions?: readonly SimPartition[];
  /** How the machines see a partition (default `disconnect`). */
  readonly partitionMode?: 'disconnect' | 'silent';
  /** Wraps each machine's algorithm (e.g. to remove a message kind and show what it is for). */
  readonly wrap?: (alg: Algorithm<ElectionState, ElectionBody>) => Algorithm<ElectionState, ElectionBody>;
}

export interface SimPartition {
  readonly groups: readonly (readonly number[])[];
  readonly fromMs: number;
  /** Infinity: no heal. */
  readonly toMs: number;
}

/** The groups of `p` with the unnamed machines as one more group. */
function resolveGroups(p: SimPartition, ids: readonly number[]): number[][] {
  const named = new Set(p.groups.flat());
  const rest = ids.filter((id) => !named.has(id));
  return [...p.groups.map((g) => [...g]), ...(rest.length ? [rest] : [])];
}

/** True when a partition in force at `t` separates a and b. */
function separated(parts: readonly { groups: number[][]; fromMs: number; toMs: number }[], a: number, b: number, t: number): boolean {
  for (const p of parts) {
    if (t < p.fromMs || t >= p.toMs) continue;
    if (p.groups.findIndex((g) => g.includes(a)) !== p.groups.findIndex((g) => g.includes(b))) return true;
  }
  return false;
}

/**
 * Wraps an algorithm so that sends across a partition in force are dropped (silent partitions):
 * the blocked destinations are removed from the send and a DROP note names them.
 */
function silentPartitions<S, B>(alg: Algorithm<S, B>, parts: readonly { groups: number[][]; fromMs: number; toMs: number }[]): Algorithm<S, B> {
  const filter = (effects: Effect<B>[], ctx: Context): Effect<B>[] => {
    const out: Effect<B>[] = [];
    for (const e of effects) {
      if (e.kind !== 'send') {
        out.push(e);
        continue;
      }
      const blocked = e.to.filter((to) => separated(parts, ctx.self, to, ctx.now));
      if (blocked.length === 0) {
        out.push(e);
        continue;
      }
      const to = e.to.filter((d) => !blocked.includes(d));
      if (to.length) out.push({ ...e, to });
      out.push({ kind: 'note', event: 'DROP', peer: blocked, detail: 'reason=partitioned' });
    }
    return out;
  };
  return {
    ...alg,
    onTick: (s, ctx) => filter(alg.onTick(s, ctx), ctx),
    onMessage: (s, from, body, ctx) => filter(alg.onMessage(s, from, body, ctx), ctx),
    onPeerDown: alg.onPeerDown && ((s, peer, ctx) => filter(alg.onPeerDown!(s, peer, ctx), ctx)),
    onPeerUp: alg.onPeerUp && ((s, peer, ctx) => filter(alg.onPeerUp!(s, peer, ctx), ctx)),
  };
}

export interface ElectionSimRun {
  readonly rows: Map<number, LogRow[]>;
  readonly logs: ElectionLog[];
  readonly faults: FaultRecord[];
}

/** Ranks of five machines where machine 2 outranks everyone (then 4, 3, 5, 1). */
export const RANKS_TOP_2: ReadonlyMap<number, number> = new Map([
  [1, 10],
  [2, 50],
  [3, 30],
  [4, 40],
  [5, 20],
]);

/** Runs one simulation. Machine ids are 1..n in ring order. */
export function runElectionSim(o: ElectionSimOptions): ElectionSimRun {
  const ids = Array.from({ length: o.n }, (_, i) => i + 1);
  const rows = new Map<number, LogRow[]>();
  const opts = { heartbeatMs: o.heartbeatMs ?? 1000, leaderTimeoutMs: o.leaderTimeoutMs ?? 5000, ranks: o.ranks ?? new Map<number, number>() };
  const parts = (o.partitions ?? []).map((p) => ({ groups: resolveGroups(p, ids), fromMs: p.fromMs, toMs: p.toMs }));
  const silent = o.partitionMode === 'silent';
  if (silent && (o.restarts ?? []).length) throw new Error('silent partitions need machine time = run time: no restarts');
  runSimulation({
    ids,
    seed: o.seed,
    algorithm: () => {
      const base = o.algorithm === 'election' ? createRingElection(opts) : createBully(opts);
      const alg = o.wrap ? o.wrap(base) : base;
      return silent ? silentPartitions(alg, parts) : alg;
    },
    partitions: silent ? [] : parts.map((p) => ({ groups: p.groups, fromMs: p.fromMs, toMs: p.toMs, text: describeSimPartition(p) })),
    delay: uniformDelay(0.5, o.delayMaxMs ?? 40),
    durationMs: o.durationMs,
    tickRate: o.tickRate,
    crashes: o.crashes ?? [],
    restarts: o.restarts ?? [],
    sink: (id) => {
      let list = rows.get(id);
      if (!list) rows.set(id, (list = []));
      const l = list;
      return { write: (r) => l.push(r) };
    },
  });
  const logs: ElectionLog[] = ids.map((id) => ({
    file: `log_${id}.csv`,
    machine: id,
    rows: (rows.get(id) ?? []).map((r, i) => ({ line: i + 2, epochMs: r.epoch_ms, event: r.event, detail: r.detail, peer: r.peer })),
  }));
  const faults: FaultRecord[] = [];
  let line = 2;
  const all = [...(o.crashes ?? []).map((c) => ({ ...c, fault: 'kill' })), ...(o.restarts ?? []).map((c) => ({ ...c, fault: 'restart' }))].sort((a, b) => a.atMs - b.atMs);
  const timed: { atMs: number; fault: string; machine: number | null; detail: string }[] = all.map((f) => ({ atMs: f.atMs, fault: f.fault, machine: f.id, detail: '' }));
  // faults.csv rows as start-all writes them for --partition (heals first at one instant)
  let active = 0;
  const changes = parts.flatMap((p) => [
    { atMs: p.fromMs, kind: 'partition', p },
    ...(Number.isFinite(p.toMs) ? [{ atMs: p.toMs, kind: 'heal', p }] : []),
  ]);
  changes.sort((a, b) => a.atMs - b.atMs || (a.kind === 'heal' ? 0 : 1) - (b.kind === 'heal' ? 0 : 1));
  for (const c of changes) {
    active += c.kind === 'heal' ? -1 : 1;
    const spec = describeSimPartition(c.p);
    timed.push({ atMs: c.atMs, fault: c.kind, machine: null, detail: `spec=${spec} mode=two-way groups=${c.p.groups.map((g) => g.join(',')).join('|')} active=${active}` });
  }
  timed.sort((a, b) => a.atMs - b.atMs);
  for (const f of timed) faults.push({ line: line++, epochMs: DEFAULT_SIM_EPOCH + Math.floor(f.atMs), fault: f.fault, machine: f.machine, detail: f.detail });
  return { rows, logs, faults };
}

/** `1,2|3@10000ms-20000ms`: the spec text of a partition. */
function describeSimPartition(p: { groups: readonly (readonly number[])[]; fromMs: number; toMs: number }): string {
  return `${p.groups.map((g) => g.join(',')).join('|')}@${p.fromMs}ms${Number.isFinite(p.toMs) ? `-${p.toMs}ms` : ''}`;
}

/** The checker's results and report for a simulated run. */
export function checkElectionSim(run: ElectionSimRun) {
  return { checks: electionChecks(run.logs, run.faults), report: electionReport(run.logs, run.faults) };
}

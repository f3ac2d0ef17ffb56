/**
 * Ring election and bully across network partitions in the deterministic simulator, with partitions
 * seen both ways the runtimes show them: as disconnection (the simulator's own: links go down and
 * come up, peerDown/peerUp) and as silence (like the TCP transport's injected partitions: links stay
 * up and sends across the cut are dropped). Many seeds, 3–9 machines, 2–3 sides, overlapping and
 * successive partitions, some during the start-up election, some with a crash. During a partition
 * each side may have its own leader; after the heal and the settling time the election checker
 * requires one leader, the highest-ranked live machine (agreement, uniqueness, recovery after heal).
 */
import { describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/core/algorithm.js';
import type { ElectionBody, ElectionState } from '../../src/algorithms/electionCommon.js';
import { Rng } from '../../src/core/rng.js';
import { checkElectionSim, RANKS_TOP_2, runElectionSim, type ElectionAlgorithmName, type ElectionSimRun, type SimPartition } from '../helpers/electionSim.js';
import { DEFAULT_SIM_EPOCH } from '../../src/runtime/sim/simulation.js';

const ALGORITHMS: ElectionAlgorithmName[] = ['election', 'bully'];
const MODES = ['disconnect', 'silent'] as const;

function shuffle(rng: Rng, ids: readonly number[]): number[] {
  const s = [...ids];
  for (let i = s.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  return s;
}

/** `ids` cut at random into k non-empty groups. */
function split(rng: Rng, ids: readonly number[], k: number): number[][] {
  const s = shuffle(rng, ids);
  const cuts = new Set<number>();
  while (cuts.size < k - 1) cuts.add(rng.int(1, s.length - 1));
  const groups: number[][] = [];
  let at = 0;
  for (const c of [...[...cuts].sort((a, b) => a - b), s.length]) {
    groups.push(s.slice(at, c));
    at = c;
  }
  return groups;
}

/** SEND rows of `kind` at or after virtual time `fromMs`, over all machines. */
function sendsOf(run: ElectionSimRun, kind: string, fromMs = 0): number {
  let n = 0;
  for (const rows of run.rows.values()) for (const r of rows) if (r.event === 'SEND' && r.epoch_ms >= DEFAULT_SIM_EPOCH + fromMs && r.detail.startsWith(`kind=${kind} `)) n++;
  return n;
}

/** Rows of `event` at or after `fromMs`. */
function rowsOf(run: ElectionSimRun, event: string, fromMs = 0): number {
  let n = 0;
  for (const rows of run.rows.values()) for (const r of rows) if (r.event === event && r.epoch_ms >= DEFAULT_SIM_EPOCH + fromMs) n++;
  return n;
}

/** The algorithm without its leader announcements: what the code did before they existed. */
function withoutAnnouncements(alg: Algorithm<ElectionState, ElectionBody>): Algorithm<ElectionState, ElectionBody> {
  const strip = (effects: ReturnType<typeof alg.onTick>) => effects.filter((e) => !(e.kind === 'send' && e.body.kind === 'LEADER_ANNOUNCE'));
  return {
    ...alg,
    onTick: (s, ctx) => strip(alg.onTick(s, ctx)),
    onMessage: (s, from, body, ctx) => strip(alg.onMessage(s, from, body, ctx)),
    onPeerUp: (s, peer, ctx) => strip(alg.onPeerUp!(s, peer, ctx)),
  };
}

describe.each(ALGORITHMS.flatMap((a) => MODES.map((m) => [a, m] as const)))('%s, partitions as %s', (algorithm, mode) => {
  it('after every heal and the settling time: one leader, the highest-ranked live machine (100 seeds, 3–9 machines)', () => {
    let heals = 0;
    let splitBrains = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const n = 3 + (seed % 7);
      const rng = new Rng(seed * 31 + 7);
      const ids = Array.from({ length: n }, (_, i) => i + 1);
      const fast = seed % 2 === 0;
      const hb = fast ? 300 : 1000;
      const lt = fast ? 1000 : 5000;
      const partitions: SimPartition[] = [];
      // one or two partitions, some from the start-up election on, the second one sometimes overlapping
      let t = rng.chance(0.2) ? rng.int(0, 3000) : rng.int(4000, 12_000);
      const count = rng.chance(0.3) ? 2 : 1;
      for (let i = 0; i < count; i++) {
        const groups = split(rng, ids, n >= 4 && rng.chance(0.3) ? 3 : 2);
        const len = rng.int(fast ? 300 : 1000, fast ? 8000 : 25_000);
        const from = i > 0 && rng.chance(0.5) ? partitions[i - 1]!.fromMs + rng.int(0, len) : t;
        partitions.push({ groups: groups.slice(0, -1), fromMs: from, toMs: from + len });
        t = Math.max(t, from + len) + rng.int(500, 3 * lt);
      }
      const lastHeal = Math.max(...partitions.map((p) => p.toMs));
      // the simulator's crashes are disconnections too; the silent wrapper needs run time = machine time
      const crashes = mode === 'disconnect' && rng.chance(0.3) ? [{ id: rng.int(1, n), atMs: rng.int(3000, lastHeal) }] : [];
      const run = runElectionSim({
        algorithm,
        n,
        seed,
        durationMs: lastHeal + 3 * lt + 10 * hb + 2000,
        heartbeatMs: hb,
        leaderTimeoutMs: lt,
        partitions,
        partitionMode: mode,
        crashes,
        delayMaxMs: 5 + (seed % 4) * 30,
      });
      const { checks, report } = checkElectionSim(run);
      const scenario = `seed ${seed} n=${n} hb=${hb} partitions=${JSON.stringify(partitions)} crashes=${JSON.stringify(crashes)}`;
      expect(checks.filter((c) => !c.ok), scenario).toEqual([]);
      expect(report.agreementScope, scenario).toBe('all');
      expect(report.healRecoveries.length, scenario).toBeGreaterThanOrEqual(1);
      expect(report.healRecoveries.every((h) => h.ms !== null), scenario).toBe(true);
      heals += report.healRecoveries.length;
      if (report.windows.some((w) => report.partitions.some((p) => w.from < (p.to ?? Infinity) && w.to > p.from))) splitBrains++;
    }
    expect(heals).toBeGreaterThanOrEqual(100);
    // the partitions did bite: in many runs two sides had leaders of their own at once
    expect(splitBrains).toBeGreaterThan(30);
  });

  it('the reported repro: 3 machines, 3 cut off from 1,2 from 1.5 s to 4 s (heartbeat 0.3 s, leader timeout 1 s)', () => {
    // seed 4 draws the ranks of start-all --seed 4: machine 2 ranks highest
    const run = runElectionSim({ algorithm, n: 3, seed: 4, durationMs: 10_000, heartbeatMs: 300, leaderTimeoutMs: 1000, partitions: [{ groups: [[3], [1, 2]], fromMs: 1500, toMs: 4000 }], partitionMode: mode });
    const { checks, report } = checkElectionSim(run);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.expectedLeader).toBe(2);
    // machine 3 led its own side during the partition ...
    expect(run.rows.get(3)!.some((r) => r.event === 'LEADER' && r.detail.startsWith('leader=3 ') && r.epoch_ms < DEFAULT_SIM_EPOCH + 4000)).toBe(true);
    // ... and after the heal adopted 2 within a heartbeat or two, without any election
    const h = report.healRecoveries[0]!;
    expect(h).toMatchObject({ healAt: DEFAULT_SIM_EPOCH + 4000, leader: 2 });
    expect(h.ms!).toBeLessThanOrEqual(2 * 300 + 100);
    expect(rowsOf(run, 'ELECTION', 4000)).toBe(0);
    // peerUp (disconnect mode) and the periodic announcement may both fire at the heal: a handful of single copies
    expect(sendsOf(run, 'LEADER_ANNOUNCE', 4000)).toBeLessThanOrEqual(6);
  });

  it('the top machine cut off alone: the rest elect the next one, and the top leads again after the heal', () => {
    const ranks = RANKS_TOP_2;
    const run = runElectionSim({ algorithm, n: 5, seed: 9, durationMs: 30_000, ranks, partitions: [{ groups: [[2]], fromMs: 8000, toMs: 18_000 }], partitionMode: mode });
    const { checks, report } = checkElectionSim(run);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.windows.some((w) => w.leaders.includes(2) && w.leaders.includes(4))).toBe(true);
    // the rest elected 4 within the settling time of losing 2 (detection + an election that skips the
    // silent 2; the ring once lost the highest token when a forwarder started its own election)
    const led4 = run.rows.get(4)!.find((r) => r.event === 'LEADER' && r.detail.startsWith('leader=4 '))!;
    expect(led4.epoch_ms - DEFAULT_SIM_EPOCH).toBeLessThanOrEqual(8000 + report.leaderTimeoutMs + report.settleMs);
    expect([...report.finalLeaders.values()]).toEqual([2, 2, 2, 2, 2]);
    expect(report.healRecoveries[0]!.ms!).toBeLessThanOrEqual(report.heartbeatMs + 200);
    expect(rowsOf(run, 'ELECTION', 18_000)).toBe(0);
  });

  it('costs nothing without faults: no LEADER_ANNOUNCE while every machine follows the leader', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const run = runElectionSim({ algorithm, n: 3 + (seed % 7), seed, durationMs: 30_000 });
      expect(sendsOf(run, 'LEADER_ANNOUNCE'), `seed ${seed}`).toBe(0);
    }
  });
});

describe('without the leader announcements', () => {
  it.each(ALGORITHMS)('%s keeps two leaders after a silent partition heals, and the checker says so', (algorithm) => {
    const run = runElectionSim({
      algorithm,
      n: 3,
      seed: 4,
      durationMs: 10_000,
      heartbeatMs: 300,
      leaderTimeoutMs: 1000,
      partitions: [{ groups: [[3], [1, 2]], fromMs: 1500, toMs: 4000 }],
      partitionMode: 'silent',
      wrap: withoutAnnouncements,
    });
    const { checks, report } = checkElectionSim(run);
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['election-agreement', 'election-uniqueness', 'election-recovery']);
    expect(report.finalLeaders.get(3)).toBe(3);
    expect(checks[1]!.examples[0]!.message).toMatch(/^machines followed leaders 2, 3 at once for 6\.0 s after the heal \(faults\.csv:3\)/);
  });
});

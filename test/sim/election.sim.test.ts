/**
 * Ring election and bully in the deterministic simulator: many seeds, 3–9 machines, random delays,
 * crashes of the leader and of others (several at once), restarts. After every fault and a settling
 * time the machines agree on one leader, the highest-ranked live one (checked by the election
 * checker, which the last test shows does catch a broken run).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { checkElectionSim, RANKS_TOP_2, runElectionSim, type ElectionAlgorithmName } from '../helpers/electionSim.js';

const ALGORITHMS: ElectionAlgorithmName[] = ['election', 'bully'];

/** The leader a fault-free run has elected by 9 s (the same seed replays the same start). */
function initialLeader(algorithm: ElectionAlgorithmName, n: number, seed: number): number {
  return checkElectionSim(runElectionSim({ algorithm, n, seed, durationMs: 9000 })).report.expectedLeader!;
}

describe.each(ALGORITHMS)('%s', (algorithm) => {
  it('elects the highest-ranked machine at start-up, everywhere, for 3–9 machines', () => {
    for (let seed = 1; seed <= 35; seed++) {
      const n = 3 + (seed % 7);
      const run = runElectionSim({ algorithm, n, seed, durationMs: 15_000 });
      const { checks, report } = checkElectionSim(run);
      expect(checks.filter((c) => !c.ok), `seed ${seed}`).toEqual([]);
      const top = [...report.ranks].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
      expect(report.expectedLeader).toBe(top);
      expect([...report.finalLeaders.values()].every((l) => l === top), `seed ${seed}`).toBe(true);
      // every START row logs the rank; ranks drawn from the seed are distinct
      expect(new Set(report.ranks.values()).size).toBe(n);
    }
  });

  it('recovers from crashes of the leader and others, several at once, and from restarts', () => {
    let leaderKills = 0;
    let restarts = 0;
    for (let seed = 1; seed <= 70; seed++) {
      const n = 3 + (seed % 7);
      const leader = initialLeader(algorithm, n, seed);
      const rng = new Rng(seed * 7919);
      const crashes = [{ id: leader, atMs: 10_000 }];
      const others = Array.from({ length: n }, (_, i) => i + 1).filter((i) => i !== leader);
      const extra = rng.int(0, Math.min(3, n - 1));
      for (let k = 0; k < extra; k++) {
        const id = others.splice(rng.int(0, others.length - 1), 1)[0]!;
        crashes.push({ id, atMs: rng.chance(0.5) ? 10_000 : rng.int(8_000, 30_000) });
      }
      const back = crashes.filter(() => rng.chance(0.5)).map((c) => ({ id: c.id, atMs: Math.max(c.atMs + 2000, rng.int(25_000, 40_000)) }));
      restarts += back.length;
      const run = runElectionSim({ algorithm, n, seed, durationMs: 60_000, crashes, restarts: back, delayMaxMs: 5 + (seed % 4) * 40 });
      const { checks, report } = checkElectionSim(run);
      const scenario = `seed ${seed} n=${n} crashes=${JSON.stringify(crashes)} restarts=${JSON.stringify(back)}`;
      expect(checks.filter((c) => !c.ok), scenario).toEqual([]);
      leaderKills += report.recoveries.length;
      // the first leader's loss is only noticed after the timeout (later ones may be cut short by restarts)
      const first = report.recoveries[0]!;
      expect(first.ms, scenario).toBeGreaterThanOrEqual(report.leaderTimeoutMs);
    }
    expect(leaderKills).toBeGreaterThanOrEqual(70);
    expect(restarts).toBeGreaterThan(20);
  });

  it('a restarted old leader takes over again (it outranks everyone)', () => {
    const ranks = RANKS_TOP_2;
    const run = runElectionSim({ algorithm, n: 5, seed: 3, durationMs: 40_000, ranks, crashes: [{ id: 2, atMs: 8000 }], restarts: [{ id: 2, atMs: 22_000 }] });
    const { checks, report } = checkElectionSim(run);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.recoveries[0]).toMatchObject({ machine: 2, newLeader: 4 });
    expect([...report.finalLeaders.values()]).toEqual([2, 2, 2, 2, 2]);
    // in between, machine 4 led; after the restart every machine logs LEADER leader=2 again
    for (const [id, rows] of run.rows) {
      const leaders = rows.filter((r) => r.event === 'LEADER').map((r) => r.detail.split(' ')[0]);
      expect(leaders.at(-1), `machine ${id}`).toBe('leader=2');
      if (id !== 2) expect(leaders, `machine ${id}`).toContain('leader=4');
    }
  });

  it('concurrent elections (every machine starts one at once) converge to one leader', () => {
    for (let seed = 1; seed <= 20; seed++) {
      // fixed, equal tick rates make every machine start its election on the same tick
      const run = runElectionSim({ algorithm, n: 7, seed, durationMs: 12_000, delayMaxMs: 80, tickRate: 1 + (seed % 6) });
      const { checks, report } = checkElectionSim(run);
      expect(checks.filter((c) => !c.ok), `seed ${seed}`).toEqual([]);
      expect(new Set(report.finalLeaders.values()).size).toBe(1);
      expect(report.elections).toBeGreaterThan(1);
    }
  });

  it('is deterministic: the same seed gives the same rows', () => {
    const a = runElectionSim({ algorithm, n: 5, seed: 11, durationMs: 20_000, crashes: [{ id: 3, atMs: 9000 }] });
    const b = runElectionSim({ algorithm, n: 5, seed: 11, durationMs: 20_000, crashes: [{ id: 3, atMs: 9000 }] });
    expect(JSON.stringify([...a.rows])).toBe(JSON.stringify([...b.rows]));
  });
});

describe('the election checker on simulated runs', () => {
  it('flags a machine that ends following the wrong leader, and a long window of two leaders', () => {
    const run = runElectionSim({ algorithm: 'election', n: 4, seed: 2, durationMs: 30_000 });
    const leader = checkElectionSim(run).report.expectedLeader!;
    const victim = leader === 1 ? 2 : 1;
    const log = run.logs[victim - 1]!;
    const rows = log.rows as unknown as { event: string; detail: string; line: number }[];
    const i = rows.findIndex((r) => r.event === 'LEADER');
    rows[i] = { ...rows[i]!, detail: `leader=${victim} rank=1` };
    const { checks } = checkElectionSim(run);
    const failed = checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).toEqual(['election-agreement', 'election-uniqueness']);
    expect(checks[0]!.examples[0]!.where).toBe(`log_${victim}.csv:${rows[i]!.line}`);
  });
});

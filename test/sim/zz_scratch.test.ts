import { it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { runElectionSim, checkElectionSim } from '../helpers/electionSim.js';
it('scratch', () => {
  let fails = 0;
  for (const algorithm of ['election', 'bully'] as const) {
    for (let seed = 1; seed <= 150; seed++) {
      const n = 3 + (seed % 7);
      const base = runElectionSim({ algorithm, n, seed, durationMs: 9000 });
      const leader = checkElectionSim(base).report.expectedLeader!;
      const rng = new Rng(seed * 7919);
      const crashes = [{ id: leader, atMs: 10_000 }];
      const others = Array.from({ length: n }, (_, i) => i + 1).filter((i) => i !== leader);
      const extra = rng.int(0, Math.min(2, n - 2));
      for (let k = 0; k < extra; k++) {
        const i = others.splice(rng.int(0, others.length - 1), 1)[0]!;
        crashes.push({ id: i, atMs: rng.chance(0.5) ? 10_000 : rng.int(8_000, 30_000) });
      }
      const restarts = crashes.filter(() => rng.chance(0.5)).map((c) => ({ id: c.id, atMs: Math.max(c.atMs + 2000, rng.int(25_000, 40_000)) }));
      const run = runElectionSim({ algorithm, n, seed, durationMs: 60_000, crashes, restarts });
      const { checks, report } = checkElectionSim(run);
      const bad = checks.filter((c) => !c.ok);
      if (bad.length) {
        fails++;
        if (fails < 6) console.log(algorithm, seed, n, JSON.stringify(crashes), JSON.stringify(restarts), JSON.stringify(bad.map(c => [c.name, c.examples.slice(0,3)])), [...report.finalLeaders], report.expectedLeader, JSON.stringify(report.recoveries));
      }
    }
  }
  console.log('fails', fails);
});

import { it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { checkElectionSim, runElectionSim, type ElectionAlgorithmName, type SimPartition } from '../helpers/electionSim.js';

function shuffle(rng: Rng, a: number[]): number[] { const s = [...a]; for (let i = s.length - 1; i > 0; i--) { const j = rng.int(0, i); [s[i], s[j]] = [s[j]!, s[i]!]; } return s; }
function split(rng: Rng, ids: number[], k: number): number[][] {
  const s = shuffle(rng, ids); const cuts = new Set<number>(); while (cuts.size < k - 1) cuts.add(rng.int(1, s.length - 1));
  const c = [...cuts].sort((a, b) => a - b); const g: number[][] = []; let at = 0; for (const x of [...c, s.length]) { g.push(s.slice(at, x)); at = x; } return g;
}
const N = Number(process.env.SEEDS ?? 200);
it('measure', () => {
  for (const algorithm of ['election', 'bully'] as ElectionAlgorithmName[]) {
    for (const mode of ['disconnect', 'silent'] as const) {
      let fails = 0; const names: Record<string, number> = {}; let maxHeal = 0; let maxRatio = 0; const bad: string[] = []; let heals = 0; let sumHeal = 0;
      for (let seed = 1; seed <= N; seed++) {
        const n = 3 + (seed % 7);
        const rng = new Rng(seed * 31 + 7);
        const ids = Array.from({ length: n }, (_, i) => i + 1);
        const fast = seed % 2 === 0;
        const hb = fast ? 300 : 1000, lt = fast ? 1000 : 5000;
        const parts: SimPartition[] = [];
        let t = rng.chance(0.2) ? rng.int(0, 3000) : rng.int(4000, 12000);
        const count = rng.chance(0.3) ? 2 : 1;
        for (let i = 0; i < count; i++) {
          const k = n >= 4 && rng.chance(0.3) ? 3 : 2;
          const groups = split(rng, ids, k);
          const len = rng.int(fast ? 300 : 1000, fast ? 8000 : 25000);
          const overlap = i > 0 && rng.chance(0.5);
          const from = overlap ? parts[i - 1]!.fromMs + rng.int(0, len) : t;
          parts.push({ groups: groups.slice(0, -1), fromMs: from, toMs: from + len });
          t = Math.max(t, from + len) + rng.int(500, 3 * lt);
        }
        const lastHeal = Math.max(...parts.map((p) => p.toMs));
        const crashes = mode === 'disconnect' && rng.chance(0.3) ? [{ id: rng.int(1, n), atMs: rng.int(3000, lastHeal) }] : [];
        const run = runElectionSim({ algorithm, n, seed, durationMs: lastHeal + 3 * lt + 10 * hb + 2000, heartbeatMs: hb, leaderTimeoutMs: lt, partitions: parts, partitionMode: mode, crashes, delayMaxMs: 5 + (seed % 4) * 30 });
        const { checks, report } = checkElectionSim(run);
        const f = checks.filter((c) => !c.ok);
        for (const h of report.healRecoveries) if (h.ms !== null) { if (h.ms > lt + 3 * hb && bad.length < 6) bad.push(`slow seed ${seed} n=${n} ms=${h.ms} bound=${h.boundFrom - h.healAt} parts=${JSON.stringify(parts)} hb=${hb}`); heals++; sumHeal += h.ms; maxHeal = Math.max(maxHeal, h.ms); maxRatio = Math.max(maxRatio, h.ms / (lt + 3 * hb)); }
        if (f.length) { fails++; for (const c of f) names[c.name] = (names[c.name] ?? 0) + 1; if (bad.length < 4) bad.push(`seed ${seed} n=${n} parts=${JSON.stringify(parts)} crashes=${JSON.stringify(crashes)} hb=${hb}: ${f.map((c) => c.examples[0]?.message).join(' | ')}`); }
      }
      console.log(algorithm, mode, 'fails', fails, JSON.stringify(names), 'heals', heals, 'mean', (sumHeal / heals).toFixed(0), 'maxHeal', maxHeal, 'ratio', maxRatio.toFixed(2), '\n  ' + bad.join('\n  '));
    }
  }
});

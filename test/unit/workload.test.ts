import { describe, expect, it } from 'vitest';
import { createWorkload, workloadTargets } from '../../src/algorithms/workload.js';
import { Rng } from '../../src/core/rng.js';
import type { TickContext } from '../../src/core/algorithm.js';

function ctx(rng: Rng, peers: number[]): TickContext {
  return { self: 1, members: [1, ...peers], peers, now: 0, rng, lamport: 0, connected: new Set(peers), tick: 1 };
}

describe('workload event choice', () => {
  it('maps draws 1, 2, 3 to next, the one after, and all peers', () => {
    expect(workloadTargets(1, [2, 3])).toEqual([2]);
    expect(workloadTargets(2, [2, 3])).toEqual([3]);
    expect(workloadTargets(3, [2, 3])).toEqual([2, 3]);
    expect(workloadTargets(4, [2, 3])).toBeNull();
    expect(workloadTargets(10, [2, 3])).toBeNull();
  });
  it('with two machines every send goes to the only peer', () => {
    expect(workloadTargets(2, [2])).toEqual([2]);
  });
  it('is a function of the seeded RNG: same seed, same effects', () => {
    const alg = createWorkload({ internalMax: 10 });
    const run = (seed: number) => {
      const rng = new Rng(seed);
      const state = alg.init(ctx(rng, [2, 3]));
      return Array.from({ length: 200 }, () => JSON.stringify(alg.onTick(state, ctx(rng, [2, 3]))));
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
  it('sends with probability 3/internalMax and is one clock effect per tick', () => {
    const alg = createWorkload({ internalMax: 10 });
    const rng = new Rng(11);
    const state = alg.init(ctx(rng, [2, 3]));
    let sends = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const effects = alg.onTick(state, ctx(rng, [2, 3]));
      expect(effects).toHaveLength(1);
      if (effects[0]!.kind === 'send') sends++;
    }
    expect(sends / n).toBeGreaterThan(0.28);
    expect(sends / n).toBeLessThan(0.32);
  });
  it('rejects bodies that are not its own', () => {
    const alg = createWorkload({ internalMax: 10 });
    expect(alg.parseBody({ kind: 'tick' })).not.toBeNull();
    expect(alg.parseBody({ kind: 'other' })).toBeNull();
    expect(alg.parseBody(null)).toBeNull();
  });
});

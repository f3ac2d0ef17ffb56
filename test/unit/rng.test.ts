import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed } from '../../src/core/rng.js';

describe('seeded RNG', () => {
  it('replays the same sequence for the same seed', () => {
    const a = new Rng(17);
    const b = new Rng(17);
    const xs = Array.from({ length: 100 }, () => a.int(1, 10));
    const ys = Array.from({ length: 100 }, () => b.int(1, 10));
    expect(xs).toEqual(ys);
  });
  it('differs between seeds', () => {
    const a = Array.from({ length: 20 }, ((r) => () => r.nextU32())(new Rng(1)));
    const b = Array.from({ length: 20 }, ((r) => () => r.nextU32())(new Rng(2)));
    expect(a).not.toEqual(b);
  });
  it('draws integers in range, covering every value roughly uniformly', () => {
    const r = new Rng(5);
    const counts = new Array(11).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.int(1, 10)]++;
    expect(counts[0]).toBe(0);
    for (let v = 1; v <= 10; v++) expect(counts[v]).toBeGreaterThan(5400);
  });
  it('floats lie in [0, 1)', () => {
    const r = new Rng(9);
    for (let i = 0; i < 10000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });
  it('derives distinct, stable per-machine seeds', () => {
    expect(deriveSeed(42, 1)).toBe(deriveSeed(42, 1));
    const seeds = new Set([1, 2, 3, 4, 5].map((id) => deriveSeed(42, id)));
    expect(seeds.size).toBe(5);
  });
});

import { describe, expect, it } from 'vitest';
import { isoTimeFormatter } from '../../src/core/isoTime.js';
import { Rng } from '../../src/core/rng.js';

const YEAR0 = new Date('0000-01-01T00:00:00.000Z').getTime();
const YEAR9999_END = new Date('9999-12-31T23:59:59.999Z').getTime();

describe('isoTimeFormatter', () => {
  it('matches toISOString over the whole range 0000–9999, negative ms included', () => {
    const f = isoTimeFormatter();
    const rng = new Rng(23);
    for (let i = 0; i < 20_000; i++) {
      const ms = YEAR0 + Math.floor(rng.float() * (YEAR9999_END - YEAR0 + 1));
      expect(f(ms)).toBe(new Date(ms).toISOString());
    }
    for (const ms of [YEAR0, YEAR9999_END, -1, 0, 1, -86_400_000, 86_399_999, 86_400_000]) {
      expect(f(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('stays right across repeated day changes (the cached prefix is refreshed each time)', () => {
    const f = isoTimeFormatter();
    const day = Date.UTC(2026, 11, 31);
    const around = [day - 1, day, day + 86_399_999, day + 86_400_000, day - 86_400_000, day - 1, day + 5];
    for (let k = 0; k < 3; k++) for (const ms of around) expect(f(ms)).toBe(new Date(ms).toISOString());
  });

  it('returns flat 24-character strings', () => {
    const f = isoTimeFormatter();
    const s = f(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    expect(s).toBe('2026-01-02T03:04:05.006Z');
    expect(s).toHaveLength(24);
  });
});

/**
 * The checker's visited set agrees with a Map on every operation, across growth, for fingerprints
 * anywhere in [0, 2^53) (0 included, and keys equal modulo 2^32 that share a first slot).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FingerprintSet } from '../../src/check/fingerprintSet.js';

const fp = fc.oneof(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }).map((x) => x * 2 ** 32 + 7));

describe('FingerprintSet', () => {
  it('behaves as a Map from fingerprint to depth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fp, fc.integer({ min: 0, max: 70000 }), fc.boolean()), { maxLength: 400 }), (ops) => {
        const set = new FingerprintSet(4);
        const ref = new Map<number, number>();
        for (const [k, d, write] of ops) {
          if (write) {
            set.set(k, d);
            ref.set(k, Math.min(d, 0xffff));
          }
          expect(set.get(k)).toBe(ref.get(k) ?? -1);
          expect(set.has(k)).toBe(ref.has(k));
          expect(set.size).toBe(ref.size);
        }
        for (const [k, d] of ref) expect(set.get(k)).toBe(d);
      }),
    );
  });

  it('keeps every key through many growths', () => {
    const set = new FingerprintSet(16);
    for (let i = 0; i < 100_000; i++) set.set(i * 2654435761 % 2 ** 53, i % 50);
    expect(set.size).toBe(100_000);
    for (let i = 0; i < 100_000; i++) expect(set.get(i * 2654435761 % 2 ** 53)).toBe(i % 50);
    expect(set.get(2 ** 53 - 1)).toBe(-1);
  });
});

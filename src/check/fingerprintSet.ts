/**
 * The checker's visited set: 53-bit state fingerprints with the depth at which each was first
 * reached, in open addressing over typed arrays (linear probing, grown at half load). A JavaScript
 * Map keyed by such numbers boxes every key as a heap number (~70 bytes an entry, and garbage for
 * the collector to trace); here an entry costs 10 bytes of slot at a load between 1/4 and 1/2.
 * Pure.
 */

/** Depths are stored saturated at this value (the checker's --depth never comes close). */
const MAX_DEPTH = 0xffff;

/**
 * A set of non-negative integer fingerprints below 2^53 with a depth each.
 * Invariants: `size` is the number of distinct fingerprints added; `get` returns the last depth
 * `set` stored for a fingerprint (saturated at 65535), or -1 for one never added.
 */
export class FingerprintSet {
  /** Fingerprint + 1 per slot (0 marks an empty slot, so fingerprint 0 is a valid key). */
  private keys: Float64Array;
  private depths: Uint16Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.keys = new Float64Array(cap);
    this.depths = new Uint16Array(cap);
    this.mask = cap - 1;
  }

  /** The slot holding fp, or the empty slot where it would go. */
  private slot(k: number): number {
    const keys = this.keys;
    const mask = this.mask;
    // ToUint32 of an integer double is its value modulo 2^32: the fingerprint's low, well-mixed bits
    let i = (k >>> 0) & mask;
    for (;;) {
      const at = keys[i]!;
      if (at === 0 || at === k) return i;
      i = (i + 1) & mask;
    }
  }

  /** The depth stored for fp, or -1 when fp was never added. */
  get(fp: number): number {
    const k = fp + 1;
    const i = this.slot(k);
    return this.keys[i] === k ? this.depths[i]! : -1;
  }

  has(fp: number): boolean {
    return this.get(fp) >= 0;
  }

  /** Adds fp with depth d, or replaces its depth when it is there already. */
  set(fp: number, d: number): void {
    const k = fp + 1;
    const i = this.slot(k);
    if (this.keys[i] !== k) {
      this.keys[i] = k;
      this.size++;
    }
    this.depths[i] = d > MAX_DEPTH ? MAX_DEPTH : d;
    if (this.size * 2 > this.keys.length) this.grow();
  }

  /** Bytes held by the tables (for memory reports). */
  get bytes(): number {
    return this.keys.byteLength + this.depths.byteLength;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldDepths = this.depths;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap);
    this.depths = new Uint16Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j]!;
      if (k === 0) continue;
      const i = this.slot(k);
      this.keys[i] = k;
      this.depths[i] = oldDepths[j]!;
    }
  }
}

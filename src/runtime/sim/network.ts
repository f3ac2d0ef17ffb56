/**
 * The simulator's network model: which links are up (delay distributions: faults/delay.ts). A link a–b
 * is up iff both machines are alive and no active partition puts them in different groups, the
 * same fact for both directions (like one TCP connection pair). Machines are addressed here by
 * their index in the run's ring order (0..N-1), never by id, so all state is dense arrays.
 */
import type { MachineId } from '../../core/types.js';

/** One partition with its groups resolved to a group number per machine index. */
export interface ActivePartition {
  /** group[i] = group number of machine index i. */
  readonly group: Int32Array;
  active: boolean;
}

/**
 * Link state of the whole run. Invariant: up(a, b) === up(b, a); a machine has no link to itself.
 */
export class LinkTable {
  /** alive[i] = 1 when machine index i is running. */
  readonly alive: Uint8Array;
  readonly partitions: ActivePartition[] = [];
  private activeCount = 0;

  constructor(readonly n: number) {
    this.alive = new Uint8Array(n).fill(1);
  }

  /** Adds a (not yet active) partition; returns its index. */
  addPartition(group: Int32Array): number {
    this.partitions.push({ group, active: false });
    return this.partitions.length - 1;
  }

  setActive(p: number, active: boolean): void {
    const part = this.partitions[p]!;
    if (part.active === active) return;
    part.active = active;
    this.activeCount += active ? 1 : -1;
  }

  /** True when an active partition separates a and b. */
  separated(a: number, b: number): boolean {
    if (this.activeCount === 0) return false;
    for (const p of this.partitions) if (p.active && p.group[a] !== p.group[b]) return true;
    return false;
  }

  /** True when an active partition other than `except` separates a and b. */
  separatedExcept(a: number, b: number, except: number): boolean {
    const parts = this.partitions;
    for (let k = 0; k < parts.length; k++) if (k !== except && parts[k]!.active && parts[k]!.group[a] !== parts[k]!.group[b]) return true;
    return false;
  }

  /** The link a–b is up. */
  up(a: number, b: number): boolean {
    return a !== b && this.alive[a] === 1 && this.alive[b] === 1 && !this.separated(a, b);
  }
}

/**
 * One machine's view of its connected peers, computed from the LinkTable on demand (a Set per
 * machine would cost O(N²) memory for 10k machines). Iterates in ring order after self.
 */
export class ConnectedView implements ReadonlySet<MachineId> {
  constructor(
    private readonly links: LinkTable,
    private readonly self: number,
    private readonly ids: readonly MachineId[],
    private readonly indexOf: ReadonlyMap<MachineId, number>,
  ) {}

  has(id: MachineId): boolean {
    const i = this.indexOf.get(id);
    return i !== undefined && this.links.up(this.self, i);
  }

  get size(): number {
    let k = 0;
    for (let i = 0; i < this.ids.length; i++) if (this.links.up(this.self, i)) k++;
    return k;
  }

  *values(): SetIterator<MachineId> {
    const n = this.ids.length;
    for (let k = 1; k < n; k++) {
      const i = (this.self + k) % n;
      if (this.links.up(this.self, i)) yield this.ids[i]!;
    }
  }

  keys(): SetIterator<MachineId> {
    return this.values();
  }

  *entries(): SetIterator<[MachineId, MachineId]> {
    for (const v of this.values()) yield [v, v];
  }

  [Symbol.iterator](): SetIterator<MachineId> {
    return this.values();
  }

  forEach(fn: (value: MachineId, key: MachineId, set: ReadonlySet<MachineId>) => void, thisArg?: unknown): void {
    for (const v of this.values()) fn.call(thisArg, v, v, this);
  }
}

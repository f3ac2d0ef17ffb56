/**
 * One machine's logical clocks (Lamport scalar + vector), advanced together by the rules the whole
 * project relies on: every clock event adds exactly 1 to the Lamport clock (receive: max+1) and
 * exactly 1 to the machine's own vector entry; a receive first merges the sender's vector.
 */
import { lamportLocal, lamportReceive } from './lamport.js';
import { type VectorLayout, formatVector, mergeInto, zeroVector } from './vector.js';
import type { MachineId } from './types.js';

/** Mutable clock pair of one machine. Invariant: both clocks only ever grow. */
export class MachineClock {
  lamport = 0;
  readonly vector: number[];
  private readonly selfIndex: number;

  constructor(
    readonly layout: VectorLayout,
    readonly self: MachineId,
  ) {
    const idx = layout.index.get(self);
    if (idx === undefined) throw new RangeError(`machine ${self} is not in the vector layout`);
    this.selfIndex = idx;
    this.vector = zeroVector(layout);
  }

  /** A local, send or algorithm event: Lamport +1, own vector entry +1. */
  local(): void {
    this.lamport = lamportLocal(this.lamport);
    this.vector[this.selfIndex]! += 1;
  }

  /** A receive: Lamport = max(local, sent) + 1; vector = merge, then own entry +1. */
  receive(sentLamport: number, sentVector: readonly number[]): void {
    this.lamport = lamportReceive(this.lamport, sentLamport);
    mergeInto(this.vector, sentVector);
    this.vector[this.selfIndex]! += 1;
  }

  /** Restores clocks (e.g. from the last row of an appended log). Never moves backwards. */
  restore(lamport: number, vector: ReadonlyMap<MachineId, number>): void {
    if (lamport > this.lamport) this.lamport = lamport;
    for (const [id, count] of vector) {
      const i = this.layout.index.get(id);
      if (i !== undefined && count > this.vector[i]!) this.vector[i] = count;
    }
  }

  /** A copy of the vector, safe to put into a message. */
  snapshotVector(): number[] {
    return this.vector.slice();
  }

  /** The vector in log format (`1:4;2:0;3:7`). */
  formatVector(): string {
    return formatVector(this.layout, this.vector);
  }
}

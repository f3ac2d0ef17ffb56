/**
 * A priority queue of timed events for virtual time: a binary min-heap ordered by (time, insertion
 * order), so events at the same instant run in the order they were scheduled (determinism).
 * Stored as parallel arrays (times and sequence numbers in Float64Arrays, items in a plain array)
 * so push and pop allocate nothing: the simulator pushes and pops millions of events a second.
 */

/** Min-heap on (time, seq). Invariant: pop() returns events in non-decreasing time, FIFO on ties. */
export class EventQueue<T> {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private items: (T | undefined)[] = [];
  private n = 0;
  private seq = 0;
  /** Time of the event returned by the last pop(). */
  lastTime = 0;

  get size(): number {
    return this.n;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    this.times = t;
    const s = new Float64Array(cap);
    s.set(this.seqs);
    this.seqs = s;
  }

  push(time: number, item: T): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const seq = this.seq++;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && seqs[parent]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      items[i] = items[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  /** Time of the next event, or Infinity. */
  peekTime(): number {
    return this.n > 0 ? this.times[0]! : Infinity;
  }

  /** Removes and returns the next event's item (its time is then in {@link lastTime}). */
  popItem(): T | undefined {
    if (this.n === 0) return undefined;
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const top = items[0];
    this.lastTime = times[0]!;
    const n = --this.n;
    if (n > 0) {
      const lt = times[n]!;
      const ls = seqs[n]!;
      const li = items[n];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && (times[r]! < times[l]! || (times[r] === times[l] && seqs[r]! < seqs[l]!))) c = r;
        const ct = times[c]!;
        if (lt < ct || (lt === ct && ls < seqs[c]!)) break;
        times[i] = ct;
        seqs[i] = seqs[c]!;
        items[i] = items[c];
        i = c;
      }
      times[i] = lt;
      seqs[i] = ls;
      items[i] = li;
    }
    items[n] = undefined;
    return top;
  }

  /** Removes and returns the next event with its time. */
  pop(): { time: number; item: T } | undefined {
    if (this.n === 0) return undefined;
    const item = this.popItem() as T;
    return { time: this.lastTime, item };
  }
}

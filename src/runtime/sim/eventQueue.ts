/**
 * A priority queue of timed events for virtual time: a binary min-heap ordered by (time, insertion
 * order), so events at the same instant run in the order they were scheduled (determinism).
 */

interface Entry<T> {
  time: number;
  seq: number;
  item: T;
}

/** Min-heap on (time, seq). Invariant: pop() returns events in non-decreasing time, FIFO on ties. */
export class EventQueue<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, item: T): void {
    const heap = this.heap;
    const entry = { time, seq: this.seq++, item };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.time < time || (p.time === time && p.seq < entry.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Time of the next event, or Infinity. */
  peekTime(): number {
    return this.heap.length ? this.heap[0]!.time : Infinity;
  }

  pop(): { time: number; item: T } | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n) {
          const a = heap[l]!;
          const b = heap[r]!;
          if (b.time < a.time || (b.time === a.time && b.seq < a.seq)) c = r;
        }
        const child = heap[c]!;
        if (last.time < child.time || (last.time === child.time && last.seq < child.seq)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    return { time: top.time, item: top.item };
  }
}

import { describe, expect, it } from 'vitest';
import { createWorkload } from '../../src/algorithms/workload.js';
import type { LogRow } from '../../src/core/logRow.js';
import { isClockEvent } from '../../src/algorithms/registry.js';
import { parseVector } from '../../src/core/vector.js';
import { runSimulation, uniformDelay } from '../../src/runtime/sim/simulation.js';

function simulate(seed: number, n: number, durationMs = 20_000) {
  const rows = new Map<number, LogRow[]>();
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const result = runSimulation({
    ids,
    seed,
    algorithm: () => createWorkload({ internalMax: 10 }),
    delay: uniformDelay(0.5, 40),
    durationMs,
    sink: (id) => {
      const list: LogRow[] = [];
      rows.set(id, list);
      return { write: (r) => list.push(r) };
    },
  });
  return { rows, result };
}

/** Checks the clock invariants directly on rows (independent of the analysis module). */
function checkInvariants(rows: Map<number, LogRow[]>): string[] {
  const problems: string[] = [];
  const sends = new Map<string, LogRow>();
  for (const list of rows.values()) for (const r of list) if (r.event === 'SEND') sends.set(r.msg_id, r);
  for (const [id, list] of rows) {
    let prev: LogRow | null = null;
    for (const r of list) {
      if (prev) {
        const pv = parseVector(prev.vector)!;
        const v = parseVector(r.vector)!;
        if (!isClockEvent(r.event)) {
          if (r.lamport !== prev.lamport || r.vector !== prev.vector) problems.push(`${id}: non-clock row changed clocks`);
        } else if (r.event === 'RECEIVE') {
          const s = sends.get(r.msg_id);
          if (!s) problems.push(`${id}: RECEIVE ${r.msg_id} without SEND`);
          else {
            if (!s.peer.split(';').includes(String(id))) problems.push(`${id}: ${r.msg_id} not addressed here`);
            if (r.lamport !== Math.max(prev.lamport, s.lamport) + 1) problems.push(`${id}: receive rule broken at ${r.msg_id}`);
            const sv = parseVector(s.vector)!;
            for (const [k, c] of v) {
              const expected = Math.max(pv.get(k)!, sv.get(k)!) + (k === id ? 1 : 0);
              if (c !== expected) problems.push(`${id}: vector merge broken at ${r.msg_id}`);
            }
          }
        } else {
          if (r.lamport !== prev.lamport + 1) problems.push(`${id}: local rule broken`);
          for (const [k, c] of v) if (c !== pv.get(k)! + (k === id ? 1 : 0)) problems.push(`${id}: vector local rule broken`);
        }
      }
      prev = r;
    }
  }
  return problems;
}

describe('workload over the in-memory network', () => {
  it('keeps every clock invariant for many seeds and sizes', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const n = 2 + (seed % 6);
      const { rows, result } = simulate(seed, n, 10_000);
      expect(result.events).toBeGreaterThan(0);
      const problems = checkInvariants(rows);
      expect(problems, `seed ${seed}`).toEqual([]);
      const receives = [...rows.values()].flat().filter((r) => r.event === 'RECEIVE').length;
      expect(receives, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('is deterministic: the same seed gives the same rows', () => {
    const a = simulate(7, 4).rows;
    const b = simulate(7, 4).rows;
    expect(JSON.stringify([...a])).toBe(JSON.stringify([...b]));
    const c = simulate(8, 4).rows;
    expect(JSON.stringify([...a])).not.toBe(JSON.stringify([...c]));
  });

  it('takes at most one message per tick, so a slow machine queues', () => {
    const { rows, result } = simulate(3, 3, 60_000);
    for (const m of result.machines) {
      const list = rows.get(m.id)!;
      const ticks = list.filter((r) => ['RECEIVE', 'INTERNAL', 'SEND'].includes(r.event)).length;
      // every tick is exactly one RECEIVE, SEND or INTERNAL row: rows per second match the rate
      expect(ticks).toBe(m.tickRate * 60);
    }
  });

  it('the checker in this test catches a broken receive rule', () => {
    const { rows } = simulate(5, 3, 5_000);
    const list = rows.get(1)!;
    const recv = list.findIndex((r) => r.event === 'RECEIVE');
    expect(recv).toBeGreaterThan(0);
    list[recv] = { ...list[recv]!, lamport: list[recv]!.lamport + 3 };
    expect(checkInvariants(rows).length).toBeGreaterThan(0);
  });
});

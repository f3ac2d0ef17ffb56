import { describe, it, expect } from 'vitest';
import { indexRun } from '../../src/analysis/run.js';
import { exportEvents, hostName, jsonLines, SHIVIZ_REGEX, shivizLines } from '../../src/analysis/shiviz.js';
import type { LogRow } from '../../src/core/logRow.js';
import { makeRun, r, runLogsOf } from '../helpers/makeLogs.js';

interface Parsed {
  host: string;
  desc: string;
  clock: Record<string, number>;
}

/** Parses a ShiViz file with its own first-line regex, as ShiViz does. */
function parseShiviz(text: string): Parsed[] {
  const lines = text.split('\n');
  expect(lines[0]).toBe(SHIVIZ_REGEX);
  expect(lines[1]).toBe('');
  const re = new RegExp(lines[0]!, 'gm');
  const body = lines.slice(2).join('\n');
  const out: Parsed[] = [];
  for (const m of body.matchAll(re)) {
    out.push({ host: m.groups!.host!, desc: m.groups!.event!, clock: JSON.parse(m.groups!.clock!) });
  }
  return out;
}

/** Asserts ShiViz's rules and that the order is consistent with happened-before. */
function assertShivizRules(events: Parsed[]): void {
  const count = new Map<string, number>();
  for (const e of events) count.set(e.host, (count.get(e.host) ?? 0) + 1);
  const seen = new Map<string, number>(); // host → own counter of the last event seen so far
  for (const e of events) {
    const own = e.clock[e.host];
    // every host appears in its own clock; counters start at 1 and rise by exactly 1
    expect(own).toBe((seen.get(e.host) ?? 0) + 1);
    seen.set(e.host, own!);
    for (const [h, v] of Object.entries(e.clock)) {
      // other entries name hosts with events, within 1..(their event count)
      expect(count.has(h)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(count.get(h)!);
      // happened-before: the event of h it depends on was already written
      if (h !== e.host) expect(seen.get(h) ?? 0).toBeGreaterThanOrEqual(v);
    }
  }
}

describe('ShiViz export', () => {
  it('obeys ShiViz rules on a generated run with a kill and drops', () => {
    const run = indexRun(runLogsOf(makeRun({ machines: 4, steps: 1500, seed: 5, kills: { 2: 900 }, dropToDead: true })));
    const text = [...shivizLines(run)].join('\n');
    const events = parseShiviz(text);
    const clockRows = run.machines.reduce((a, l) => a + l.rows.filter((x) => x.clock).length, 0);
    expect(events).toHaveLength(clockRows);
    assertShivizRules(events);
    // for a valid run, the renumbered clock is the logged vector without zero entries
    const first = [...exportEvents(run)].find((e) => e.event === 'RECEIVE')!;
    const expected: Record<string, number> = {};
    for (const part of first.vector.split(';')) {
      const [id, c] = part.split(':').map(Number);
      if (c! > 0) expected[hostName(id!)] = c!;
    }
    expect(first.clock).toEqual(expected);
  });

  it('exports only clock events and describes them on one line', () => {
    const L = [1, 2];
    const run = new Map<number, LogRow[]>([
      [1, [r(L, 1, 0, 'START', 0, [0, 0]), r(L, 1, 1, 'SEND', 1, [1, 0], { peer: 2, msg: '1-1', detail: 'kind=a\nb' }), r(L, 1, 2, 'STOP', 1, [1, 0])]],
      [2, [r(L, 2, 0, 'START', 0, [0, 0]), r(L, 2, 3, 'RECEIVE', 2, [1, 1], { peer: 1, msg: '1-1' })]],
    ]);
    const lines = [...shivizLines(indexRun(runLogsOf(run)))];
    expect(lines).toHaveLength(2 + 4);
    expect(lines[2]).toBe('SEND 1-1 peer=2 lamport=1 time=1970-01-01T00:00:00.001Z kind=a b');
    expect(lines[3]).toBe('m1 {"m1":1}');
    expect(lines[5]).toBe('m2 {"m1":1,"m2":1}');
  });

  it('renumbers counters that do not start at 1 (continued logs) consistently', () => {
    // machine 1's own entries are 5,6 (an earlier part of the log was archived)
    const L = [1, 2];
    const run = new Map<number, LogRow[]>([
      [1, [r(L, 1, 0, 'START', 4, [4, 0]), r(L, 1, 1, 'INTERNAL', 5, [5, 0]), r(L, 1, 2, 'SEND', 6, [6, 0], { peer: 2, msg: '1-7' })]],
      [2, [r(L, 2, 0, 'START', 0, [0, 0]), r(L, 2, 3, 'RECEIVE', 7, [6, 1], { peer: 1, msg: '1-7' }), r(L, 2, 4, 'INTERNAL', 8, [6, 2])]],
    ]);
    const events = parseShiviz([...shivizLines(indexRun(runLogsOf(run)))].join('\n'));
    assertShivizRules(events);
    expect(events.map((e) => e.clock)).toEqual([{ m1: 1 }, { m1: 2 }, { m1: 2, m2: 1 }, { m1: 2, m2: 2 }]);
  });

  it('orders events by Lamport clock then machine id', () => {
    const run = indexRun(runLogsOf(makeRun({ machines: 3, steps: 300, seed: 2 })));
    const ev = [...exportEvents(run)];
    for (let k = 1; k < ev.length; k++) {
      const a = ev[k - 1]!;
      const b = ev[k]!;
      expect(a.lamport < b.lamport || (a.lamport === b.lamport && a.machine <= b.machine)).toBe(true);
    }
  });

  it('JSON Lines: one object per clock event with the renumbered clock', () => {
    const run = indexRun(runLogsOf(makeRun({ machines: 3, steps: 200, seed: 8 })));
    const lines = [...jsonLines(run)];
    const objs = lines.map((l) => JSON.parse(l));
    expect(objs.length).toBe([...exportEvents(run)].length);
    expect(objs[0]).toHaveProperty('clock');
    expect(objs[0]).toHaveProperty('msgId');
    expect(objs.every((o) => o.clock[o.host] >= 1)).toBe(true);
  });
});

import { describe, it, expect } from 'vitest';
import { analyzeRun } from '../../src/analysis/analyze.js';
import type { RunChecker } from '../../src/analysis/checker.js';
import { CHECKERS, registerChecker } from '../../src/analysis/checkers.js';
import { Violations } from '../../src/analysis/violations.js';
import { accountMessages } from '../../src/analysis/messages.js';
import { indexRun } from '../../src/analysis/run.js';
import { computeDrift, summarize } from '../../src/analysis/stats.js';
import { formatAnalysisText } from '../../src/analysis/format.js';
import { trialFigures } from '../../src/analysis/experiment.js';
import type { AnalysisResult, CheckResult } from '../../src/analysis/types.js';
import type { LogRow } from '../../src/core/logRow.js';
import { makeRun, r, runLogsOf } from '../helpers/makeLogs.js';

const L = [1, 2];
const START = 'seed=5 tick_rate=3 algorithm=workload';

/** A valid two-machine run: 1 sends 1-1 to 2; 2 receives it with a jump of 2. */
function base(): Map<number, LogRow[]> {
  return new Map([
    [
      1,
      [
        r(L, 1, 0, 'START', 0, [0, 0], { detail: START }), // line 2
        r(L, 1, 10, 'INTERNAL', 1, [1, 0]), // 3
        r(L, 1, 20, 'SEND', 2, [2, 0], { peer: 2, msg: '1-1' }), // 4
        r(L, 1, 40, 'STOP', 2, [2, 0]), // 5
      ],
    ],
    [
      2,
      [
        r(L, 2, 0, 'START', 0, [0, 0], { detail: 'seed=6 tick_rate=4 algorithm=workload' }), // 2
        r(L, 2, 5, 'INTERNAL', 1, [0, 1], { q: 1 }), // 3
        r(L, 2, 30, 'RECEIVE', 3, [2, 2], { peer: 1, msg: '1-1' }), // 4
        r(L, 2, 35, 'INTERNAL', 4, [2, 3], { q: 2 }), // 5
        r(L, 2, 50, 'STOP', 4, [2, 3], { q: 1 }), // 6
      ],
    ],
  ]);
}

function analyze(run: Map<number, LogRow[]>, extra: RunChecker[] = []): AnalysisResult {
  return analyzeRun(runLogsOf(run), extra);
}

function check(res: AnalysisResult, name: string): CheckResult {
  const c = res.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name}`);
  return c;
}

/** Replaces row k of machine m. */
function patch(run: Map<number, LogRow[]>, m: number, k: number, change: Partial<LogRow>): Map<number, LogRow[]> {
  const rows = run.get(m)!;
  rows[k] = { ...rows[k]!, ...change };
  return run;
}

describe('summarize', () => {
  it('computes count, max, mean and nearest-rank percentiles', () => {
    expect(summarize([])).toEqual({ count: 0, max: 0, mean: 0, p50: 0, p95: 0 });
    const s = summarize([5, 1, 3, 2, 4, 1, 1, 1, 1, 10]);
    expect(s.count).toBe(10);
    expect(s.max).toBe(10);
    expect(s.mean).toBeCloseTo(2.9);
    expect(s.p50).toBe(1); // 5th smallest of 1,1,1,1,1,2,3,4,5,10
    expect(s.p95).toBe(10); // ceil(9.5) = 10th
    expect(summarize([7]).p95).toBe(7);
  });
});

describe('statistics on a hand-made run', () => {
  const res = analyze(base());
  const [s1, s2] = res.stats;

  it('reads START details: tick rate, seed, algorithm, starts', () => {
    expect(res.algorithm).toBe('workload');
    expect(s1!.tickRate).toBe(3);
    expect(s1!.seed).toBe(5);
    expect(s2!.tickRate).toBe(4);
    expect(s1!.starts).toBe(1);
  });

  it('counts rows, run length, events by type and final clock', () => {
    expect(s1!.rows).toBe(4);
    expect(s1!.runLengthMs).toBe(40);
    expect(s2!.runLengthMs).toBe(50);
    expect(s1!.eventsByType).toEqual({ START: 1, INTERNAL: 1, SEND: 1, STOP: 1 });
    expect(s1!.clockEvents).toBe(2);
    expect(s1!.finalLamport).toBe(2);
    expect(s2!.finalLamport).toBe(4);
    expect(res.totalRows).toBe(9);
  });

  it('measures Lamport jumps on receives', () => {
    expect(s1!.jumps).toEqual({ count: 0, max: 0, mean: 0, p50: 0, p95: 0, over1: 0 });
    expect(s2!.jumps).toEqual({ count: 1, max: 2, mean: 2, p50: 2, p95: 2, over1: 1 });
  });

  it('measures queue length: max, mean, at end', () => {
    expect(s2!.queue).toEqual({ max: 2, mean: 0.8, final: 1 });
    expect(s1!.queue).toEqual({ max: 0, mean: 0, final: 0 });
  });

  it('counts messages per machine', () => {
    expect(s1!.messages).toEqual({ sent: 1, sentCopies: 1, received: 0, dropped: 0, lost: 0, queuedAtEnd: 0 });
    expect(s2!.messages).toEqual({ sent: 0, sentCopies: 0, received: 1, dropped: 0, lost: 0, queuedAtEnd: 0 });
    expect(res.messages).toMatchObject({ sends: 1, copies: 1, received: 1, dropped: 0, lost: 0 });
  });

  it('measures drift against the fastest alive machine', () => {
    // t=5: m2 1 vs m1 0; t=20: m1 2 vs m2 1; t=35/40: m2 4 vs m1 2; t=50: m1 is gone
    expect(s1!.drift).toEqual({ maxGap: 2, finalGap: 2, endEpochMs: 40 });
    expect(s2!.drift).toEqual({ maxGap: 1, finalGap: 0, endEpochMs: 40 });
    const d = computeDrift(indexRun(runLogsOf(base())));
    expect(d.maxGap).toEqual([2, 1]);
  });

  it('measures drift end at the earliest STOP, also for the machine that stops last', () => {
    // three machines ticking only: m1 fast (1 per 10 ms), m2 medium, m3 slow; m3 stops LAST
    const L3 = [1, 2, 3];
    const ticks = (id: number, every: number, upTo: number, stopAt: number): LogRow[] => {
      const rows: LogRow[] = [r(L3, id, 0, 'START', 0, [0, 0, 0], { detail: START })];
      let l = 0;
      for (let t = every; t <= upTo; t += every) {
        l++;
        rows.push(r(L3, id, t, 'INTERNAL', l, L3.map((x) => (x === id ? l : 0))));
      }
      rows.push(r(L3, id, stopAt, 'STOP', l, L3.map((x) => (x === id ? l : 0))));
      return rows;
    };
    const run = new Map([
      [1, ticks(1, 10, 100, 100)], // L 10 at t=100, STOP at 100 (the earliest STOP)
      [2, ticks(2, 20, 120, 120)], // L 5 at t=100
      [3, ticks(3, 40, 160, 160)], // L 2 at t=100 (80), STOP last at 160 with L 4
    ]);
    const d = computeDrift(indexRun(runLogsOf(run)));
    expect(d.endEpochMs).toBe(100);
    expect(d.finalGap).toEqual([0, 5, 8]);
    const stats = analyze(run).stats;
    expect(stats.map((s) => s.drift.finalGap)).toEqual([0, 5, 8]);
    expect(trialFigures(analyze(run)).finalDrift).toBe(8);
  });

  it('passes every invariant', () => {
    expect(res.checks.map((c) => [c.name, c.violations])).toEqual([
      ['clocks-monotonic', 0],
      ['lamport-rules', 0],
      ['vector-rules', 0],
      ['non-clock-unchanged', 0],
      ['message-pairing', 0],
      ['clock-condition', 0],
    ]);
    expect(res.ok).toBe(true);
  });
});

describe('invariant violations are caught at the right row', () => {
  it('clocks-monotonic: Lamport clock goes back', () => {
    const res = analyze(patch(base(), 2, 3, { lamport: 2 }));
    const c = check(res, 'clocks-monotonic');
    expect(c.violations).toBe(1);
    expect(c.examples[0]!.where).toBe('log_2.csv:5');
    expect(res.ok).toBe(false);
  });

  it('clocks-monotonic: a vector entry goes back', () => {
    const res = analyze(patch(base(), 2, 4, { vector: '1:1;2:3' }));
    expect(check(res, 'clocks-monotonic').examples[0]!.where).toBe('log_2.csv:6');
  });

  it('lamport-rules: a local event advancing by 2', () => {
    const run = base();
    patch(run, 1, 2, { lamport: 3 });
    patch(run, 1, 3, { lamport: 3 });
    patch(run, 2, 2, { lamport: 4 });
    patch(run, 2, 3, { lamport: 5 });
    patch(run, 2, 4, { lamport: 5 });
    const c = check(analyze(run), 'lamport-rules');
    expect(c.violations).toBe(1);
    expect(c.examples[0]!.where).toBe('log_1.csv:4');
  });

  it('lamport-rules: a receive not at max(prev, sent)+1', () => {
    const run = base();
    patch(run, 2, 2, { lamport: 2 }); // expected max(1, 2)+1 = 3
    patch(run, 2, 3, { lamport: 3 });
    patch(run, 2, 4, { lamport: 3 });
    const c = check(analyze(run), 'lamport-rules');
    expect(c.violations).toBe(1);
    expect(c.examples[0]!.where).toBe('log_2.csv:4');
    expect(c.examples[0]!.message).toContain('expected');
  });

  it('vector-rules: a receive that does not merge the sender vector', () => {
    const run = base();
    patch(run, 2, 2, { vector: '1:0;2:2' });
    patch(run, 2, 3, { vector: '1:0;2:3' });
    patch(run, 2, 4, { vector: '1:0;2:3' });
    const c = check(analyze(run), 'vector-rules');
    expect(c.violations).toBe(1);
    expect(c.examples[0]!.where).toBe('log_2.csv:4');
  });

  it('vector-rules: own entry advancing by 2', () => {
    const run = base();
    patch(run, 1, 1, { vector: '1:2;2:0' });
    patch(run, 1, 2, { vector: '1:3;2:0' });
    patch(run, 1, 3, { vector: '1:3;2:0' });
    const c = check(analyze(run), 'vector-rules');
    expect(c.examples[0]!.where).toBe('log_1.csv:3');
  });

  it('non-clock-unchanged: STOP changes the Lamport clock, DROP changes the vector', () => {
    const run = base();
    patch(run, 1, 3, { lamport: 3 });
    let c = check(analyze(run), 'non-clock-unchanged');
    expect(c.violations).toBe(1);
    expect(c.examples[0]!.where).toBe('log_1.csv:5');
    const run2 = base();
    run2.get(1)!.splice(3, 0, r(L, 1, 30, 'DROP', 2, [2, 1], { peer: 2, msg: '1-1' }));
    c = check(analyze(run2), 'non-clock-unchanged');
    expect(c.examples[0]!.where).toBe('log_1.csv:5');
  });

  it('non-clock-unchanged: a START after a restart may restore clocks, a READY may not move them', () => {
    const run = base();
    run.get(1)!.push(r(L, 1, 60, 'START', 2, [2, 0], { detail: START }), r(L, 1, 61, 'READY', 2, [2, 0]));
    expect(check(analyze(run), 'non-clock-unchanged').violations).toBe(0);
    run.get(1)!.push(r(L, 1, 62, 'READY', 3, [2, 0]));
    expect(check(analyze(run), 'non-clock-unchanged').examples[0]!.where).toBe('log_1.csv:8');
  });

  it('message-pairing: receive without a send', () => {
    const c = check(analyze(patch(base(), 2, 2, { msg_id: '1-9' })), 'message-pairing');
    expect(c.violations).toBe(1);
    expect(c.examples[0]).toEqual({ where: 'log_2.csv:4', message: 'RECEIVE 1-9 has no SEND' });
  });

  it('message-pairing: receive names the wrong sender', () => {
    const c = check(analyze(patch(base(), 2, 2, { peer: '2' })), 'message-pairing');
    expect(c.examples[0]!.where).toBe('log_2.csv:4');
    expect(c.examples[0]!.message).toContain('names sender 2');
  });

  it('message-pairing: receiver not among the destinations', () => {
    const L3 = [1, 2, 3];
    const run = new Map([
      [1, [r(L3, 1, 0, 'START', 0, [0, 0, 0]), r(L3, 1, 1, 'SEND', 1, [1, 0, 0], { peer: 3, msg: '1-1' })]],
      [2, [r(L3, 2, 0, 'START', 0, [0, 0, 0]), r(L3, 2, 2, 'RECEIVE', 2, [1, 1, 0], { peer: 1, msg: '1-1' })]],
      [3, [r(L3, 3, 0, 'START', 0, [0, 0, 0])]],
    ]);
    const res = analyze(run);
    const c = check(res, 'message-pairing');
    expect(c.examples[0]!.where).toBe('log_2.csv:3');
    expect(c.examples[0]!.message).toContain('went to 3');
    // the copy for 3 is lost (3 was killed: its log has no STOP)
    expect(res.messages.lostByReason).toEqual({ 'receiver-killed': 1 });
  });

  it('message-pairing: duplicate receive and duplicate send id', () => {
    const run = base();
    run.get(2)!.splice(3, 0, r(L, 2, 31, 'RECEIVE', 4, [2, 3], { peer: 1, msg: '1-1' }));
    let c = check(analyze(run), 'message-pairing');
    expect(c.examples.map((e) => e.where)).toEqual(['log_2.csv:5']);
    expect(c.examples[0]!.message).toContain('twice');
    const run2 = base();
    run2.get(1)!.splice(3, 0, r(L, 1, 21, 'SEND', 3, [3, 0], { peer: 2, msg: '1-1' }));
    run2.get(1)![4] = r(L, 1, 40, 'STOP', 3, [3, 0]);
    c = check(analyze(run2), 'message-pairing');
    expect(c.examples[0]!.where).toBe('log_1.csv:5');
    expect(c.examples[0]!.message).toContain('reuses');
  });

  it('message-pairing and clock-condition: L(send) >= L(receive)', () => {
    const run = base();
    patch(run, 2, 2, { lamport: 2 });
    patch(run, 2, 3, { lamport: 3 });
    patch(run, 2, 4, { lamport: 3 });
    const res = analyze(run);
    const p = check(res, 'message-pairing');
    expect(p.examples[0]!.where).toBe('log_2.csv:4');
    expect(p.examples[0]!.message).toContain('not above');
    const cc = check(res, 'clock-condition');
    expect(cc.violations).toBe(1);
    expect(cc.examples[0]!.where).toBe('log_2.csv:4');
    expect(cc.examples[0]!.message).toContain('log_1.csv:4');
  });

  it('clock-condition: program order where vectors grow but Lamport does not', () => {
    const run = base();
    patch(run, 1, 1, { lamport: 0 }); // INTERNAL: vector 1:1 > 1:0 but L stays 0
    const c = check(analyze(run), 'clock-condition');
    expect(c.examples[0]!.where).toBe('log_1.csv:3');
  });

  it('keeps at most 10 examples but counts every violation', () => {
    const run = base();
    const rows = run.get(1)!;
    for (let k = 0; k < 15; k++) rows.push(r(L, 1, 50 + k, 'STOP', 10 + k, [2, 0]));
    const c = check(analyze(run), 'non-clock-unchanged');
    expect(c.violations).toBe(15);
    expect(c.examples).toHaveLength(10);
  });
});

describe('lost-message accounting', () => {
  it('dropped (DROP row), receiver killed, sender killed, receiver stopped', () => {
    const L3 = [1, 2, 3];
    const run = new Map([
      [
        1,
        [
          r(L3, 1, 0, 'START', 0, [0, 0, 0]),
          r(L3, 1, 1, 'SEND', 1, [1, 0, 0], { peer: '2;3', msg: '1-1' }), // to 2 (killed before receiving) and 3 (dropped)
          r(L3, 1, 2, 'DROP', 1, [1, 0, 0], { peer: 3, msg: '1-1' }),
          r(L3, 1, 3, 'STOP', 1, [1, 0, 0]),
        ],
      ],
      [2, [r(L3, 2, 0, 'START', 0, [0, 0, 0]), r(L3, 2, 1, 'INTERNAL', 1, [0, 1, 0])]], // killed
      [
        3,
        [
          r(L3, 3, 0, 'START', 0, [0, 0, 0]),
          r(L3, 3, 1, 'SEND', 1, [0, 0, 1], { peer: 1, msg: '3-1' }), // 1 stops without receiving: receiver-stopped
          r(L3, 3, 5, 'STOP', 1, [0, 0, 1]),
        ],
      ],
    ]);
    const res = analyze(run);
    // 3→1 was still queued when 1 stopped: "queued at end" (as simulate says), not lost, not charged to 3
    expect(res.messages).toMatchObject({ sends: 2, copies: 3, received: 0, dropped: 1, lost: 1, queuedAtEnd: 1, undelivered: 3 });
    expect(res.messages.lostByReason).toEqual({ 'receiver-killed': 1 });
    expect(res.stats.map((s) => s.killed)).toEqual([false, true, false]);
    expect(res.stats[0]!.messages).toMatchObject({ sent: 1, sentCopies: 2, dropped: 1, lost: 1, queuedAtEnd: 1 });
    expect(res.stats[2]!.messages).toMatchObject({ sent: 1, lost: 0, queuedAtEnd: 0 });
    expect(res.messages.examples.find((e) => e.msgId === '3-1')).toMatchObject({ fate: 'queued-at-end', reason: 'receiver-stopped' });
    expect(res.ok).toBe(true); // lost and dropped are not violations

    // the sender is killed right after sending: in flight at its kill
    const run2 = new Map([
      [1, [r(L3, 1, 0, 'START', 0, [0, 0, 0]), r(L3, 1, 1, 'SEND', 1, [1, 0, 0], { peer: 2, msg: '1-1' })]],
      [2, [r(L3, 2, 0, 'START', 0, [0, 0, 0]), r(L3, 2, 9, 'STOP', 0, [0, 0, 0])]],
      [3, [r(L3, 3, 0, 'START', 0, [0, 0, 0]), r(L3, 3, 9, 'STOP', 0, [0, 0, 0])]],
    ]);
    const t = accountMessages(indexRun(runLogsOf(run2)));
    expect(t.lostByReason).toEqual({ 'sender-killed': 1 });
    expect(t.examples[0]).toMatchObject({ msgId: '1-1', from: 1, to: 2, sendAt: 'log_1.csv:3', fate: 'lost' });
  });

  it('a copy missing before a later delivered copy on the same (FIFO) link is lost in flight, not queued at end', () => {
    const run = new Map([
      [
        1,
        [
          r(L, 1, 0, 'START', 0, [0, 0]),
          r(L, 1, 1, 'SEND', 1, [1, 0], { peer: 2, msg: '1-1' }), // vanished (the simulator's --loss)
          r(L, 1, 2, 'SEND', 2, [2, 0], { peer: 2, msg: '1-2' }), // received
          r(L, 1, 3, 'SEND', 3, [3, 0], { peer: 2, msg: '1-3' }), // still queued when 2 stopped
          r(L, 1, 9, 'STOP', 3, [3, 0]),
        ],
      ],
      [2, [r(L, 2, 0, 'START', 0, [0, 0]), r(L, 2, 5, 'RECEIVE', 3, [2, 1], { peer: 1, msg: '1-2', q: 1 }), r(L, 2, 8, 'STOP', 3, [2, 1], { q: 1 })]],
    ]);
    const res = analyze(run);
    expect(res.messages).toMatchObject({ copies: 3, received: 1, dropped: 0, lost: 1, queuedAtEnd: 1, undelivered: 2 });
    expect(res.messages.lostByReason).toEqual({ 'in-flight': 1 });
    expect(res.stats[0]!.messages).toMatchObject({ lost: 1, queuedAtEnd: 0 });
    expect(res.stats[1]!.messages).toMatchObject({ lost: 0, queuedAtEnd: 1 });
    expect(formatAnalysisText(res)).toMatch(/1 lost \(in-flight 1\), 1 queued at end/);
  });

  it('a last copy on its link sent before the receiver took its last message, with nothing queued at STOP, is lost', () => {
    const L3 = [1, 2, 3];
    const run = new Map([
      [1, [r(L3, 1, 0, 'START', 0, [0, 0, 0]), r(L3, 1, 1, 'SEND', 1, [1, 0, 0], { peer: 2, msg: '1-1' }), r(L3, 1, 9, 'STOP', 1, [1, 0, 0])]],
      [2, [r(L3, 2, 0, 'START', 0, [0, 0, 0]), r(L3, 2, 4, 'RECEIVE', 2, [0, 1, 1], { peer: 3, msg: '3-1' }), r(L3, 2, 8, 'STOP', 2, [0, 1, 1])]],
      [3, [r(L3, 3, 0, 'START', 0, [0, 0, 0]), r(L3, 3, 2, 'SEND', 1, [0, 0, 1], { peer: 2, msg: '3-1' }), r(L3, 3, 9, 'STOP', 1, [0, 0, 1])]],
    ]);
    expect(analyze(run).messages).toMatchObject({ lost: 1, queuedAtEnd: 0, lostByReason: { 'in-flight': 1 } });
    // ... but with one message left in 2's queue at its STOP, it may be that one: queued at end
    run.get(2)![2] = r(L3, 2, 8, 'STOP', 2, [0, 1, 1], { q: 1 });
    expect(analyze(run).messages).toMatchObject({ lost: 0, queuedAtEnd: 1 });
  });

  it('tells drops by their reason: destination down, partitioned link, injected loss', () => {
    const L3 = [1, 2, 3];
    const run = new Map([
      [
        1,
        [
          r(L3, 1, 0, 'START', 0, [0, 0, 0]),
          r(L3, 1, 1, 'SEND', 1, [1, 0, 0], { peer: '2;3', msg: '1-1' }),
          r(L3, 1, 2, 'DROP', 1, [1, 0, 0], { peer: 2, msg: '1-1', detail: 'reason=partitioned' }),
          r(L3, 1, 3, 'DROP', 1, [1, 0, 0], { peer: 3, msg: '1-1', detail: 'reason=injected_loss' }),
          r(L3, 1, 4, 'SEND', 2, [2, 0, 0], { peer: 2, msg: '1-2' }),
          r(L3, 1, 5, 'DROP', 2, [2, 0, 0], { peer: 2, msg: '1-2', detail: 'reason=peer_down' }),
          r(L3, 1, 9, 'STOP', 2, [2, 0, 0]),
        ],
      ],
      [2, [r(L3, 2, 0, 'START', 0, [0, 0, 0]), r(L3, 2, 9, 'STOP', 0, [0, 0, 0])]],
      [3, [r(L3, 3, 0, 'START', 0, [0, 0, 0]), r(L3, 3, 9, 'STOP', 0, [0, 0, 0])]],
    ]);
    const t = accountMessages(indexRun(runLogsOf(run)));
    expect(t).toMatchObject({ dropped: 3, lost: 0 });
    expect(t.droppedByReason).toEqual({ partitioned: 1, injected_loss: 1, 'destination-down': 1 });
    expect(t.examples.map((e) => e.reason)).toEqual(['partitioned', 'injected_loss', 'destination-down']);
  });

  it('a restart without STOP marks the machine as killed', () => {
    const run = base();
    run.get(1)!.splice(3, 1, r(L, 1, 60, 'START', 2, [2, 0], { detail: START }), r(L, 1, 70, 'STOP', 2, [2, 0]));
    const res = analyze(run);
    expect(res.stats[0]!.starts).toBe(2);
    expect(res.stats[0]!.killed).toBe(true);
    expect(res.ok).toBe(true);
  });
});

describe('synthetic runs', () => {
  it('a generated run with kills and drops satisfies every invariant', () => {
    const res = analyze(makeRun({ machines: 5, steps: 3000, seed: 11, kills: { 3: 2000 }, dropToDead: true }));
    expect(res.checks.filter((c) => !c.ok)).toEqual([]);
    expect(res.messages.dropped).toBeGreaterThan(0);
    expect(res.messages.received).toBeGreaterThan(100);
    expect(res.stats[2]!.killed).toBe(true);
    expect(res.stats[0]!.killed).toBe(false);
  });
});

describe('checker registry', () => {
  it('runs registered checkers that apply, skips others, survives a crashing one', () => {
    const counting: RunChecker = {
      name: 'test-count',
      appliesTo: (run) => run.algorithm === 'workload',
      check: (run) => {
        const v = new Violations();
        v.add('log_1.csv:2', `rows ${run.totalRows}`);
        return [v.result('test-count', 'always fails once')];
      },
    };
    const never: RunChecker = { name: 'never', appliesTo: () => false, check: () => [] };
    const crash: RunChecker = { name: 'crash', appliesTo: () => true, check: () => { throw new Error('boom'); } };
    const res = analyze(base(), [counting, never, crash]);
    const names = res.checks.map((c) => c.name);
    expect(names).toContain('test-count');
    expect(names).not.toContain('never');
    expect(check(res, 'test-count').examples[0]).toEqual({ where: 'log_1.csv:2', message: 'rows 9' });
    expect(check(res, 'crash').ok).toBe(false);
    expect(res.ok).toBe(false);
  });

  it('registerChecker appends once', () => {
    const before = CHECKERS.length;
    const c: RunChecker = { name: 'test-registry-once', appliesTo: () => false, check: () => [] };
    registerChecker(c);
    registerChecker(c);
    expect(CHECKERS.length).toBe(before + 1);
    CHECKERS.splice(CHECKERS.indexOf(c), 1);
  });
});

/**
 * The mutex liveness stall rule: a run that ends more than the settling time
 * after the last entry or exit, with requests pending and no machine dying or restarting, fails
 * mutex-liveness, however long earlier requests waited. Synthetic logs and a simulated deadlock.
 */
import { describe, expect, it } from 'vitest';
import { createLamportMutex } from '../../src/algorithms/mutex.js';
import type { Effect } from '../../src/core/algorithm.js';
import type { LogRow } from '../../src/core/logRow.js';
import { checkMutexLiveness, extractMutexRun, mutexSettleMs, mutexStall } from '../../src/analysis/mutexChecks.js';
import { indexRun } from '../../src/analysis/run.js';
import { r, runLogsOf } from '../helpers/makeLogs.js';
import { runMutexSim } from '../helpers/mutexSim.js';

const L = [1, 2, 3];
const START = 'seed=1 tick_rate=2 algorithm=mutex cs_probability=0.2 cs_ticks=2 failure_timeout_ms=3000';
const v = (id: number, n: number): number[] => L.map((x) => (x === id ? n : 0));

/**
 * Machine 1 waits 6 s for its first entry (so the old grace, 3 × the longest wait, was 18 s), then
 * from t = 9 s every machine requests and nobody enters until the STOPs at `stopAt`.
 */
function stalledRun(stopAt: number, extra: { kill3At?: number; restart3At?: number } = {}): Map<number, LogRow[]> {
  const m3: LogRow[] = [r(L, 3, 0, 'START', 0, v(3, 0), { detail: START }), r(L, 3, 9800, 'CS_REQUEST', 1, v(3, 1), { detail: 'ts=12' })];
  if (extra.kill3At !== undefined) {
    m3.push(r(L, 3, extra.kill3At, 'INTERNAL', 2, v(3, 2))); // then SIGKILL: no STOP
    if (extra.restart3At !== undefined) {
      m3.push(r(L, 3, extra.restart3At, 'START', 2, v(3, 2), { detail: START }), r(L, 3, extra.restart3At + 100, 'CS_REQUEST', 3, v(3, 3), { detail: 'ts=20' }));
      m3.push(r(L, 3, stopAt, 'STOP', 3, v(3, 3)));
    }
  } else m3.push(r(L, 3, stopAt, 'STOP', 1, v(3, 1)));
  return new Map([
    [
      1,
      [
        r(L, 1, 0, 'START', 0, v(1, 0), { detail: START }),
        r(L, 1, 1000, 'CS_REQUEST', 1, v(1, 1), { detail: 'ts=1' }),
        r(L, 1, 7000, 'CS_ENTER', 2, v(1, 2), { detail: 'ts=1' }),
        r(L, 1, 8000, 'CS_EXIT', 3, v(1, 3), { detail: 'ts=1' }),
        r(L, 1, 9000, 'CS_REQUEST', 4, v(1, 4), { detail: 'ts=10' }),
        r(L, 1, stopAt, 'STOP', 4, v(1, 4)),
      ],
    ],
    [2, [r(L, 2, 0, 'START', 0, v(2, 0), { detail: START }), r(L, 2, 9500, 'CS_REQUEST', 1, v(2, 1), { detail: 'ts=11' }), r(L, 2, stopAt, 'STOP', 1, v(2, 1))]],
    [3, m3],
  ]);
}

const liveness = (rows: Map<number, LogRow[]>) => checkMutexLiveness(indexRun(runLogsOf(rows)));

describe('mutex-liveness: the stall rule', () => {
  it('the settling time comes from the START rows: failure timeout + (cs_ticks + 2) slowest ticks + 1 s', () => {
    expect(mutexSettleMs(indexRun(runLogsOf(stalledRun(20_000))))).toBe(3000 + 2000 + 1000); // tick_rate 2
  });

  it('fails a run stalled for 11 s with every machine waiting, although the old grace (18 s) excused each wait', () => {
    const c = liveness(stalledRun(20_000));
    expect(c.ok).toBe(false);
    expect(c.violations).toBe(1);
    expect(c.examples[0]!.where).toBe('log_1.csv:6'); // the earliest pending request
    expect(c.examples[0]!.message).toMatch(/^stalled: no machine entered or left the critical section from 9\.0 s to the end at 20\.0 s \(11\.0 s, settling time 6\.0 s\) while 3 request\(s\) were pending/);
    // the old rule alone passes it: the verdict must not depend on the earlier waits
    expect(checkMutexLiveness(indexRun(runLogsOf(stalledRun(20_000))), undefined, { settleMs: 1e12 }).ok).toBe(true);
  });

  it('does not depend on earlier waits: the same stall fails with or without the long first wait', () => {
    const rows = stalledRun(20_000);
    rows.set(1, rows.get(1)!.map((row) => (row.event === 'CS_REQUEST' && row.detail === 'ts=1' ? { ...row, epoch_ms: 6900, time: new Date(6900).toISOString() } : row)));
    expect(liveness(rows).ok).toBe(false);
  });

  it('passes when the run ends within the settling time of the last progress', () => {
    expect(liveness(stalledRun(14_000)).ok).toBe(true); // 5 s after the last request, settle 6 s
  });

  it('counts from the last death or restart: a machine restarted 4 s before the end excuses the wait', () => {
    const run = indexRun(runLogsOf(stalledRun(20_000, { kill3At: 12_000, restart3At: 16_000 })));
    const mr = extractMutexRun(run);
    expect(mutexStall(run, mr, 6000)).toBeNull();
    expect(checkMutexLiveness(run, mr).examples.filter((e) => e.message.startsWith('stalled'))).toEqual([]);
    // ... while a machine that died at 12 s and stayed dead leaves 8 s for the others to drop it and go on
    const dead = indexRun(runLogsOf(stalledRun(20_000, { kill3At: 12_000 })));
    expect(mutexStall(dead, extractMutexRun(dead), 6000)).toMatchObject({ fromMs: 12_000, toMs: 20_000 });
  });
});

describe('mutex-liveness on a simulated deadlock', () => {
  it('a machine that stops answering after 8 s (but keeps running) makes the run fail as stalled', () => {
    const sim = runMutexSim({
      algorithm: 'mutex',
      n: 5,
      seed: 7,
      durationMs: 20_000,
      csProbability: 0.3,
      build: (o, id) => {
        const inner = createLamportMutex(o);
        if (id !== 1) return inner;
        const mute = <B>(effects: Effect<B>[], now: number): Effect<B>[] => (now > 8000 ? effects.filter((e) => e.kind !== 'send') : effects);
        return { ...inner, onTick: (s, ctx) => mute(inner.onTick(s, ctx), ctx.now), onMessage: (s, from, b, ctx) => mute(inner.onMessage(s, from, b, ctx), ctx.now) };
      },
    });
    const c = checkMutexLiveness(sim.run);
    expect(c.ok).toBe(false);
    expect(c.examples.some((e) => /^stalled: no machine entered or left/.test(e.message))).toBe(true);
    // the same seed without the mute machine passes
    expect(checkMutexLiveness(runMutexSim({ algorithm: 'mutex', n: 5, seed: 7, durationMs: 20_000, csProbability: 0.3 }).run).ok).toBe(true);
  });
});

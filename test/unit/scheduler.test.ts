/**
 * The real-time ticker (runtime/scheduler.ts) under fake timers: tick n is due at
 * t0 + offset + n·period, never earlier, catches up after a stall, and stops after maxTicks.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealTicker } from '../../src/runtime/scheduler.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function recordTicks(opts: { rate: number; offsetMs?: number; maxTicks?: number }) {
  const at: number[] = [];
  let done = false;
  const ticker = new RealTicker({
    ...opts,
    now: () => Date.now(),
    onTick: (n) => at.push(n === at.length + 1 ? Date.now() : -1), // -1 marks a skipped or repeated number
    onDone: () => (done = true),
  });
  return { ticker, at, isDone: () => done };
}

describe('RealTicker', () => {
  it('runs tick n at t0 + n·period, not before', () => {
    const { ticker, at } = recordTicks({ rate: 4 });
    ticker.start();
    vi.advanceTimersByTime(249);
    expect(at).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(at).toEqual([250]);
    vi.advanceTimersByTime(750);
    expect(at).toEqual([250, 500, 750, 1000]);
    ticker.stop();
    vi.advanceTimersByTime(1000);
    expect(at).toHaveLength(4);
  });

  it('shifts the whole schedule by the offset and keeps the count', () => {
    const { ticker, at, isDone } = recordTicks({ rate: 10, offsetMs: 40, maxTicks: 5 });
    ticker.start();
    vi.advanceTimersByTime(139);
    expect(at).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(at).toEqual([140, 240, 340, 440, 540]);
    expect(isDone()).toBe(true);
    expect(ticker.ticks).toBe(5);
  });

  it('catches up every due tick after a stall instead of skipping', () => {
    const { ticker, at } = recordTicks({ rate: 100 });
    ticker.start();
    vi.setSystemTime(1000); // the clock jumps as if the process had been stopped for a second
    vi.advanceTimersByTime(10);
    expect(at.length).toBe(101);
    expect(at.every((t) => t >= 0)).toBe(true);
  });

  it('rejects an offset outside [0, period)', () => {
    expect(() => new RealTicker({ rate: 10, offsetMs: 100, onTick: () => {} })).toThrow(RangeError);
    expect(() => new RealTicker({ rate: 10, offsetMs: -1, onTick: () => {} })).toThrow(RangeError);
  });

  it('resumes on its first schedule: ticks missed while stopped run at once, then on time again', () => {
    const { ticker, at } = recordTicks({ rate: 4, maxTicks: 8 });
    ticker.resume(); // never started: nothing
    vi.advanceTimersByTime(300);
    expect(at).toEqual([]);
    ticker.start(); // t0 = 300
    vi.advanceTimersByTime(500);
    expect(at).toEqual([550, 800]);
    ticker.stop();
    vi.advanceTimersByTime(600); // 1050 and 1300 fall due while stopped
    expect(at).toHaveLength(2);
    ticker.resume();
    vi.advanceTimersByTime(0);
    expect(at).toEqual([550, 800, 1400, 1400]);
    vi.advanceTimersByTime(1000);
    expect(at).toEqual([550, 800, 1400, 1400, 1550, 1800, 2050, 2300]);
    ticker.resume(); // done: nothing more
    vi.advanceTimersByTime(1000);
    expect(at).toHaveLength(8);
  });
});

/**
 * Rate limits of hostile-peer rows: the limiter's windows and summaries, and
 * the engine's bounded queue (DROP reason=queue_full dir=in), ERROR rate limit per source and the
 * flush of whatever is still counted before STOP. Virtual time, no sockets.
 */
import { describe, expect, it } from 'vitest';
import { RowLimiter, type RowSummary, formatReasons } from '../../src/runtime/rowLimiter.js';
import { MachineEngine, errorSource } from '../../src/runtime/engine.js';
import { createWorkload } from '../../src/algorithms/workload.js';
import { Rng } from '../../src/core/rng.js';
import { makeLayout } from '../../src/core/vector.js';
import { parseDetail, type LogRow } from '../../src/core/logRow.js';
import type { Envelope } from '../../src/core/types.js';

describe('RowLimiter', () => {
  it('admits `burst` rows per window and summarises the rest once the window ends', () => {
    const l = new RowLimiter({ burst: 3, windowMs: 1000 });
    const out: RowSummary[] = [];
    const push = (s: RowSummary) => out.push(s);
    const admitted = Array.from({ length: 10 }, (_, i) => l.admit('a', i % 2 ? 'x' : 'y', '', i, push));
    expect(admitted.filter(Boolean)).toHaveLength(3);
    l.flush(999, push);
    expect(out).toEqual([]);
    l.flush(1000, push);
    expect(out).toHaveLength(1);
    expect(out[0]!.count).toBe(7);
    expect(formatReasons(out[0]!.byReason)).toBe('x:4,y:3');
    // a new window: burst again
    expect(l.admit('a', 'x', '', 1500, push)).toBe(true);
    expect(l.active).toBe(true);
  });

  it('keeps sources apart and flushes everything on demand', () => {
    const l = new RowLimiter({ burst: 1, windowMs: 10_000 });
    const out: RowSummary[] = [];
    for (const src of ['a', 'b']) for (let i = 0; i < 3; i++) l.admit(src, 'r', '2', i, (s) => out.push(s));
    l.flush(5, (s) => out.push(s), true);
    expect(out.map((s) => [s.source, s.count])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(l.active).toBe(false);
  });
});

describe('errorSource', () => {
  it('is the peer named in the peer column, else the remote address without its port', () => {
    expect(errorSource(parseDetail('reason=bad_schema from=2 remote=127.0.0.1:4000'), '2')).toBe('peer:2');
    expect(errorSource(parseDetail('reason=unknown_peer from=99 remote=127.0.0.1:4000'), '')).toBe('127.0.0.1');
    expect(errorSource(parseDetail('reason=hello_timeout remote=[::1]:4000'), '')).toBe('[::1]');
    expect(errorSource(parseDetail('reason=server_error'), '')).toBe('local');
  });
});

function engine(maxQueue?: number) {
  const rows: LogRow[] = [];
  let now = 0;
  const e = new MachineEngine({
    self: 1,
    members: [1, 2],
    layout: makeLayout([1, 2]),
    algorithm: createWorkload({ internalMax: 10 }),
    rng: new Rng(1),
    sink: { write: (r) => rows.push(r) },
    outbox: { send: () => true },
    clock: { epochMs: () => 1_700_000_000_000 + now, sinceStartMs: () => now },
    ...(maxQueue !== undefined ? { maxQueue } : {}),
  });
  return { e, rows, advance: (ms: number) => (now += ms) };
}

const env = (i: number): Envelope<unknown> => ({ id: `2-${i}`, from: 2, lamport: i, vector: [0, i], body: { kind: 'tick' } });

describe('the engine under a flood', () => {
  it('refuses messages beyond maxQueue: a DROP row each up to 100 a second, then summaries; STOP flushes the rest', () => {
    const { e, rows, advance } = engine(5);
    for (let i = 1; i <= 300; i++) e.arrive(env(i));
    expect(e.queueLength).toBe(5);
    expect(e.refused).toBe(295);
    const single = rows.filter((r) => r.event === 'DROP');
    expect(single).toHaveLength(100);
    expect(single[0]).toMatchObject({ peer: '2', msg_id: '2-6', detail: 'reason=queue_full dir=in limit=5', queue_len: 5 });
    advance(1000);
    e.tick(); // flushes the window's summary, then takes one message
    const summary = rows.filter((r) => r.event === 'DROP' && r.detail.includes('count='));
    expect(summary.map((r) => r.detail)).toEqual(['reason=queue_full dir=in limit=5 count=195 window_ms=1000']);
    expect(summary[0]!.msg_id).toBe('');
    e.arrive(env(301)); // a slot is free again
    e.arrive(env(302));
    e.note('STOP', 'reason=test');
    expect(rows.at(-2)!.detail).toBe('reason=queue_full dir=in limit=5');
    expect(rows.at(-1)!.event).toBe('STOP');
    // every refusal is in a row or a count
    const refused = rows.filter((r) => r.event === 'DROP').reduce((n, r) => n + Number(parseDetail(r.detail).get('count') ?? 1), 0);
    expect(refused).toBe(e.refused);
  });

  it('is unbounded without maxQueue (the simulator)', () => {
    const { e } = engine();
    for (let i = 1; i <= 20_000; i++) e.arrive(env(i));
    expect(e.queueLength).toBe(20_000);
  });

  it('rate-limits ERROR rows per source; the summary comes before STOP', () => {
    const { e, rows } = engine(5);
    for (let i = 0; i < 50; i++) e.note('ERROR', `reason=unknown_peer from=99 remote=127.0.0.1:${4000 + i}`);
    for (let i = 0; i < 3; i++) e.note('ERROR', `reason=hello_timeout remote=127.0.0.2:${5000 + i}`);
    expect(rows.filter((r) => r.event === 'ERROR')).toHaveLength(13);
    e.note('STOP', 'reason=test');
    const last = rows.at(-2)!;
    expect(last.event).toBe('ERROR');
    expect(last.detail).toBe('reason=rate_limited source=127.0.0.1 count=40 window_ms=10000 reasons=unknown_peer:40');
    expect(rows.at(-1)!.event).toBe('STOP');
  });
});

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeRun } from '../../src/analysis/analyze.js';
import { createWorkload } from '../../src/algorithms/workload.js';
import type { Algorithm } from '../../src/core/algorithm.js';
import type { LogRow } from '../../src/core/logRow.js';
import type { MachineId } from '../../src/core/types.js';
import { formatRow } from '../../src/runtime/log/csvLog.js';
import { checkSeeds } from '../../src/runtime/sim/check.js';
import { rowsToRunLogs } from '../../src/analysis/fromRows.js';
import { EventQueue } from '../../src/runtime/sim/eventQueue.js';
import { isoTimeFormatter } from '../../src/core/isoTime.js';
import { DISCARD_SINK, MemoryLogs, SimLogDir } from '../../src/runtime/sim/logSinks.js';
import { delayModel, fixedDelay } from '../../src/faults/delay.js';
import { type SimulationOptions, runSimulation } from '../../src/runtime/sim/simulation.js';
import { parseDelaySpec } from '../../src/faults/delay.js';
import { parsePartitionSpec } from '../../src/faults/link.js';
import { parseTimeMs } from '../../src/faults/time.js';
import { Rng } from '../../src/core/rng.js';

const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const workload = () => createWorkload({ internalMax: 10 });

function simulate(extra: Partial<SimulationOptions> & { n?: number } = {}) {
  const logs = new MemoryLogs();
  const result = runSimulation({
    ids: ids(extra.n ?? 3),
    seed: 11,
    algorithm: workload,
    durationMs: 20_000,
    ...extra,
    sink: (id) => logs.sink(id),
  });
  return { rows: logs.rows, result };
}

function failedChecks(rows: Map<MachineId, LogRow[]>, n: number): string[] {
  const a = analyzeRun(rowsToRunLogs(rows, ids(n)));
  return a.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.examples[0]?.where} ${c.examples[0]?.message}`);
}

const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('specs', () => {
  it('parses times, delays, crashes and partitions', () => {
    expect(parseTimeMs('5')).toBe(5000);
    expect(parseTimeMs('500ms')).toBe(500);
    expect(parseTimeMs('1.5s')).toBe(1500);
    expect(parseTimeMs('2m')).toBe(120_000);
    expect(parseTimeMs('x')).toBeNull();
    expect(parseDelaySpec('uniform:1-20ms')).toEqual({ kind: 'uniform', minMs: 1, maxMs: 20 });
    expect(parseDelaySpec('uniform:1s-2s')).toEqual({ kind: 'uniform', minMs: 1000, maxMs: 2000 });
    expect(parseDelaySpec('fixed:5ms')).toEqual({ kind: 'fixed', ms: 5 });
    expect(parseDelaySpec('exp:10')).toEqual({ kind: 'exp', meanMs: 10 });
    expect(() => parseDelaySpec('normal:3ms')).toThrow(/--delay/);
    expect(() => parseDelaySpec('uniform:20-1ms')).toThrow(/min/);
    const p = parsePartitionSpec('1,2|3-5@10s-20s');
    expect(p.groups).toEqual([[1, 2], [3, 4, 5]]);
    expect([p.fromMs, p.toMs]).toEqual([10_000, 20_000]);
    expect(parsePartitionSpec('1|2@3s').toMs).toBe(Infinity);
    expect(() => parsePartitionSpec('1,2|2@1s-2s')).toThrow(/at most one group/);
    expect(() => parsePartitionSpec('1|2@5s-2s')).toThrow(/ends after/);
  });

  it('delay models stay in range and exp has about the right mean', () => {
    const rng = new Rng(3);
    const u = delayModel({ kind: 'uniform', minMs: 2, maxMs: 4 });
    for (let i = 0; i < 1000; i++) {
      const d = u(rng);
      expect(d >= 2 && d <= 4).toBe(true);
    }
    const e = delayModel({ kind: 'exp', meanMs: 10 });
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += e(rng);
    expect(sum / 20_000).toBeGreaterThan(9);
    expect(sum / 20_000).toBeLessThan(11);
  });
});

describe('building blocks', () => {
  it('the event queue pops in time order, FIFO on ties', () => {
    const q = new EventQueue<number>();
    const rng = new Rng(1);
    const items: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const t = rng.int(0, 200);
      items.push([t, i]);
      q.push(t, i);
    }
    const out: number[] = [];
    while (q.size) out.push(q.popItem()!);
    const expected = [...items].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[1]);
    expect(out).toEqual(expected);
  });

  it('the virtual time formatter equals Date.toISOString', () => {
    const f = isoTimeFormatter();
    const rng = new Rng(9);
    for (let i = 0; i < 5000; i++) {
      const ms = Date.UTC(2026, 0, 1) + rng.int(0, 400 * 86_400_000);
      expect(f(ms)).toBe(new Date(ms).toISOString());
    }
  });

});

describe('simulator network', () => {
  it('keeps every link FIFO even when delays would reorder', () => {
    const { rows } = simulate({ n: 4, delay: delayModel({ kind: 'uniform', minMs: 1, maxMs: 3000 }), durationMs: 60_000 });
    const sendSeq = (msgId: string): number => Number(msgId.split('-')[1]);
    for (const [id, list] of rows) {
      const lastFrom = new Map<string, number>();
      for (const r of list) {
        if (r.event !== 'RECEIVE') continue;
        const prev = lastFrom.get(r.peer) ?? 0;
        expect(sendSeq(r.msg_id), `machine ${id} from ${r.peer}`).toBeGreaterThan(prev);
        lastFrom.set(r.peer, sendSeq(r.msg_id));
      }
    }
    expect(failedChecks(rows, 4)).toEqual([]);
  });

  it('loses about the given fraction of copies, silently', () => {
    const { rows, result } = simulate({ loss: 0.3, durationMs: 120_000 });
    expect(result.lost / result.copies).toBeGreaterThan(0.2);
    expect(result.lost / result.copies).toBeLessThan(0.4);
    const all = [...rows.values()].flat();
    expect(all.some((r) => r.event === 'DROP')).toBe(false);
    expect(failedChecks(rows, 3)).toEqual([]);
  });

  it('a partition cuts links both ways: DISCONNECT, DROP on sends, CONNECT when healed', () => {
    const p = parsePartitionSpec('1,2|3@5s-10s');
    const { rows } = simulate({ partitions: [p], delay: fixedDelay(2) });
    const at = (r: LogRow): number => r.epoch_ms - Date.UTC(2026, 0, 1);
    for (const id of [1, 2, 3]) {
      const list = rows.get(id)!;
      const down = list.filter((r) => r.event === 'DISCONNECT');
      const up = list.filter((r) => r.event === 'CONNECT' && r.detail === 'reason=healed');
      const cut = id === 3 ? ['1', '2'] : ['3'];
      expect(down.map((r) => r.peer).sort()).toEqual(cut);
      expect(down.every((r) => at(r) === 5000 && r.detail === 'reason=partition')).toBe(true);
      expect(up.map((r) => r.peer).sort()).toEqual(cut);
      expect(up.every((r) => at(r) === 10_000)).toBe(true);
      // no message crosses the cut during the window (sent before 5 s at the latest)
      for (const r of list) {
        if (r.event === 'RECEIVE' && cut.includes(r.peer) && at(r) >= 5000 && at(r) < 10_000) {
          const send = [...rows.get(Number(r.peer))!].find((s) => s.event === 'SEND' && s.msg_id === r.msg_id)!;
          expect(at(send)).toBeLessThan(5000);
        }
      }
    }
    const drops = [...rows.values()].flat().filter((r) => r.event === 'DROP');
    expect(drops.length).toBeGreaterThan(0);
    for (const d of drops) {
      expect(at(d)).toBeGreaterThanOrEqual(5000);
      expect(at(d)).toBeLessThan(10_000);
      expect(d.detail).toBe('reason=peer_down');
    }
    expect(failedChecks(rows, 3)).toEqual([]);
  });

  it('a crash is a SIGKILL and a restart continues log, clocks and msg numbering', () => {
    // drawn tick rates, but machine 2 fast enough to send before the crash and after the restart
    const { rows, result } = simulate({ seed: 5, crashes: [{ id: 2, atMs: 5000 }], restarts: [{ id: 2, atMs: 9000 }] });
    const list = rows.get(2)!;
    const at = (r: LogRow): number => r.epoch_ms - Date.UTC(2026, 0, 1);
    // nothing between the crash and the restart, no STOP before the second START
    expect(list.some((r) => at(r) > 5000 && at(r) < 9000)).toBe(false);
    const starts = list.map((r, i) => [r, i] as const).filter(([r]) => r.event === 'START');
    expect(starts).toHaveLength(2);
    const [restart, i] = starts[1]!;
    const before = list[i - 1]!;
    expect(before.event).not.toBe('STOP');
    expect(restart.lamport).toBe(before.lamport);
    expect(restart.vector).toBe(before.vector);
    expect(restart.detail).toContain(`restored_rows=${i}`);
    expect(restart.detail).toContain(list[0]!.detail.split(' ').find((t) => t.startsWith('tick_rate='))!);
    const seqs = list.filter((r) => r.event === 'SEND').map((r) => Number(r.msg_id.split('-')[1]));
    expect(seqs).toEqual(seqs.map((_, k) => k + 1)); // continues 1, 2, 3, ... across the restart
    expect(list.some((r) => r.event === 'SEND' && at(r) < 5000)).toBe(true);
    expect(list.some((r) => r.event === 'SEND' && at(r) > 9000)).toBe(true);
    for (const peer of [1, 3]) {
      const other = rows.get(peer)!;
      expect(other.filter((r) => r.event === 'DISCONNECT' && r.peer === '2').map(at)).toEqual([5000]);
      expect(other.filter((r) => r.event === 'CONNECT' && r.peer === '2' && r.detail === 'reason=restart').map(at)).toEqual([9000]);
      // sends to 2 while it is down are DROPs
      for (const r of other.filter((x) => x.event === 'DROP')) expect(at(r) >= 5000 && at(r) < 9000).toBe(true);
    }
    expect(result.machines.find((m) => m.id === 2)!.starts).toBe(2);
    expect(failedChecks(rows, 3)).toEqual([]);
  });

  it('a machine crashed to the end writes no STOP; faults are validated', () => {
    const { rows } = simulate({ crashes: [{ id: 3, atMs: 4000 }] });
    expect(rows.get(3)!.at(-1)!.event).not.toBe('STOP');
    expect(rows.get(1)!.at(-1)!.event).toBe('STOP');
    expect(() => simulate({ restarts: [{ id: 2, atMs: 1000 }] })).toThrow(/not down/);
    expect(() => simulate({ crashes: [{ id: 9, atMs: 1000 }] })).toThrow(/not in the run/);
    expect(() =>
      simulate({
        crashes: [
          { id: 2, atMs: 1000 },
          { id: 2, atMs: 2000 },
        ],
      }),
    ).toThrow(/already down/);
  });

  it('gives onPeerDown/onPeerUp and ctx.connected from the simulated links', () => {
    const seen: string[] = [];
    const probe: Algorithm<null, { kind: 'tick' }> = {
      name: 'probe',
      receiveMode: 'one-per-tick',
      onMessage: () => [],
      parseBody: () => ({ kind: 'tick' }),
      init: () => null,
      onTick(_s, ctx) {
        if (ctx.self === 1 && ctx.tick % 5 === 0) seen.push(`t${Math.round(ctx.now)}:${[...ctx.connected].join(',')}`);
        return [];
      },
      onPeerDown(_s, peer, ctx) {
        if (ctx.self === 1) seen.push(`down ${peer}`);
        return [];
      },
      onPeerUp(_s, peer, ctx) {
        if (ctx.self === 1 && ctx.now > 0) seen.push(`up ${peer}`);
        return [];
      },
    };
    runSimulation({
      ids: ids(3),
      seed: 1,
      tickRate: 1,
      algorithm: () => probe,
      durationMs: 12_000,
      crashes: [{ id: 3, atMs: 2500 }],
      restarts: [{ id: 3, atMs: 7500 }],
      sink: () => DISCARD_SINK,
    });
    expect(seen).toEqual(['down 3', 't5000:2', 'up 3', 't10000:2,3']);
  });

  it('startup logs CONNECT rows only up to connectRowsUpTo machines', () => {
    const small = simulate({ n: 5, durationMs: 100 }).rows;
    expect(small.get(1)!.filter((r) => r.event === 'CONNECT')).toHaveLength(4);
    const big = simulate({ n: 5, durationMs: 100, connectRowsUpTo: 4 }).rows;
    expect(big.get(1)!.filter((r) => r.event === 'CONNECT')).toHaveLength(0);
    expect(big.get(1)!.find((r) => r.event === 'READY')!.detail).toBe('peers=4');
  });

  it('checks clean on many seeds with every fault kind', () => {
    const r = checkSeeds({
      simulation: {
        ids: ids(4),
        algorithm: workload,
        durationMs: 15_000,
        loss: 0.05,
        delay: delayModel({ kind: 'exp', meanMs: 30 }),
        crashes: [{ id: 2, atMs: 3000 }],
        restarts: [{ id: 2, atMs: 6000 }],
        partitions: [parsePartitionSpec('1,2|3@8s-11s')],
      },
      firstSeed: 100,
      seeds: 25,
    });
    expect(r.failures).toEqual([]);
    expect(r.events).toBeGreaterThan(0);
  });
});

describe('determinism', () => {
  function writeLogs(seed: number): Map<string, string> {
    const dir = mkdtempSync(join(tmpdir(), 'sim-det-'));
    tmpDirs.push(dir);
    const logDir = new SimLogDir(dir, ids(4), 4096); // a small budget: many flushes
    runSimulation({
      ids: ids(4),
      seed,
      algorithm: workload,
      durationMs: 30_000,
      loss: 0.02,
      crashes: [{ id: 4, atMs: 7000 }],
      restarts: [{ id: 4, atMs: 12_000 }],
      partitions: [parsePartitionSpec('1|2@15s-18s')],
      sink: (id) => logDir.sink(id),
    });
    logDir.close();
    return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  }

  it('writes byte-identical log files for the same seed, different ones for another seed', () => {
    const a = writeLogs(42);
    const b = writeLogs(42);
    const c = writeLogs(43);
    expect([...a.keys()].sort()).toEqual(['log_1.csv', 'log_2.csv', 'log_3.csv', 'log_4.csv']);
    for (const [f, text] of a) {
      expect(b.get(f), f).toBe(text);
      expect(text.startsWith('time,epoch_ms,machine,event,lamport,vector,queue_len,peer,msg_id,detail\n')).toBe(true);
    }
    expect([...a].some(([f, text]) => c.get(f) !== text)).toBe(true);
  });

  it('the files hold exactly the rows the engine produced, through formatRow', () => {
    const { rows } = simulate({ n: 3, seed: 42 } as Partial<SimulationOptions>);
    const dir = mkdtempSync(join(tmpdir(), 'sim-rows-'));
    tmpDirs.push(dir);
    const logDir = new SimLogDir(dir, ids(3));
    runSimulation({ ids: ids(3), seed: 42, algorithm: workload, durationMs: 20_000, sink: (id) => logDir.sink(id) });
    logDir.close();
    for (const [id, list] of rows) {
      const text = readFileSync(join(dir, `log_${id}.csv`), 'utf8');
      expect(text.split('\n').slice(1).join('\n')).toBe(list.map(formatRow).join(''));
    }
  });

  it('same tick rates as start-all for the same seed (deriveSeed then setupMachine)', async () => {
    const { deriveSeed } = await import('../../src/core/rng.js');
    const { setupMachine } = await import('../../src/runtime/host/machineSetup.js');
    const { result } = simulate({ n: 5, seed: 77 } as Partial<SimulationOptions>);
    for (const m of result.machines) expect(m.tickRate).toBe(setupMachine(deriveSeed(77, m.id), { max: 6 }).tickRate);
  });
});

/**
 * Hostile and broken peers against real processes on free loopback ports:
 *  - a fake peer (no secret configured) floods a machine with valid messages: the network queue
 *    stays within --max-queue, every refused message is logged (DROP reason=queue_full dir=in, one
 *    row each up to a rate, then summary rows with count=), the machine goes on ticking and stops
 *    cleanly with a valid log; and a real, too fast peer filling a slow one's queue leaves a run
 *    that analyze passes;
 *  - a stream of rejected connections from one address costs a bounded number of ERROR rows, and
 *    the summary rows (reason=rate_limited count=) account for every rejection;
 *  - mutual exclusion recovers after a start-all --partition heals (the connections stay up, so
 *    only the algorithms' re-sends can make good what was dropped) and under --loss: analyze passes
 *    and machines enter after the heal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogRow } from '../../src/core/logRow.js';
import { parseDetail } from '../../src/core/logRow.js';
import { parseFaultsCsv } from '../../src/core/faultsFile.js';
import { killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { readLogDir, readLogFile } from '../helpers/logs.js';
import { destroyRawPeers, logProblems, rawConnect, waitForRows } from '../helpers/wire.js';

afterEach(async () => {
  destroyRawPeers();
  await killAll();
});

const line = (obj: unknown): string => JSON.stringify(obj) + '\n';
const detailOf = (r: LogRow): Map<string, string> => parseDetail(r.detail);
/** Messages a DROP reason=queue_full row stands for: its count=, or 1. */
const refusedBy = (r: LogRow): number => (r.event === 'DROP' && detailOf(r).get('reason') === 'queue_full' ? Number(detailOf(r).get('count') ?? 1) : 0);

describe('a flood of valid messages from a fake peer', () => {
  it('is refused beyond --max-queue, every refusal logged (rate-limited with count=), the machine keeps ticking and stops cleanly', async () => {
    const c = await tempCluster(2);
    const logPath = join(c.logDir, 'log_1.csv');
    const MAX = 300;
    const N = 20_000;
    const m = startCli(['run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir, '--no-wait', '--tick-rate', '4', '--seed', '3', '--quiet', '--max-queue', String(MAX)], c.dir);
    await m.waitFor(/machine 1 ready/);
    const p = await rawConnect(c.ports[0]!);
    await p.nonce();
    p.socket.write(line({ type: 'hello', from: 2 }));
    await p.line(1); // welcome
    const vector = (i: number) => ({ '1': 0, '2': i });
    for (let i = 1; i <= N; i += 1000) {
      let chunk = '';
      for (let j = i; j < i + 1000 && j <= N; j++) chunk += line({ type: 'msg', id: `2-${j}`, from: 2, lamport: j, vector: vector(j), body: { kind: 'tick' } });
      if (!p.socket.write(chunk)) await new Promise((r) => p.socket.once('drain', r));
    }
    // every message is received, queued or refused (refusals in rows or in summaries' count=)
    const accounted = (rows: LogRow[]): number =>
      rows.reduce((n, r) => n + refusedBy(r) + (r.event === 'RECEIVE' && r.peer === '2' ? 1 : 0), 0) + (rows.at(-1)?.queue_len ?? 0);
    await waitForRows(logPath, (rs) => accounted(rs) >= N - 2 * MAX, `most of ${N} messages accounted for`, 60_000);
    // still ticking after the flood: more RECEIVEs arrive
    const t1 = Date.now();
    await waitForRows(logPath, (rs) => rs.filter((r) => r.event === 'RECEIVE' && r.epoch_ms > t1).length >= 4, 'ticks after the flood');
    m.proc.kill('SIGTERM');
    const res = await m.proc;
    expect(res.exitCode, res.all).toBe(0);

    const rows = readLogFile(logPath); // strict parse
    expect(logProblems(rows, 1)).toEqual([]);
    expect(rows.at(-1)!.event).toBe('STOP');
    expect(Math.max(...rows.map((r) => r.queue_len))).toBeLessThanOrEqual(MAX);
    const drops = rows.filter((r) => refusedBy(r) > 0);
    const single = drops.filter((r) => !detailOf(r).has('count'));
    const summaries = drops.filter((r) => detailOf(r).has('count'));
    expect(single.length).toBeGreaterThan(0);
    for (const r of single) {
      expect(r.peer).toBe('2');
      expect(r.msg_id).toMatch(/^2-\d+$/);
      expect(r.detail).toBe(`reason=queue_full dir=in limit=${MAX}`);
    }
    expect(summaries.length).toBeGreaterThan(0);
    for (const r of summaries) expect(r.detail).toMatch(new RegExp(`^reason=queue_full dir=in limit=${MAX} count=\\d+ window_ms=1000$`));
    // nothing lost unreported: STOP flushed the last summary
    const received = rows.filter((r) => r.event === 'RECEIVE' && r.peer === '2').length;
    const refused = drops.reduce((n, r) => n + refusedBy(r), 0);
    expect(received + refused + rows.at(-1)!.queue_len).toBe(N);
    // bounded log volume: the refusals cost far fewer rows than messages
    expect(drops.length).toBeLessThan(refused / 10);
    console.log(`queue flood: ${N} msgs, max queue ${MAX}: ${received} received, ${refused} refused in ${single.length} DROP rows + ${summaries.length} summaries, ${rows.length} rows in all`);
  });

  it('a real peer far faster than a slow machine fills its queue; the run still analyzes as valid', async () => {
    const c = await tempCluster(2);
    const common = ['--config', c.configPath, '--log-dir', c.logDir, '--quiet', '--duration', '4', '--max-queue', '20', '--internal-max', '3'];
    const m1 = startCli(['run-machine', '1', ...common, '--tick-rate', '1', '--seed', '1'], c.dir);
    const m2 = startCli(['run-machine', '2', ...common, '--fast-ticks', '--tick-rate', '200', '--seed', '2'], c.dir);
    const [r1, r2] = await Promise.all([m1.proc, m2.proc]);
    expect(r1.exitCode, r1.all).toBe(0);
    expect(r2.exitCode, r2.all).toBe(0);
    const logs = readLogDir(c.logDir);
    const refused = logs.get(1)!.reduce((n, r) => n + refusedBy(r), 0);
    expect(refused).toBeGreaterThan(50);
    const a = await runCli(['analyze', '--log-dir', c.logDir], c.dir);
    expect(a.exitCode, a.all).toBe(0);
  });
});

describe('a stream of rejected connections', () => {
  it('costs a bounded number of ERROR rows; the rate_limited summaries account for every rejection', async () => {
    const c = await tempCluster(2);
    const logPath = join(c.logDir, 'log_1.csv');
    const m = startCli(['run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir, '--no-wait', '--tick-rate', '5', '--seed', '3', '--quiet'], c.dir);
    await m.waitFor(/machine 1 ready/);
    const t0 = Date.now();
    let rejected = 0;
    // 3 s of connections claiming an unknown machine id, 8 at a time, each closed by the machine
    while (Date.now() - t0 < 3000) {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const p = await rawConnect(c.ports[0]!);
          await p.nonce();
          p.socket.write(line({ type: 'hello', from: 99 }));
          await p.closed;
          rejected++;
        }),
      );
    }
    const flood = (rs: LogRow[]) => rs.filter((r) => r.event === 'ERROR' && r.epoch_ms >= t0);
    // after the 10 s window the summary comes on a tick, without waiting for the stop
    await waitForRows(logPath, (rs) => flood(rs).some((r) => detailOf(r).get('reason') === 'rate_limited'), 'a rate_limited summary', 20_000);
    m.proc.kill('SIGTERM');
    expect((await m.proc).exitCode).toBe(0);
    const rows = readLogFile(logPath);
    expect(logProblems(rows, 1)).toEqual([]);
    const errors = flood(rows);
    const single = errors.filter((r) => detailOf(r).get('reason') === 'unknown_peer');
    const summaries = errors.filter((r) => detailOf(r).get('reason') === 'rate_limited');
    for (const r of summaries) expect(r.detail).toMatch(/^reason=rate_limited source=127\.0\.0\.1 count=\d+ window_ms=10000 reasons=unknown_peer:\d+$/);
    const counted = summaries.reduce((n, r) => n + Number(detailOf(r).get('count')), 0);
    expect(single.length + counted).toBe(rejected);
    // at most 10 rows + 1 summary per 10 s window of the source
    expect(errors.length).toBeLessThanOrEqual(2 * 11);
    console.log(`rejected connections: ${rejected} in 3 s → ${errors.length} ERROR rows (${single.length} as they came, ${summaries.length} summaries counting ${counted})`);
  });
});

describe('mutual exclusion after a partition heals and under loss (the connections stay up)', () => {
  for (const algorithm of ['mutex', 'ricart-agrawala']) {
    it(`${algorithm}: start-all --partition 1|2,3@2-6: analyze passes, machines enter after the heal`, async () => {
      const c = await tempCluster(3);
      const r = await runCli(
        ['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--quiet', '--algorithm', algorithm, '--partition', '1|2,3@2-6', '--duration', '16', '--seed', '7', '--cs-probability', '0.5'],
        c.dir,
        90_000,
      );
      expect(r.exitCode, r.all).toBe(0);
      const heal = parseFaultsCsv(readFileSync(join(c.logDir, 'faults.csv'), 'utf8')).find((f) => f.fault === 'heal');
      expect(heal, r.all).toBeDefined();
      const logs = readLogDir(c.logDir);
      const all = [...logs.values()].flat();
      const after = all.filter((row) => row.event === 'CS_ENTER' && row.epoch_ms > heal!.epochMs);
      expect(after.length, 'entries after the heal').toBeGreaterThanOrEqual(3);
      expect(all.some((row) => row.event === 'DROP' && /reason=partitioned/.test(row.detail))).toBe(true);
      const a = await runCli(['analyze', '--log-dir', c.logDir], c.dir);
      expect(a.exitCode, a.all).toBe(0);
      expect(a.all).toMatch(/PASS {2}mutex-liveness/);
    });
  }

  it('mutex: 4 machines, --loss 0.2 --delay uniform:1-50ms: analyze passes and machines keep entering to the end', async () => {
    const c = await tempCluster(4);
    const r = await runCli(
      ['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--quiet', '--algorithm', 'mutex', '--loss', '0.2', '--delay', 'uniform:1-50ms', '--duration', '16', '--seed', '7'],
      c.dir,
      90_000,
    );
    expect(r.exitCode, r.all).toBe(0);
    const all = [...readLogDir(c.logDir).values()].flat();
    const start = Math.min(...all.filter((x) => x.event === 'READY').map((x) => x.epoch_ms));
    const late = all.filter((x) => x.event === 'CS_ENTER' && x.epoch_ms > start + 10_000);
    expect(late.length, 'entries in the last 6 s').toBeGreaterThan(0);
    const a = await runCli(['analyze', '--log-dir', c.logDir], c.dir);
    expect(a.exitCode, a.all).toBe(0);
  });
});

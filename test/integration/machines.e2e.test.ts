/**
 * End-to-end tests of the foundation with real processes on free loopback ports in temp dirs:
 * run-machine in three "terminals", start-all, clean stops, SIGKILL, bad input.
 */
import { createServer, connect, type Server } from 'node:net';
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogRow } from '../../src/core/logRow.js';
import { isClockEvent } from '../../src/algorithms/registry.js';
import { ROOT, killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { readLogDir, readLogFile } from '../helpers/logs.js';

afterEach(killAll);

const TICK_EVENTS = new Set(['SEND', 'RECEIVE', 'INTERNAL']);

function detailOf(row: LogRow, key: string): string | undefined {
  return row.detail.split(' ').find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1);
}

/** The invariants the issue names, checked straight from the rows. Returns problems found. */
function checkRun(logs: Map<number, LogRow[]>): string[] {
  const problems: string[] = [];
  const sends = new Map<string, LogRow>();
  for (const rows of logs.values()) for (const r of rows) if (r.event === 'SEND') sends.set(r.msg_id, r);
  for (const [id, rows] of logs) {
    let prev: LogRow | undefined;
    for (const r of rows) {
      if (prev && r.lamport < prev.lamport) problems.push(`m${id}: lamport went backwards at ${r.event}`);
      if (r.event === 'RECEIVE') {
        const s = sends.get(r.msg_id);
        if (!s) problems.push(`m${id}: RECEIVE ${r.msg_id} has no SEND`);
        else if (prev && r.lamport !== Math.max(prev.lamport, s.lamport) + 1) problems.push(`m${id}: receive rule broken at ${r.msg_id}`);
        else if (!s.peer.split(';').includes(String(id))) problems.push(`m${id}: ${r.msg_id} was not sent here`);
      } else if (prev && isClockEvent(r.event) && r.lamport !== prev.lamport + 1) problems.push(`m${id}: +1 rule broken at row ${r.event}`);
      prev = r;
    }
  }
  return problems;
}

describe('three machines in three terminals', () => {
  it('connect, tick at their rates and log every invariant-respecting event', async () => {
    const c = await tempCluster(3);
    const duration = 4;
    const ms = [1, 2, 3].map((id) =>
      startCli(['run-machine', String(id), '--config', c.configPath, '--log-dir', c.logDir, '--duration', String(duration), '--seed', String(100 + id), '--quiet'], c.dir),
    );
    // machine 1 started alone waits for the others
    await ms[0]!.waitFor(/machine 1 listening on .*waiting for peers 2, 3/);
    for (const m of ms) await m.waitFor(/ready: connected to 2\/2 peers/);
    const results = await Promise.all(ms.map((m) => m.proc));
    for (const r of results) expect(r.exitCode, r.all).toBe(0);

    const logs = readLogDir(c.logDir);
    expect([...logs.keys()].sort()).toEqual([1, 2, 3]);
    expect(checkRun(logs)).toEqual([]);
    let receives = 0;
    for (const [id, rows] of logs) {
      const start = rows.find((r) => r.event === 'START')!;
      expect(detailOf(start, 'seed')).toBe(String(100 + id));
      const rate = Number(detailOf(start, 'tick_rate'));
      expect(rate).toBeGreaterThanOrEqual(1);
      expect(rate).toBeLessThanOrEqual(6);
      const ticks = rows.filter((r) => TICK_EVENTS.has(r.event)).length;
      expect(Math.abs(ticks - rate * duration), `machine ${id}`).toBeLessThanOrEqual(1);
      expect(rows.at(-1)!.event).toBe('STOP');
      receives += rows.filter((r) => r.event === 'RECEIVE').length;
    }
    expect(receives).toBeGreaterThan(0);
  });

  it('the same seed gives the same tick rate and the same draws', async () => {
    const c = await tempCluster(1);
    const run = async () => {
      const r = await runCli(['run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '1', '--seed', '77', '--quiet'], c.dir);
      expect(r.exitCode, r.all).toBe(0);
      return readLogFile(join(c.logDir, 'log_1.csv'));
    };
    const a = await run();
    const b = await run();
    const shape = (rows: LogRow[]) => rows.filter((r) => TICK_EVENTS.has(r.event) || r.event === 'START').map((r) => `${r.event}:${r.lamport}:${r.detail.replace(/pid=\d+/, '')}`);
    expect(shape(a)).toEqual(shape(b));
    // the first run was archived, not destroyed
    const archive = join(c.logDir, 'archive');
    expect(existsSync(archive)).toBe(true);
    const folders = readdirSync(archive);
    expect(folders.length).toBeGreaterThanOrEqual(1);
    expect(readdirSync(join(archive, folders[0]!))).toContain('log_1.csv');
  });
});

describe('start-all', () => {
  it('starts every machine, stops them after the duration and prints the summary table', async () => {
    const c = await tempCluster(3);
    const r = await runCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '2', '--seed', '5', '--quiet'], c.dir);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/all 3 machines ready in \d+ ms/);
    expect(r.all).toMatch(/machine\s+tick_rate.*lamport\s+max_queue/);
    for (const id of [1, 2, 3]) expect(r.all).toMatch(new RegExp(`\\[${id}\\] machine ${id} ready`));
    const logs = readLogDir(c.logDir);
    expect(logs.size).toBe(3);
    expect(checkRun(logs)).toEqual([]);
    for (const rows of logs.values()) expect(rows.at(-1)!.event).toBe('STOP');
    // start barrier: every machine waited to be connected, and no machine began ticking before
    // the last link of the whole run was up
    for (const id of [1, 2, 3]) expect(r.all).toMatch(new RegExp(`\\[${id}\\] machine ${id} connected to all 2 peers, waiting for the others`));
    const firstReady = Math.min(...[...logs.values()].map((rows) => rows.find((x) => x.event === 'READY')!.epoch_ms));
    const connectsBeforeReady = (rows: LogRow[]): LogRow[] => rows.slice(0, rows.findIndex((x) => x.event === 'READY')).filter((x) => x.event === 'CONNECT');
    const lastConnect = Math.max(...[...logs.values()].flatMap((rows) => connectsBeforeReady(rows).map((x) => x.epoch_ms)));
    for (const rows of logs.values()) expect(connectsBeforeReady(rows)).toHaveLength(4); // 2 peers × 2 directions
    expect(firstReady).toBeGreaterThanOrEqual(lastConnect);
  });

  it('forwards SIGTERM: every machine flushes a STOP row and start-all exits 0', async () => {
    const c = await tempCluster(3);
    const sa = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--quiet'], c.dir);
    await sa.waitFor(/all 3 machines ready/);
    sa.proc.kill('SIGTERM');
    const r = await sa.proc;
    expect(r.exitCode, r.all).toBe(0);
    const logs = readLogDir(c.logDir);
    for (const rows of logs.values()) {
      expect(rows.at(-1)!.event).toBe('STOP');
      expect(rows.at(-1)!.detail).toMatch(/reason=sigterm/);
    }
  });

  it('starts machines lean: without NODE_EXTRA_CA_CERTS and with the memory-saving V8 options', async () => {
    const c = await tempCluster(2);
    // machines make no TLS connections: the CA bundle would cost every boot its parsing time
    const sa = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--quiet'], c.dir, { NODE_EXTRA_CA_CERTS: join(c.dir, 'no-such-ca.pem') });
    await sa.waitFor(/all 2 machines ready/);
    for (const rows of readLogDir(c.logDir).values()) {
      const pid = Number(detailOf(rows.find((r) => r.event === 'START')!, 'pid'));
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(argv.slice(1, argv.indexOf('run-machine'))).toEqual(expect.arrayContaining(['--max-semi-space-size=1', '--no-opt']));
      // the machine bundle (run-machine only, CommonJS), not the whole CLI
      expect(argv[argv.indexOf('run-machine') - 1]).toBe(join(ROOT, 'dist', 'bundle', 'machine.cjs'));
      expect(env.filter((e) => e.startsWith('NODE_EXTRA_CA_CERTS='))).toEqual([]);
    }
    expect(sa.lines.filter((l) => /^\[\s*\d+\].*extra certs/i.test(l))).toEqual([]); // no child even tried to load it
    sa.proc.kill('SIGTERM');
    expect((await sa.proc).exitCode).toBe(0);
  });

  it('SIGKILL of a machine leaves no torn row and no orphan RECEIVE; the others go on', async () => {
    const c = await tempCluster(3);
    const sa = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--tick-rate', '6', '--internal-max', '3'], c.dir);
    await sa.waitFor(/all 3 machines ready/);
    await sa.waitFor(/\[2\] m2 L=2\d /);
    const start = readLogFile(join(c.logDir, 'log_2.csv')).find((r) => r.event === 'START')!;
    process.kill(Number(detailOf(start, 'pid')), 'SIGKILL');
    await sa.waitFor(/machine 2 exited unexpectedly \(killed by SIGKILL\)/);
    await sa.waitFor(/\[1\] m1 .*DROP/);
    sa.proc.kill('SIGTERM');
    const r = await sa.proc;
    expect(r.exitCode).toBe(1); // a machine failed
    const logs = readLogDir(c.logDir); // strict parse: a torn row would throw
    expect(checkRun(logs)).toEqual([]);
    expect(logs.get(2)!.at(-1)!.event).not.toBe('STOP');
    const drops = [...logs.get(1)!, ...logs.get(3)!].filter((r) => r.event === 'DROP' && r.peer === '2');
    expect(drops.length).toBeGreaterThan(0);
  });
});

describe('bad input gets one clear line and a documented exit code', () => {
  it('missing config names the file (exit 2)', async () => {
    const c = await tempCluster(1);
    const r = await runCli(['run-machine', '1', '--config', join(c.dir, 'nope.json')], c.dir);
    expect(r.exitCode).toBe(2);
    expect(r.all).toMatch(/nope\.json: config file not found/);
    expect(r.all).not.toMatch(/at .*\.js:\d+/);
  });
  it('malformed config names the field (exit 2)', async () => {
    const c = await tempCluster(2);
    const path = join(c.dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ machines: [{ id: 1, host: '127.0.0.1', port: 'x' }] }));
    const r = await runCli(['start-all', '--config', path], c.dir);
    expect(r.exitCode).toBe(2);
    expect(r.all).toMatch(/bad\.json: machines\[0\]\.port/);
  });
  it('duplicate ports are rejected (exit 2)', async () => {
    const c = await tempCluster(1);
    const path = join(c.dir, 'dup.json');
    writeFileSync(path, JSON.stringify({ machines: [{ id: 1, host: '127.0.0.1', port: 5001 }, { id: 2, host: '127.0.0.1', port: 5001 }] }));
    const r = await runCli(['run-machine', '1', '--config', path], c.dir);
    expect(r.exitCode).toBe(2);
    expect(r.all).toMatch(/duplicate address 127\.0\.0\.1:5001/);
  });
  it('an id not in the config lists the valid ones (exit 2)', async () => {
    const c = await tempCluster(3);
    const r = await runCli(['run-machine', '9', '--config', c.configPath], c.dir);
    expect(r.exitCode).toBe(2);
    expect(r.all).toMatch(/machine 9 is not in the config \(valid ids: 1, 2, 3\)/);
  });
  it('the machine bundle start-all spawns maps errors to the same exit codes as the CLI', async () => {
    const c = await tempCluster(2);
    const machine = (args: string[]) => execa(process.execPath, [join(ROOT, 'dist', 'bundle', 'machine.cjs'), 'run-machine', ...args], { cwd: c.dir, all: true, reject: false, timeout: 30_000 });
    const unknownId = await machine(['9', '--config', c.configPath]);
    expect(unknownId.exitCode).toBe(2);
    expect(unknownId.all).toMatch(/machine 9 is not in the config \(valid ids: 1, 2\)/);
    const badOption = await machine(['1', '--config', c.configPath, '--tick-rate', '0']);
    expect(badOption.exitCode).toBe(2);
    expect(badOption.all).not.toMatch(/\n\s+at /);
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(c.ports[0], '127.0.0.1', () => r()));
    try {
      const inUse = await machine(['1', '--config', c.configPath]);
      expect(inUse.exitCode).toBe(3);
      expect(inUse.all).toMatch(new RegExp(`${c.ports[0]}`));
    } finally {
      blocker.close();
    }
  });
  it.each([
    [['--tick-rate', '0']],
    [['--tick-rate', '7']],
    [['--max-tick-rate', '7']],
    [['--max-tick-rate', 'fast']],
    [['--duration', 'abc']],
  ])('invalid option %j exits 2 without a stack trace', async (args) => {
    const c = await tempCluster(1);
    const r = await runCli(['run-machine', '1', '--config', c.configPath, ...args], c.dir);
    expect(r.exitCode).toBe(2);
    expect(r.all).toMatch(/error/i);
    expect(r.all).not.toMatch(/\n\s+at /);
  });
  it('a port in use is named, with a hint (exit 3)', async () => {
    const c = await tempCluster(2);
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(c.ports[0], '127.0.0.1', () => r()));
    try {
      const r = await runCli(['run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir], c.dir);
      expect(r.exitCode).toBe(3);
      expect(r.all).toMatch(new RegExp(`127\\.0\\.0\\.1:${c.ports[0]} is already in use`));
      expect(existsSync(join(c.logDir, 'log_1.csv'))).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

describe('the wire', () => {
  it('garbage, oversized frames and unknown hellos are logged as ERROR and the machine keeps ticking', async () => {
    const c = await tempCluster(2);
    const m = startCli(['run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir, '--no-wait', '--tick-rate', '5', '--quiet'], c.dir);
    await m.waitFor(/ready/);
    const send = (payload: string | Buffer) =>
      new Promise<void>((resolve) => {
        const s = connect(c.ports[0]!, '127.0.0.1');
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        s.on('connect', () => s.write(payload));
        setTimeout(() => s.destroy(), 3000);
      });
    await send('this is not json\n');
    await send(Buffer.alloc(70 * 1024, 'x'));
    await send('{"type":"hello","from":99}\n');
    await send('{"type":"wat"}\n');
    const logPath = join(c.logDir, 'log_1.csv');
    const before = readLogFile(logPath).filter((r) => TICK_EVENTS.has(r.event)).length;
    // still ticking: wait until at least 5 more tick rows appear
    for (let i = 0; i < 100; i++) {
      if (readLogFile(logPath).filter((r) => TICK_EVENTS.has(r.event)).length >= before + 5) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    m.proc.kill('SIGTERM');
    const res = await m.proc;
    expect(res.exitCode).toBe(0);
    const rows = readLogFile(logPath);
    expect(rows.filter((r) => TICK_EVENTS.has(r.event)).length).toBeGreaterThanOrEqual(before + 5);
    const errors = rows.filter((r) => r.event === 'ERROR');
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(rows.at(-1)!.event).toBe('STOP');
    expect(readFileSync(logPath, 'utf8').endsWith('\n')).toBe(true);
  });
});

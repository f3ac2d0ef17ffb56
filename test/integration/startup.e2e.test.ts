/**
 * Start-up failures end the run with the documented exit code, with real processes on free loopback
 * ports in temp dirs: a machine that cannot listen
 * (squatted port, an address not on this host) or exits at start-up makes start-all stop the rest,
 * name the machine and exit 1 (3 when every machine failed with an environment error); a machine
 * whose log directory is unusable exits 2/3 and does not linger with its port open; Ctrl-C during
 * start-up still stops everything.
 */
import { createServer, type Server } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { freePorts } from '../helpers/ports.js';

afterEach(killAll);

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A plain listener holding `port` (someone else's process on the machine's port). */
async function squat(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  servers.push(server);
}

/** Whether `port` on 127.0.0.1 can be bound now (nothing of the run still holds it). */
async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** An earlier run's log, to check it is not archived by a run that cannot start. */
function earlierLog(logDir: string): string {
  mkdirSync(logDir, { recursive: true });
  const path = join(logDir, 'log_1.csv');
  writeFileSync(path, 'time,epoch_ms,machine,event,lamport,vector,queue_len,peer,msg_id,detail\n');
  return path;
}

const NO_STACK = /\n\s+at /;

describe('start-all ends a run that cannot start', () => {
  it('a squatted port: names the machine and the reason, starts nothing, touches no log, exits 1', async () => {
    const c = await tempCluster(3);
    await squat(c.ports[1]!);
    const earlier = earlierLog(c.logDir);
    const r = await runCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '2', '-q'], c.dir, 25_000);
    expect(r.timedOut, `start-all hung:\n${r.all}`).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(new RegExp(`machine 2 cannot start: 127\\.0\\.0\\.1:${c.ports[1]} is already in use`));
    expect(r.all).not.toMatch(NO_STACK);
    expect(existsSync(earlier)).toBe(true);
    expect(existsSync(join(c.logDir, 'archive'))).toBe(false);
    expect(await portFree(c.ports[0]!)).toBe(true);
    expect(await portFree(c.ports[2]!)).toBe(true);
  });

  it('hosts that are not addresses of this machine: every machine named, exit 3', async () => {
    const c = await tempCluster(2);
    const [p1, p2] = await freePorts(2);
    writeFileSync(
      c.configPath,
      JSON.stringify({ machines: [{ id: 1, host: '192.0.2.55', port: p1 }, { id: 2, host: '192.0.2.55', port: p2 }] }),
    );
    const r = await runCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '2', '-q'], c.dir, 25_000);
    expect(r.timedOut, `start-all hung:\n${r.all}`).toBe(false);
    expect(r.exitCode).toBe(3);
    expect(r.all).toMatch(/machine 1 cannot start: .*192\.0\.2\.55 is not an address of this machine/);
    expect(r.all).toMatch(/machine 2 cannot start: .*192\.0\.2\.55 is not an address of this machine/);
  });

  it('a machine that exits at start-up (config id 1e20): the others are stopped, it is named, exit 1', async () => {
    const c = await tempCluster(3);
    writeFileSync(
      c.configPath,
      JSON.stringify({ machines: c.ports.map((port, i) => ({ id: i === 1 ? 1e20 : i + 1, host: '127.0.0.1', port })) }),
    );
    const r = await runCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '2', '-q'], c.dir, 25_000);
    expect(r.timedOut, `start-all hung:\n${r.all}`).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/start-all: machine 100000000000000000000 failed to start: .*invalid/);
    expect(r.all).toMatch(/stopping every machine/);
    for (const port of c.ports) expect(await portFree(port)).toBe(true);
  });

  it('a machine whose listen fails under start-all (as start-all runs it) reports why and exits 3', async () => {
    const c = await tempCluster(2);
    await squat(c.ports[0]!);
    // the machine process exactly as the supervisor spawns it: IPC channel, --await-go, `go`
    const proc = execa(process.execPath, [join(ROOT, 'dist', 'bundle', 'machine.cjs'), 'run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir, '--await-go'], {
      cwd: c.dir,
      ipc: true,
      reject: false,
      all: true,
      timeout: 20_000,
    });
    const messages: { type?: string; code?: string; message?: string }[] = [];
    void (async () => {
      for await (const msg of proc.getEachMessage()) {
        const m = msg as { type?: string };
        messages.push(m);
        if (m.type === 'booted') void proc.sendMessage({ type: 'go' });
      }
    })().catch(() => {});
    const r = await proc;
    expect(r.timedOut, `the machine lingered:\n${r.all}`).toBe(false);
    expect(r.exitCode).toBe(3);
    expect(r.all).toMatch(/is already in use/);
    expect(messages.find((m) => m.type === 'failed')).toMatchObject({ code: 'PORT_IN_USE' });
  });

  it('Ctrl-C during start-up stops every machine started so far and exits', async () => {
    const c = await tempCluster(3);
    // a long stagger keeps start-all in its start-up phase
    const sa = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--stagger', '30000', '-q'], c.dir);
    await sa.waitFor(/machine 1 listening/);
    sa.proc.kill('SIGINT');
    const r = await Promise.race([sa.proc, new Promise<null>((res) => setTimeout(() => res(null), 20_000))]);
    expect(r, 'start-all did not stop on SIGINT').not.toBeNull();
    expect(r!.exitCode).toBe(0);
    for (const port of c.ports) expect(await portFree(port)).toBe(true);
  });
});

describe('a log directory that cannot be used', () => {
  it('run-machine --log-dir naming a file: exit 2, one line, the port is not held', async () => {
    const c = await tempCluster(2);
    const file = join(c.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runCli(['run-machine', '1', '--config', c.configPath, '--log-dir', file], c.dir, 20_000);
    expect(r.timedOut, `run-machine hung with its port open:\n${r.all}`).toBe(false);
    expect(r.exitCode).toBe(2);
    expect(r.all).toMatch(/not-a-dir.*not a directory/);
    expect(r.all).not.toMatch(NO_STACK);
    expect(await portFree(c.ports[0]!)).toBe(true);
  });

  it('start-all --log-dir naming a file: a typed error, exit 2 (not "internal error")', async () => {
    const c = await tempCluster(2);
    const file = join(c.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runCli(['start-all', '--config', c.configPath, '--log-dir', file, '--duration', '1', '-q'], c.dir, 20_000);
    expect(r.exitCode).toBe(2);
    expect(r.all).not.toMatch(/internal error/);
    expect(r.all).toMatch(/not-a-dir.*not a directory/);
  });

  it('run-machine with an unwritable log directory: exit 3, one line, the port is not held', async () => {
    const c = await tempCluster(2);
    const logDir = join(c.dir, 'readonly');
    mkdirSync(logDir);
    chmodSync(logDir, 0o555);
    // root may write anywhere: run the machine as an unprivileged user then, as a student would
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      chmodSync(c.dir, 0o755);
      chmodSync(c.configPath, 0o644);
    }
    const r = await execa(process.execPath, [BIN, 'run-machine', '1', '--config', c.configPath, '--log-dir', logDir], {
      cwd: c.dir,
      reject: false,
      all: true,
      timeout: 20_000,
      env: { NO_COLOR: '1' },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(r.timedOut, `run-machine hung with its port open:\n${r.all}`).toBe(false);
    expect(r.exitCode).toBe(3);
    expect(r.all).toMatch(/readonly.*(permission denied|EACCES)/i);
    expect(r.all).not.toMatch(NO_STACK);
    expect(await portFree(c.ports[0]!)).toBe(true);
    expect(readdirSync(logDir)).toEqual([]);
  });
});

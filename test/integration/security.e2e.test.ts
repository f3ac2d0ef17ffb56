/**
 * Keeping strangers out, with real run-machine / start-all processes on loopback: the listener binds
 * only its configured address; with a shared secret (--secret-file or LAMPORT_LAB_SECRET) a wrong
 * proof, a missing proof and a replayed hello (captured from a real machine answering an older
 * challenge) are closed and logged as ERROR rows while the machines go on; machines with the same
 * secret exchange messages, machines with different secrets never connect; the secret never appears
 * on a command line.
 */
import { createServer, type Socket } from 'node:net';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeProof } from '../../src/runtime/net/protocol.js';
import { killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { readLogDir, readLogFile } from '../helpers/logs.js';
import { destroyRawPeers, logProblems, rawConnect, waitForError, waitForRows, within } from '../helpers/wire.js';

afterEach(async () => {
  destroyRawPeers();
  await killAll();
});

const SECRET = 'correct horse battery staple';

function secretFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text + '\n');
  chmodSync(path, 0o600);
  return path;
}

function pidOf(logPath: string): number {
  const start = readLogFile(logPath).find((r) => r.event === 'START')!;
  return Number(/pid=(\d+)/.exec(start.detail)![1]);
}

/** The command line of a live process, as `ps` shows it. */
function cmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}

describe('listening', () => {
  it('binds only the configured host: another loopback address of the same machine is refused', async () => {
    const c = await tempCluster(2);
    const m = startCli(['run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir, '--no-wait', '--quiet'], c.dir);
    await m.waitFor(/listening on 127\.0\.0\.1:/);
    const ok = await rawConnect(c.ports[0]!, '127.0.0.1');
    expect(await ok.nonce()).toMatch(/^[0-9a-f]{32}$/);
    // 127.0.0.2 is this machine too (all of 127/8 is loopback): a wildcard bind would accept it
    await expect(rawConnect(c.ports[0]!, '127.0.0.2')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('bad secrets are refused before anything starts (exit 2, the file named)', () => {
  it.each([
    ['a missing file', (dir: string) => join(dir, 'no-such-secret'), /no-such-secret: cannot read the secret \(file not found\)/],
    ['an empty file', (dir: string) => secretFile(dir, 'empty', ''), /empty: the file is empty/],
    ['a directory', (dir: string) => dir, /cannot read the secret \(is a directory\)/],
  ])('run-machine and start-all with %s', async (_what, make, message) => {
    const c = await tempCluster(2);
    const path = make(c.dir);
    for (const cmd of [['run-machine', '1'], ['start-all']]) {
      const r = await runCli([...cmd, '--config', c.configPath, '--log-dir', c.logDir, '--secret-file', path], c.dir);
      expect(r.exitCode, r.all).toBe(2);
      expect(r.all).toMatch(message);
      expect(r.all).not.toMatch(/\n\s+at /);
    }
    expect(readLogDir(c.logDir).size).toBe(0); // nothing was started
  });

  it('an empty LAMPORT_LAB_SECRET', async () => {
    const c = await tempCluster(1);
    const m = startCli(['run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir], c.dir, { LAMPORT_LAB_SECRET: '' });
    const r = await m.proc;
    expect(r.exitCode).toBe(2);
    expect(r.all).toMatch(/LAMPORT_LAB_SECRET is set but empty/);
  });
});

describe('with a shared secret', () => {
  it('a replayed hello, a wrong proof and a missing proof are closed and logged; real peers still talk', async () => {
    const c = await tempCluster(2);
    const file = secretFile(c.dir, 'secret', SECRET);
    const common = ['--config', c.configPath, '--log-dir', c.logDir, '--secret-file', file, '--tick-rate', '5', '--quiet'];

    // 1. capture a genuine hello: pose as machine 1 while machine 2 dials it, with a challenge of ours
    const oldNonce = 'a'.repeat(32);
    let captured = '';
    const capturedHello = new Promise<string>((resolve) => {
      const fake = createServer((s: Socket) => {
        s.setEncoding('utf8');
        let buf = '';
        s.on('data', (d: string) => {
          buf += d;
          const nl = buf.indexOf('\n');
          if (nl === -1) return;
          captured = buf.slice(0, nl);
          s.destroy();
          fake.close();
          resolve(captured);
        });
        s.write(JSON.stringify({ type: 'challenge', nonce: oldNonce }) + '\n');
      });
      fake.listen(c.ports[0]!, '127.0.0.1');
    });
    const m2 = startCli(['run-machine', '2', ...common], c.dir);
    const hello = JSON.parse(await capturedHello) as { type: string; from: number; proof: string };
    expect(hello).toMatchObject({ type: 'hello', from: 2 });
    expect(hello.proof).toBe(computeProof(Buffer.from(SECRET), oldNonce, 2, 1)); // a real proof, for the old nonce

    // 2. the real machine 1 takes the port; both connect
    const m1 = startCli(['run-machine', '1', ...common], c.dir);
    await m1.waitFor(/ready: connected to 1\/1 peers/);
    await m2.waitFor(/ready: connected to 1\/1 peers/);
    const log1 = join(c.logDir, 'log_1.csv');

    // 3. replay the captured hello on a fresh connection: new nonce, so the proof fails
    const replay = await rawConnect(c.ports[0]!);
    expect(await replay.nonce()).not.toBe(oldNonce);
    replay.socket.write(captured + '\n');
    expect((await within(replay.closed, 5000)).timedOut).toBe(false);
    await waitForError(log1, 'bad_proof', /from=2/);

    // 4. a proof made with the wrong secret
    const wrong = await rawConnect(c.ports[0]!);
    wrong.socket.write(JSON.stringify({ type: 'hello', from: 2, proof: computeProof(Buffer.from('guess'), await wrong.nonce(), 2, 1) }) + '\n');
    expect((await within(wrong.closed, 5000)).timedOut).toBe(false);

    // 5. no proof at all
    const none = await rawConnect(c.ports[0]!);
    await none.nonce();
    none.socket.write(JSON.stringify({ type: 'hello', from: 2 }) + '\n');
    expect((await within(none.closed, 5000)).timedOut).toBe(false);
    await waitForError(log1, 'missing_proof', /from=2/);

    // 6. machine 1 keeps ticking and receiving from machine 2 after all that
    const after = Date.now();
    await waitForRows(log1, (rows) => rows.filter((r) => r.event === 'RECEIVE' && r.epoch_ms > after).length >= 2, '2 more RECEIVE rows');
    m1.proc.kill('SIGTERM');
    m2.proc.kill('SIGTERM');
    expect((await m1.proc).exitCode).toBe(0);
    expect((await m2.proc).exitCode).toBe(0);

    const logs = readLogDir(c.logDir);
    const rows1 = logs.get(1)!;
    expect(logProblems(rows1, 1)).toEqual([]);
    expect(logProblems(logs.get(2)!, 2)).toEqual([]);
    expect(rows1.filter((r) => r.event === 'ERROR' && /reason=bad_proof/.test(r.detail))).toHaveLength(2);
    // the rejected connections never disturbed the real link from machine 2
    expect(rows1.filter((r) => r.event === 'DISCONNECT' && r.epoch_ms < after)).toEqual([]);
    const sends2 = new Set(logs.get(2)!.filter((r) => r.event === 'SEND').map((r) => r.msg_id));
    const receives1 = rows1.filter((r) => r.event === 'RECEIVE');
    expect(receives1.length).toBeGreaterThan(0);
    for (const r of receives1) expect(sends2.has(r.msg_id), r.msg_id).toBe(true);
    expect(rows1.at(-1)!.event).toBe('STOP');
  });

  it('machines with different secrets never connect; a machine without a secret is refused too', async () => {
    const c = await tempCluster(3);
    const files = [secretFile(c.dir, 's1', 'one secret'), secretFile(c.dir, 's2', 'another secret')];
    const base = ['--config', c.configPath, '--log-dir', c.logDir, '--no-wait', '--duration', '3', '--tick-rate', '5', '--quiet'];
    // the later machine dials the earlier one: 2 and 3 dial 1, 3 dials 2
    const ms = [
      startCli(['run-machine', '1', ...base], c.dir), // no secret at all
      startCli(['run-machine', '2', ...base, '--secret-file', files[0]!], c.dir),
      startCli(['run-machine', '3', ...base, '--secret-file', files[1]!], c.dir),
    ];
    const results = await Promise.all(ms.map((m) => m.proc));
    for (const r of results) expect(r.exitCode, r.all).toBe(0);
    const logs = readLogDir(c.logDir);
    for (const [id, rows] of logs) expect(logProblems(rows, id)).toEqual([]);
    // accepted an incoming connection, or received a message
    const linked = (id: number) => logs.get(id)!.filter((r) => (r.event === 'CONNECT' && r.detail.includes('dir=in')) || r.event === 'RECEIVE');
    const reasons = (id: number) => logs.get(id)!.filter((r) => r.event === 'ERROR').map((r) => `${/reason=(\S+)/.exec(r.detail)?.[1]}:${r.peer || /(?:from|to)=(\d+)/.exec(r.detail)?.[1]}`);
    // the machines holding a secret accept nobody who cannot prove it: 2 refuses 3's hello (another
    // secret), and both refuse the welcome of 1, which has no secret and so cannot prove itself
    expect(linked(2)).toEqual([]);
    expect(linked(3)).toEqual([]);
    expect(reasons(2)).toEqual(expect.arrayContaining(['bad_proof:3', 'missing_proof:1']));
    expect(reasons(3)).toEqual(expect.arrayContaining(['handshake_failed:2', 'missing_proof:1']));
    // Authentication is mutual (the dialer proves itself in its hello, the listener in its welcome):
    // machine 1, run WITHOUT a secret, checks nothing and welcomes the others, but they drop the
    // connection at its welcome, so no message ever flows in any direction.
    for (const id of [1, 2, 3]) expect(logs.get(id)!.filter((r) => r.event === 'RECEIVE'), `machine ${id}`).toEqual([]);
    expect(new Set(linked(1).filter((r) => r.event === 'CONNECT').map((r) => r.peer))).toEqual(new Set(['2', '3']));
  });

  it('start-all passes --secret-file through as a path, never the secret; the children enforce it', async () => {
    const c = await tempCluster(3);
    const file = secretFile(c.dir, 'secret', SECRET);
    const sa = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--secret-file', file, '--quiet'], c.dir);
    await sa.waitFor(/all 3 machines ready/);
    for (const id of [1, 2, 3]) {
      const line = cmdline(pidOf(join(c.logDir, `log_${id}.csv`)));
      expect(line).toContain(`--secret-file ${file}`);
      expect(line).not.toContain('horse');
    }
    expect(cmdline(sa.proc.pid!)).not.toContain('horse');
    // a child really holds the secret: a hello without proof is refused
    const none = await rawConnect(c.ports[0]!);
    await none.nonce();
    none.socket.write(JSON.stringify({ type: 'hello', from: 3 }) + '\n');
    await waitForError(join(c.logDir, 'log_1.csv'), 'missing_proof');
    sa.proc.kill('SIGTERM');
    expect((await sa.proc).exitCode).toBe(0);
  });

  it('start-all with LAMPORT_LAB_SECRET: the children inherit it from the environment', async () => {
    const c = await tempCluster(2);
    const sa = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--quiet'], c.dir, { LAMPORT_LAB_SECRET: SECRET });
    await sa.waitFor(/all 2 machines ready/);
    const pid = pidOf(join(c.logDir, 'log_1.csv'));
    expect(cmdline(pid)).not.toContain('horse');
    const peer = await rawConnect(c.ports[0]!);
    const nonce = await peer.nonce();
    peer.socket.write(JSON.stringify({ type: 'hello', from: 2, proof: computeProof(Buffer.from('not it'), nonce, 2, 1) }) + '\n');
    await waitForError(join(c.logDir, 'log_1.csv'), 'bad_proof');
    sa.proc.kill('SIGTERM');
    expect((await sa.proc).exitCode).toBe(0);
  });
});

/**
 * Many hosts on one Linux box: each machine runs in its own network namespace (its own stack, its
 * own address in 192.0.2.0/24, joined by a bridge), from a multi-host config, with a shared secret.
 * Checks that they connect across the "network", that the logs pass `lamport-lab analyze`, that every
 * RECEIVE has its SEND, that a stranger on another address is refused (host check and secret), and that
 * the namespaces are always deleted. Needs root and iproute2; elsewhere it is skipped with the reason
 * printed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { readLogDir } from '../helpers/logs.js';
import { NetnsStar, netnsAvailability } from '../helpers/netns.js';
import { isCi } from '../helpers/systemTool.js';
import { logProblems } from '../helpers/wire.js';

const availability = netnsAvailability();
// the system-tool rule (test/helpers/systemTool.ts): skipped with the reason outside CI, a failure under CI
if (!availability.ok && isCi()) throw new Error(`netns.e2e.test.ts cannot run under CI: ${availability.reason}`);
if (!availability.ok) console.warn(`netns.e2e.test.ts SKIPPED: ${availability.reason}`);

const MACHINES = 3;
const PORT = 5001; // the same port on every host: they are different hosts

describe.skipIf(!availability.ok)('machines on separate hosts (network namespaces)', () => {
  let star: NetnsStar | null = null;

  afterAll(async () => {
    if (!star) return;
    await star.killAll();
    const failed = star.destroy();
    const left = star.leftovers();
    expect(failed, 'namespaces that could not be deleted').toEqual([]);
    expect(left, 'namespaces left behind').toEqual([]);
  });

  it('connect across the bridge, keep every invariant, and refuse a stranger', async () => {
    const s = new NetnsStar(MACHINES);
    star = s;
    const dir = mkdtempSync(join(tmpdir(), 'lamport-lab-netns-'));
    const config = { machines: s.hosts.map((h, i) => ({ id: i + 1, host: h.address, port: PORT })) };
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const secretPath = join(dir, 'secret');
    writeFileSync(secretPath, 'netns test secret\n', { mode: 0o600 });
    const logDir = join(dir, 'logs');

    const machines = s.hosts.map((h, i) =>
      s.spawn(h.ns, process.execPath, [BIN, 'run-machine', String(i + 1), '--config', configPath, '--log-dir', logDir, '--secret-file', secretPath, '--duration', '3', '--seed', String(40 + i), '--quiet'], dir),
    );
    for (const [i, m] of machines.entries()) await m.waitFor(new RegExp(`machine ${i + 1} listening on 192\\.0\\.2\\.${11 + i}:${PORT}`));
    for (const m of machines) await m.waitFor(/ready: connected to 2\/2 peers/);

    // a stranger on the same bridge at another address, claiming to be machine 2 (with no proof)
    const stranger = s.addHost(`${s.hub.slice(0, -4)}-x`, '192.0.2.99', 'vx');
    // 1st connection: no proof; 2nd: a valid proof (it knows the secret) but from the wrong address
    const probe = `
      const net = require('node:net'), crypto = require('node:crypto');
      const attempt = (withProof) => new Promise((done) => {
        const s = net.connect(${PORT}, '${s.hosts[0]!.address}');
        let buf = '', sent = false;
        s.on('data', (d) => {
          buf += d;
          if (sent || !buf.includes('\\n')) return;
          sent = true;
          const nonce = JSON.parse(buf.split('\\n')[0]).nonce;
          const proof = crypto.createHmac('sha256', 'netns test secret').update(nonce + ':2:1').digest('hex');
          s.write(JSON.stringify(withProof ? { type: 'hello', from: 2, proof } : { type: 'hello', from: 2 }) + '\\n');
        });
        s.on('close', () => { console.log('stranger ' + (withProof ? 'with' : 'without') + ' proof closed after ' + buf.split('\\n').length + ' line(s)'); done(); });
        s.on('error', (e) => console.log('stranger error ' + e.code));
      });
      attempt(false).then(() => attempt(true));`;
    const st = s.spawn(stranger.ns, process.execPath, ['-e', probe], dir);
    await st.waitFor(/stranger with proof closed/);
    expect(st.lines.filter((l) => /closed after 2 line/.test(l)), st.lines.join('\n')).toHaveLength(2); // challenge only, no welcome

    const results = await Promise.all(machines.map((m) => m.proc));
    for (const r of results) expect(r.exitCode, r.all).toBe(0);

    const logs = readLogDir(logDir);
    expect([...logs.keys()].sort()).toEqual([1, 2, 3]);
    const sends = new Map<string, string>();
    for (const rows of logs.values()) for (const r of rows) if (r.event === 'SEND') sends.set(r.msg_id, r.peer);
    let receives = 0;
    for (const [id, rows] of logs) {
      expect(logProblems(rows, id)).toEqual([]);
      for (const r of rows.filter((x) => x.event === 'RECEIVE')) {
        receives++;
        expect(sends.get(r.msg_id)?.split(';'), `RECEIVE ${r.msg_id} at ${id} has its SEND to ${id}`).toContain(String(id));
      }
      const connected = new Set(rows.filter((r) => r.event === 'CONNECT' && r.detail.includes('dir=out')).map((r) => r.peer));
      expect(connected, `machine ${id} connected out to both peers`).toEqual(new Set(['1', '2', '3'].filter((p) => p !== String(id))));
      expect(rows.at(-1)!.event).toBe('STOP');
    }
    expect(receives).toBeGreaterThan(0);

    // the stranger was refused twice and logged by machine 1: no proof, then the wrong host
    const refused = logs.get(1)!.filter((r) => r.event === 'ERROR' && r.detail.includes('remote=192.0.2.99:'));
    expect(refused.map((r) => /reason=(\S+)/.exec(r.detail)?.[1])).toEqual(['missing_proof', 'host_mismatch']);
    expect(refused[1]!.detail).toContain(`expected=${s.hosts[1]!.address}`);

    // and the analyzer agrees
    const analyze = await import('execa').then(({ execa }) =>
      execa(process.execPath, [BIN, 'analyze', '--log-dir', logDir], { cwd: ROOT, reject: false, all: true }),
    );
    expect(analyze.exitCode, analyze.all).toBe(0);
  });
});

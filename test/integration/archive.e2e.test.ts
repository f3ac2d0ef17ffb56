/**
 * Never touch a live run's files, and one earlier run is one archive folder,
 * with real processes on free loopback ports in temp dirs: a second start-all on a live run's log
 * directory refuses (lock file) before archiving anything; a stale lock is taken over; a run-machine
 * outside the live run is refused too; in three-terminal mode the machines of a new run archive
 * their predecessors into one folder, the shared files (critical_section.log, faults.csv) with them.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { readLogDir } from '../helpers/logs.js';

afterEach(killAll);

const LOCK = '.lamport-lab.lock';

describe('a live run holds its log directory', () => {
  it('a second start-all on the same log dir refuses before archiving anything (exit 3)', async () => {
    const c = await tempCluster(2);
    const first = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '6', '-q'], c.dir);
    await first.waitFor(/all 2 machines ready/, 30_000);
    const before = readdirSync(c.logDir).sort();
    expect(before).toEqual([LOCK, 'log_1.csv', 'log_2.csv']);
    const second = await runCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '2', '-q'], c.dir, 25_000);
    expect(second.timedOut, `second start-all hung:\n${second.all}`).toBe(false);
    expect(second.exitCode).toBe(3);
    expect(second.all).toMatch(new RegExp(`is in use by a running start-all \\(pid ${first.proc.pid}`));
    // the live run's files were not moved
    expect(readdirSync(c.logDir).sort()).toEqual(before);
    const r = await first.proc;
    expect(r.exitCode).toBe(0);
    expect(readdirSync(c.logDir).sort()).toEqual(['log_1.csv', 'log_2.csv']); // lock released
    const logs = readLogDir(c.logDir);
    for (const rows of logs.values()) expect(rows.at(-1)?.event).toBe('STOP');
  });

  it('a run-machine outside the live run (another config, same log dir) is refused (exit 3)', async () => {
    const c = await tempCluster(2);
    const other = await tempCluster(1);
    const first = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '5', '-q'], c.dir);
    await first.waitFor(/all 2 machines ready/, 30_000);
    const r = await runCli(['run-machine', '1', '--config', other.configPath, '--log-dir', c.logDir, '--duration', '1'], other.dir, 20_000);
    expect(r.exitCode).toBe(3);
    expect(r.all).toMatch(/is in use by a running start-all/);
    expect((await first.proc).exitCode).toBe(0);
  });

  it('a stale lock (its process is gone) is taken over', async () => {
    const c = await tempCluster(2);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(c.logDir, { recursive: true });
    // pid 2^22+1 is above the largest pid Linux allows (2^22): no such process
    writeFileSync(join(c.logDir, LOCK), JSON.stringify({ pid: 4194305, started: '2026-01-01T00:00:00.000Z', command: 'start-all' }));
    const r = await runCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', '1', '-q'], c.dir, 40_000);
    expect(r.exitCode, r.all).toBe(0);
    expect(existsSync(join(c.logDir, LOCK))).toBe(false);
    expect(readLogDir(c.logDir).size).toBe(2);
  });
});

describe('three terminals: one earlier run, one archive folder', () => {
  /** Runs machines 1..3 by hand, one after the other as in three terminals, until they stop. */
  async function threeTerminals(configPath: string, dir: string, logDir: string, duration: string): Promise<void> {
    const procs = [];
    for (const id of [1, 2, 3]) {
      const m = startCli(
        ['run-machine', String(id), '--config', configPath, '--log-dir', logDir, '--duration', duration, '-q', '--algorithm', 'mutex', '--cs-probability', '1', '--cs-ticks', '1', '--seed', String(id)],
        dir,
      );
      await m.waitFor(/listening on/);
      procs.push(m);
    }
    for (const m of procs) expect((await m.proc).exitCode, m.lines.join('\n')).toBe(0);
  }

  it('the machines of a second run move the whole first run, shared files included, into one folder', async () => {
    const c = await tempCluster(3);
    await threeTerminals(c.configPath, c.dir, c.logDir, '3');
    // an earlier faults.csv beside the logs (e.g. a start-all with faults wrote it) belongs to that run too
    writeFileSync(join(c.logDir, 'faults.csv'), 'time,epoch_ms,fault,machine,detail\n');
    const firstRun = new Map([...readLogDir(c.logDir)].map(([id, rows]) => [id, rows.length]));
    const firstShared = readFileSync(join(c.logDir, 'critical_section.log'), 'utf8');
    expect(firstShared.length).toBeGreaterThan(0);

    await threeTerminals(c.configPath, c.dir, c.logDir, '2');
    const archive = join(c.logDir, 'archive');
    const folders = readdirSync(archive);
    expect(folders).toHaveLength(1);
    const folder = join(archive, folders[0]!);
    expect(readdirSync(folder).sort()).toEqual(['critical_section.log', 'faults.csv', 'log_1.csv', 'log_2.csv', 'log_3.csv']);
    expect(new Map([...readLogDir(folder)].map(([id, rows]) => [id, rows.length]))).toEqual(firstRun);
    expect(readFileSync(join(folder, 'critical_section.log'), 'utf8')).toBe(firstShared);
    // the archived run is analysable on its own, and so is the new one
    const old = await runCli(['analyze', '--log-dir', folder], c.dir);
    expect(old.exitCode, old.all).toBe(0);
    const now = await runCli(['analyze', '--log-dir', c.logDir], c.dir);
    expect(now.exitCode, now.all).toBe(0);
    expect(readdirSync(c.logDir).filter((n) => n !== 'archive').sort()).toEqual(['critical_section.log', 'log_1.csv', 'log_2.csv', 'log_3.csv']);
  });
});

/**
 * Archive grouping on the file system (in-process, temp dirs): earlier runs that did not overlap in
 * time go to separate folders, machines of one run to one folder even when archived one by one, and
 * a log whose machine is still running is never moved.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveMachineLog, archiveRun } from '../../src/runtime/log/archive.js';

const HEADER = 'time,epoch_ms,machine,event,lamport,vector,queue_len,peer,msg_id,detail\n';

/** A log of machine `id` from `from` to `to` (epoch ms); `pid` in START; STOP unless `running`. */
function log(dir: string, id: number, from: number, to: number, pid = 4194305, running = false, host?: string): void {
  const row = (t: number, event: string, detail = '') => `${new Date(t).toISOString()},${t},${id},${event},0,${id}:0,0,,,${detail}\n`;
  const start = `seed=1 tick_rate=1 algorithm=workload pid=${pid}` + (host ? ` host=${host}` : '');
  writeFileSync(join(dir, `log_${id}.csv`), HEADER + row(from, 'START', start) + row(to, running ? 'INTERNAL' : 'STOP', running ? '' : 'reason=duration'));
}

function tempLogDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'lamport-lab-archive-')), 'logs');
  mkdirSync(dir);
  return dir;
}

describe('archive folders', () => {
  it('two earlier runs that did not overlap go to two folders, each whole', () => {
    const dir = tempLogDir();
    const a = Date.UTC(2026, 0, 1, 10, 0, 0);
    const b = a + 3_600_000;
    // an interrupted three-terminal restart: machine 1 of a later run beside machines 2 and 3 of an earlier one
    log(dir, 1, b, b + 5000);
    log(dir, 2, a + 200, a + 60_000);
    log(dir, 3, a, a + 60_000);
    archiveRun(dir);
    const folders = readdirSync(join(dir, 'archive')).sort();
    expect(folders).toHaveLength(2);
    expect(readdirSync(join(dir, 'archive', folders[0]!)).sort()).toEqual(['log_2.csv', 'log_3.csv']);
    expect(readdirSync(join(dir, 'archive', folders[1]!)).sort()).toEqual(['log_1.csv']);
  });

  it('machines archived one by one join their run’s folder; the shared file moves with the first', () => {
    const dir = tempLogDir();
    const a = Date.UTC(2026, 0, 1, 10, 0, 0);
    for (const id of [1, 2, 3]) log(dir, id, a + id * 1000, a + 30_000);
    writeFileSync(join(dir, 'critical_section.log'), '');
    archiveMachineLog(dir, join(dir, 'log_2.csv'));
    expect(existsSync(join(dir, 'critical_section.log'))).toBe(false);
    archiveMachineLog(dir, join(dir, 'log_3.csv'));
    archiveMachineLog(dir, join(dir, 'log_1.csv'));
    const folders = readdirSync(join(dir, 'archive'));
    expect(folders).toHaveLength(1);
    expect(readdirSync(join(dir, 'archive', folders[0]!)).sort()).toEqual(['critical_section.log', 'log_1.csv', 'log_2.csv', 'log_3.csv']);
  });

  it('a log its running machine still writes is not moved (LOG_DIR_BUSY), nor the shared files', async () => {
    const dir = tempLogDir();
    // a live process whose command line names lamport-lab, standing in for a running machine
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'lamport-lab', 'run-machine'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const now = Date.now();
      log(dir, 1, now - 5000, now, child.pid!, true);
      log(dir, 2, now - 5000, now - 1000);
      writeFileSync(join(dir, 'critical_section.log'), '');
      expect(() => archiveMachineLog(dir, join(dir, 'log_1.csv'))).toThrow(/being written by a running machine/);
      expect(existsSync(join(dir, 'log_1.csv'))).toBe(true);
      archiveMachineLog(dir, join(dir, 'log_2.csv')); // its own predecessor moves; the shared file stays
      expect(existsSync(join(dir, 'log_2.csv'))).toBe(false);
      expect(existsSync(join(dir, 'critical_section.log'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a peer in another container (another host name: its pid is not visible here) keeps the shared file in place while it runs', () => {
    const dir = tempLogDir();
    const now = Date.now();
    // machine 1 of the same compose run, in its own container: pid 7 means nothing in this pid namespace
    log(dir, 1, now - 2000, now, 7, true, 'container-of-machine-1');
    log(dir, 2, now - 60_000 * 10, now - 60_000 * 9); // this machine's own earlier log
    writeFileSync(join(dir, 'critical_section.log'), 'ENTER 1\n');
    archiveMachineLog(dir, join(dir, 'log_2.csv'));
    expect(existsSync(join(dir, 'log_2.csv'))).toBe(false);
    expect(existsSync(join(dir, 'critical_section.log'))).toBe(true); // machine 1 still appends to it
    // the same peer's log once stopped (down flushed it): the shared file moves with the next archive
    log(dir, 1, now - 2000, now, 7, false, 'container-of-machine-1');
    log(dir, 3, now - 60_000 * 10, now - 60_000 * 9);
    archiveMachineLog(dir, join(dir, 'log_3.csv'));
    expect(existsSync(join(dir, 'critical_section.log'))).toBe(false);
  });
});

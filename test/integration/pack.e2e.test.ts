/**
 * start-all --machines-per-process: 12 real machines in 3 Node processes, still one listener and
 * real TCP sockets per machine, one log per machine. A kill hits one machine of a pack (its process
 * and the other machines in it go on), the restart gets a process of its own, a pause stops one
 * machine's ticks and reads; analyze passes on the logs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogRow } from '../../src/core/logRow.js';
import { killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { readLogDir } from '../helpers/logs.js';

afterEach(killAll);

const detail = (row: LogRow, key: string): string | undefined => row.detail.split(' ').find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1);

describe('start-all --machines-per-process', () => {
  it('12 machines in 3 processes: a kill and restart of one, a pause of another, exact ticks, analyze passes', async () => {
    const c = await tempCluster(12);
    const duration = 5;
    const run = startCli(
      ['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--duration', String(duration), '--seed', '21', '--machines-per-process', '4',
        '--kill', '2@1', '--restart', '2@2', '--pause', '7@1-2', '--quiet'],
      c.dir,
    );
    await run.waitFor(/start-all: 12 machines in 3 processes \(up to 4 machines each\)/);
    await run.waitFor(/all 12 machines ready/, 30_000);
    await run.waitFor(/fault at .*: kill machine 2 control=crash/, 15_000);
    await run.waitFor(/fault at .*: restart machine 2/, 15_000);
    const result = await run.proc;
    expect(result.exitCode, result.all).toBe(0);
    // the crashed machine is not reported as an unexpected exit: it was killed on purpose
    expect(result.all).not.toMatch(/exited unexpectedly/);

    const logs = readLogDir(c.logDir);
    expect([...logs.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // the first START of every machine names its process: 3 processes of 4 machines, in id order
    const firstPid = new Map([...logs].map(([id, rows]) => [id, detail(rows.find((r) => r.event === 'START')!, 'pid')!]));
    const packs = new Map<string, number[]>();
    for (const [id, pid] of firstPid) packs.set(pid, [...(packs.get(pid) ?? []), id]);
    expect([...packs.values()].map((ids) => ids.sort((a, b) => a - b))).toEqual(expect.arrayContaining([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]));
    expect(packs.size).toBe(3);

    // machine 2: crashed without a STOP row, restarted in a fourth process, appended to its log
    const rows2 = logs.get(2)!;
    const starts2 = rows2.filter((r) => r.event === 'START');
    expect(starts2).toHaveLength(2);
    expect(rows2.filter((r) => r.event === 'STOP')).toHaveLength(1);
    expect(rows2.indexOf(rows2.find((r) => r.event === 'STOP')!)).toBeGreaterThan(rows2.indexOf(starts2[1]!));
    const restartPid = detail(starts2[1]!, 'pid')!;
    expect([...packs.keys()]).not.toContain(restartPid);

    // every other machine, the paused one and the ones sharing machine 2's process included,
    // ran its whole duration: ticks exact (missed ticks of a pause are run at once, as after SIGCONT)
    for (const [id, rows] of logs) {
      if (id === 2) continue;
      const stop = rows.at(-1)!;
      expect(stop.event, `machine ${id}`).toBe('STOP');
      expect(detail(stop, 'reason'), `machine ${id}`).toBe('duration');
      const rate = Number(detail(rows.find((r) => r.event === 'START')!, 'tick_rate'));
      expect(Number(detail(stop, 'ticks')), `machine ${id} at ${rate}/s`).toBe(rate * duration);
    }
    // machines of one process talk over TCP like any others: machine 1 connected to 3 and 4
    const connected1 = new Set(logs.get(1)!.filter((r) => r.event === 'CONNECT').map((r) => r.peer));
    for (const peer of ['3', '4', '5', '12']) expect(connected1, `machine 1 connected to ${peer}`).toContain(peer);
    // machine 2's peers saw its sockets close at the crash
    expect(logs.get(1)!.some((r) => r.event === 'DISCONNECT' && r.peer === '2')).toBe(true);

    const faults = readFileSync(join(c.logDir, 'faults.csv'), 'utf8');
    expect(faults).toMatch(/,kill,2,spec=2@1 control=crash/);
    expect(faults).toMatch(/,pause,7,spec=7@1-2 control=pause until_s=2/);
    expect(faults).toMatch(/,resume,7,spec=7@1-2 control=resume/);
    expect(faults).toMatch(/,restart,2,spec=2@2 mode=append/);

    // the paused machine wrote nothing while paused: no tick, and no message read off its sockets
    const epochOf = (fault: string): number => Number(faults.split('\n').find((l) => l.includes(`,${fault},7,`))!.split(',')[1]);
    const [paused, resumed] = [epochOf('pause'), epochOf('resume')];
    expect(resumed - paused).toBeGreaterThan(800);
    const duringPause = logs.get(7)!.filter((r) => r.epoch_ms > paused + 50 && r.epoch_ms < resumed - 50);
    expect(duringPause.map((r) => r.event)).toEqual([]);
    expect(logs.get(7)!.some((r) => r.event === 'RECEIVE' && r.epoch_ms >= resumed)).toBe(true);

    const analyzed = await runCli(['analyze', '--log-dir', c.logDir], c.dir);
    expect(analyzed.exitCode, analyzed.all).toBe(0);
    expect(analyzed.all).toMatch(/All invariants hold/);
  }, 90_000);
});

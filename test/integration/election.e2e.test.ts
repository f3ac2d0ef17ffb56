/**
 * End-to-end: real machine processes under start-all.
 * - Ring election, five machines, the leader SIGKILLed 8 s after all are ready (`--kill leader@8`).
 *   Checks faults.csv, that exactly one new leader is followed by every survivor, that recovery
 *   took no longer than the leader timeout plus a heartbeat, a tick and a ring pass, and that
 *   `analyze` passes (exit 0) with the election checks.
 * - Ring and bully, three machines, machine 3 cut off by an injected partition from 1.5 s to 4 s
 *   (`--partition "3|1,2@1.5-4"`: over TCP the links stay up and sends across the cut are dropped,
 *   so the machines see silence). Machine 3 leads itself meanwhile; after the heal every machine
 *   follows the highest-ranked one again within a leader timeout and a few heartbeats, and
 *   `analyze` passes (partition rows in faults.csv excuse the two leaders while it lasted).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electionReport, type ElectionLog } from '../../src/analysis/electionChecks.js';
import { parseFaultsCsv } from '../../src/core/faultsFile.js';
import { killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { readLogDir } from '../helpers/logs.js';

afterEach(killAll);

describe('ring election over TCP with the leader killed', () => {
  it('elects one new leader within the leader timeout plus a ring pass; analyze passes', async () => {
    const c = await tempCluster(5);
    const sa = startCli(
      ['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--algorithm', 'election', '--kill', 'leader@8', '--duration', '20', '--seed', '42', '--quiet'],
      c.dir,
    );
    await sa.waitFor(/all 5 machines ready/, 30_000);
    const killLine = await sa.waitFor(/fault at [\d.]+ s: kill machine \d+ \(the leader\)/, 20_000);
    const killed = Number(/kill machine (\d+)/.exec(killLine)![1]);
    const r = await sa.proc;
    expect(r.exitCode, r.all).toBe(0);

    const faultsPath = join(c.logDir, 'faults.csv');
    expect(existsSync(faultsPath)).toBe(true);
    const faults = parseFaultsCsv(readFileSync(faultsPath, 'utf8'));
    expect(faults).toMatchObject([{ fault: 'kill', machine: killed }]);
    expect(faults[0]!.detail).toMatch(/who=leader signal=SIGKILL/);

    const rows = readLogDir(c.logDir);
    expect(rows.size).toBe(5);
    const logs: ElectionLog[] = [...rows].map(([id, list]) => ({
      file: `log_${id}.csv`,
      machine: id,
      rows: list.map((row, i) => ({ line: i + 2, epochMs: row.epoch_ms, event: row.event, detail: row.detail, peer: row.peer })),
    }));
    const report = electionReport(logs, faults);
    // the killed machine really was everybody's leader, and one new leader followed by all survivors
    expect(report.recoveries).toHaveLength(1);
    const rec = report.recoveries[0]!;
    expect(rec.machine).toBe(killed);
    expect(rec.newLeader).not.toBeNull();
    expect(rec.newLeader).not.toBe(killed);
    expect([...report.finalLeaders.keys()].sort()).toEqual([1, 2, 3, 4, 5].filter((id) => id !== killed));
    expect(new Set(report.finalLeaders.values())).toEqual(new Set([rec.newLeader]));
    // detection (timeout after a check sent within a heartbeat) + a tick (≤ 1 s) + one ring pass (≤ 1 s here)
    expect(rec.ms!).toBeGreaterThanOrEqual(report.leaderTimeoutMs);
    expect(rec.ms!).toBeLessThanOrEqual(report.leaderTimeoutMs + report.heartbeatMs + 2000);
    const newLeaderRows = [...rows.values()].flat().filter((row) => row.event === 'LEADER' && row.epoch_ms > faults[0]!.epochMs);
    expect(new Set(newLeaderRows.map((row) => row.detail.split(' ')[0]))).toEqual(new Set([`leader=${rec.newLeader}`]));

    const analyzed = await runCli(['analyze', '--log-dir', c.logDir, '--json'], c.dir);
    expect(analyzed.exitCode, analyzed.all).toBe(0);
    const result = JSON.parse(analyzed.stdout) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(result.ok).toBe(true);
    expect(result.checks.filter((ch) => ch.name.startsWith('election-')).map((ch) => [ch.name, ch.ok])).toEqual([
      ['election-agreement', true],
      ['election-uniqueness', true],
      ['election-recovery', true],
    ]);
  }, 90_000);
});

describe('ring and bully over TCP across a partition that heals', () => {
  it.each(['bully', 'election'])('%s: one leader again soon after the heal; analyze passes', async (algorithm) => {
    const c = await tempCluster(3);
    const sa = startCli(
      [
        'start-all', '--config', c.configPath, '--log-dir', c.logDir, '--algorithm', algorithm,
        '--heartbeat', '0.3', '--leader-timeout', '1', '--partition', '3|1,2@1.5-4', '--duration', '10', '--seed', '4', '--quiet',
      ],
      c.dir,
    );
    const r = await sa.proc;
    expect(r.exitCode, r.all).toBe(0);

    const faults = parseFaultsCsv(readFileSync(join(c.logDir, 'faults.csv'), 'utf8'));
    expect(faults.map((f) => f.fault)).toEqual(['partition', 'heal']);
    const rows = readLogDir(c.logDir);
    const logs: ElectionLog[] = [...rows].map(([id, list]) => ({
      file: `log_${id}.csv`,
      machine: id,
      rows: list.map((row, i) => ({ line: i + 2, epochMs: row.epoch_ms, event: row.event, detail: row.detail, peer: row.peer })),
    }));
    const report = electionReport(logs, faults);
    // seed 4: machine 2 ranks highest; cut off, machine 3 elected itself
    expect(report.expectedLeader).toBe(2);
    const partitionAt = faults[0]!.epochMs;
    const selfLed = rows.get(3)!.some((row) => row.event === 'LEADER' && row.detail.startsWith('leader=3 ') && row.epoch_ms > partitionAt);
    expect(selfLed, 'machine 3 led itself once cut off').toBe(true);
    expect(rows.get(3)!.some((row) => row.event === 'DROP' && row.detail.includes('reason=partitioned'))).toBe(true);
    // after the heal: one leader, the highest, within a leader timeout and a few heartbeats
    expect(report.healRecoveries).toHaveLength(1);
    const heal = report.healRecoveries[0]!;
    expect(heal.leader).toBe(2);
    expect(heal.ms!).toBeLessThanOrEqual(report.leaderTimeoutMs + 3 * report.heartbeatMs);
    expect(new Set(report.finalLeaders.values())).toEqual(new Set([2]));

    const analyzed = await runCli(['analyze', '--log-dir', c.logDir, '--json'], c.dir);
    expect(analyzed.exitCode, analyzed.all).toBe(0);
    const result = JSON.parse(analyzed.stdout) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(result.checks.filter((ch) => ch.name.startsWith('election-')).map((ch) => [ch.name, ch.ok])).toEqual([
      ['election-agreement', true],
      ['election-uniqueness', true],
      ['election-recovery', true],
    ]);
  }, 60_000);
});

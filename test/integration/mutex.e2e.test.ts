/**
 * Mutual exclusion with real processes: start-all on free loopback ports in a temp dir, then
 * `analyze` (exit 0) and the shared-file check; one run kills a machine inside its critical section
 * and shows the others going on after the failure timeout. Needs the compiled CLI (npm run build).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKERS } from '../../src/analysis/checkers.js';
import { mutexSummary } from '../../src/analysis/mutexChecks.js';
import { analyzeLogDir, loadRun } from '../../src/runtime/log/analyzeLogDir.js';
import { withSharedFileChecker } from '../../src/runtime/log/sharedResourceFile.js';
import { killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { readLogDir } from '../helpers/logs.js';

afterEach(killAll);

async function analyzeWithSharedFile(logDir: string) {
  const result = await analyzeLogDir(logDir, withSharedFileChecker(logDir, CHECKERS));
  const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${JSON.stringify(c.examples)}`);
  return { result, failed };
}

describe('mutual exclusion over TCP', () => {
  it('mutex: 5 processes, one SIGKILLed inside its critical section; analyze passes and the others go on', async () => {
    const c = await tempCluster(5);
    const duration = 20;
    const run = startCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--algorithm', 'mutex', '--duration', String(duration), '--seed', '4242', '--failure-timeout', '2'], c.dir);
    await run.waitFor(/all 5 machines ready/, 20_000);
    // kill machine 3 the moment it is seen entering (after a few seconds of normal running)
    await run.waitFor(/^\[3\] .*CS_ENTER/, 15_000);
    const start = readLogDir(c.logDir).get(3)!.find((r) => r.event === 'START')!;
    const pid = Number(/pid=(\d+)/.exec(start.detail)![1]);
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    const result = await run.proc;
    expect(result.all).toMatch(/machine 3 exited unexpectedly/);

    const analyze = await runCli(['analyze', '--log-dir', c.logDir], c.dir);
    expect(analyze.exitCode, analyze.all).toBe(0);
    expect(analyze.all).toMatch(/PASS\s+mutex-safety/);
    const { result: analysis, failed } = await analyzeWithSharedFile(c.logDir);
    expect(failed).toEqual([]);
    expect(analysis.checks.some((k) => k.name === 'mutex-shared-file' && k.ok)).toBe(true);

    const logs = readLogDir(c.logDir);
    for (const id of [1, 2, 4, 5]) {
      const rows = logs.get(id)!;
      expect(rows.some((r) => r.event === 'MEMBER_DOWN' && r.peer === '3'), `machine ${id} drops 3`).toBe(true);
    }
    const laterEntries = [1, 2, 4, 5].flatMap((id) => logs.get(id)!.filter((r) => r.event === 'CS_ENTER' && r.epoch_ms > killedAt + 2000));
    expect(laterEntries.length).toBeGreaterThan(3);
    const lines = readFileSync(join(c.logDir, 'critical_section.log'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
  });

  it('ricart-agrawala: 3 processes, analyze passes with 2(N−1) messages per entry', async () => {
    const c = await tempCluster(3);
    const r = await runCli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--algorithm', 'ricart-agrawala', '--duration', '6', '--seed', '77', '--quiet', '--cs-probability', '0.4'], c.dir);
    expect(r.exitCode, r.all).toBe(0);
    const analyze = await runCli(['analyze', '--log-dir', c.logDir], c.dir);
    expect(analyze.exitCode, analyze.all).toBe(0);
    const { failed } = await analyzeWithSharedFile(c.logDir);
    expect(failed).toEqual([]);
    const summary = mutexSummary(await loadRun(c.logDir));
    expect(summary.entries).toBeGreaterThan(3);
    expect(summary.messageBound).toBe(4);
    expect(summary.messagesPerEntry).toBe(4);
  });
});

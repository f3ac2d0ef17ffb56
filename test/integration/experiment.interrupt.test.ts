/**
 * `experiment`: every --setting is validated before the first trial runs,
 * and Ctrl-C (SIGINT) after some trials prints and writes the comparison of the completed trials,
 * then exits 130. Real processes (the compiled CLI); waits for output, never sleeps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, runCli, startCli, tempCluster } from '../helpers/cli.js';

afterEach(killAll);

describe('experiment', () => {
  it('rejects a bad --setting before the first trial runs, naming the setting', async () => {
    const c = await tempCluster(3);
    const cases: [string, RegExp][] = [
      ['fast=--max-tick-rate 9', /setting "fast" \(--max-tick-rate 9\): option '--max-tick-rate <n>' argument '9' is invalid/],
      ['typo=--max-tickrate 2', /setting "typo" \(--max-tickrate 2\): unknown option '--max-tickrate'/],
      ['ghost=--kill 9@1', /setting "ghost" \(--kill 9@1\): .*machine 9 is not in the config/],
      ['algo=--algorithm paxos', /setting "algo" \(--algorithm paxos\): unknown algorithm "paxos"/],
      ['mix=--cs-probability 0.5', /setting "mix" .*--cs-probability is an option of --algorithm mutex or ricart-agrawala, not of workload/],
    ];
    for (const [setting, re] of cases) {
      const r = await runCli(['experiment', '--config', c.configPath, '--log-dir', c.logDir, '--trials', '1', '--duration', '0.5', '--setting', 'ok=--internal-max 4', '--setting', setting], c.dir);
      expect(r.exitCode, r.all).toBe(2);
      expect(r.all).toMatch(/^lamport-lab: error: /m);
      expect(r.all).toMatch(re);
      // nothing ran: not even the first built-in setting's first trial
      expect(existsSync(join(c.logDir, 'experiments', 'default', 'trial-1')), setting).toBe(false);
    }
  }, 120_000);

  it('Ctrl-C after the first trial: prints and writes the comparison of the completed trials, exits 130', async () => {
    const c = await tempCluster(3);
    const run = startCli(['experiment', '--config', c.configPath, '--log-dir', c.logDir, '--trials', '2', '--duration', '1', '--seed', '5'], c.dir);
    // without a TTY, progress is one line per trial: this one is printed once trial 1 is complete
    await run.waitFor(/\] 1\/6 trials/, 60_000);
    run.proc.kill('SIGINT');
    const result = await run.proc;
    const out = run.lines.join('\n');
    expect(result.exitCode, out).toBe(130);
    expect(out).toMatch(/experiment: interrupted after 1 of 6 trials; default trial 2 \(logs in .*trial-2\) was stopped and is not counted/);
    const rows = run.lines.filter((l) => /^\S+\s+\d+\s+[\d.]+\s/.test(l) && !l.startsWith('setting'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^default\s+1\s/);
    const html = readFileSync(join(c.logDir, 'experiments', 'report.html'), 'utf8');
    expect(html).toContain('<table id="comparison">');
    expect(html).toContain('default/trial-1/report.html');
    expect(html).not.toContain('default/trial-2/report.html');
    expect(html).toMatch(/interrupted: 1 of 6 trials completed/);
    expect(out).toMatch(/experiment: wrote .*report\.html/);
  }, 120_000);
});

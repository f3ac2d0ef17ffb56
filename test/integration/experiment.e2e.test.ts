/**
 * `experiment` end to end with tiny durations: folders per setting and trial, comparison table,
 * combined report, and tick rates reproducible from the seed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveSeed } from '../../src/core/rng.js';
import { setupMachine } from '../../src/runtime/host/machineSetup.js';
import { parseSetting } from '../../src/cli/commands/experiment.js';
import { killAll, runCli, tempCluster } from '../helpers/cli.js';
import { readLogDir } from '../helpers/logs.js';

afterEach(killAll);

describe('experiment', () => {
  it('runs every setting, compares them and writes a combined report', async () => {
    const c = await tempCluster(3);
    const r = await runCli(
      ['experiment', '--config', c.configPath, '--log-dir', c.logDir, '--trials', '2', '--duration', '0.6', '--seed', '40', '--setting', 'slow=--max-tick-rate 2'],
      c.dir,
      180_000,
    );
    expect(r.exitCode, r.all).toBe(0);
    const table = r.all!.split('\n').filter((l) => /^(default|small-rate-variation|fewer-internal|slow)\s+2\s/.test(l));
    expect(table).toHaveLength(4);
    expect(r.all).toMatch(/4\/8 trials|8\/8 trials/);
    for (const setting of ['default', 'small-rate-variation', 'fewer-internal', 'slow']) {
      for (const k of [1, 2]) {
        const dir = join(c.logDir, 'experiments', setting, `trial-${k}`);
        const logs = readLogDir(dir);
        expect(logs.size, dir).toBe(3);
        expect(existsSync(join(dir, 'report.html'))).toBe(true);
        for (const [id, rows] of logs) {
          const start = rows.find((row) => row.event === 'START')!;
          const rate = Number(/tick_rate=(\d+)/.exec(start.detail)![1]);
          // the same seed reproduces the same tick rates: recompute from the trial's seed
          const min = setting === 'small-rate-variation' ? 5 : 1;
          const max = setting === 'small-rate-variation' ? 6 : setting === 'slow' ? 2 : 6;
          expect(rate).toBe(setupMachine(deriveSeed(40 + k - 1, id), { max, min }).tickRate);
        }
      }
    }
    const html = readFileSync(join(c.logDir, 'experiments', 'report.html'), 'utf8');
    expect(html).toContain('<table id="comparison">');
    expect(html.match(/<figure class="boxplot"/g)).toHaveLength(5); // one box plot per figure (spread across trials)
    expect(html).toContain('slow/trial-2/report.html');
  }, 180_000);

  it('rejects a malformed --setting with exit 2', async () => {
    expect(() => parseSetting('no-equals-sign')).toThrow(/name=/);
    expect(parseSetting('x=--internal-max 4').args).toEqual(['--internal-max', '4']);
    const c = await tempCluster(3);
    const r = await runCli(['experiment', '--config', c.configPath, '--setting', '=bad'], c.dir);
    expect(r.exitCode).toBe(2);
  });
});

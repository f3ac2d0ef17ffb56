import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/tempDirs.js';
import { BIN } from '../helpers/cli.js';
import { makeRun, writeLogs } from '../helpers/makeLogs.js';

const tempDir = tempDirs('report-cli-');

function cli(args: string[], cwd: string) {
  return execa(process.execPath, [BIN, ...args], { cwd, reject: false, env: { NO_COLOR: '1' } });
}

function logsOf(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((f) => /^log_\d+\.csv$/.test(f))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

function unescapeHtml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

describe('report CLI', () => {
  it("the header's command line replays a simulated run byte for byte (seed recovered, tick rates, crash and restart)", async () => {
    const a = tempDir();
    const sim = await cli(['simulate', '--machines', '3', '--algorithm', 'mutex', '--seed', '1234', '--duration', '8', '--max-tick-rate', '4', '--cs-ticks', '3', '--crash', '2@3s', '--restart', '2@5s', '--log-dir', 'logs'], a);
    expect(sim.exitCode, sim.stderr).toBe(0);
    const rep = await cli(['report', '--log-dir', 'logs', '--out', 'r.html'], a);
    expect(rep.exitCode, rep.stderr).toBe(0);
    const html = readFileSync(join(a, 'r.html'), 'utf8');
    const cmd = unescapeHtml(/data-testid="replay-command">([^<]*)</.exec(html)![1]!);
    expect(cmd).toBe('npx lamport-lab simulate --machines 3 --algorithm mutex --max-tick-rate 4 --cs-ticks 3 --seed 1234 --duration 8 --crash 2@3s --restart 2@5s');
    expect(html).toContain('data-testid="run-seed">1234<');
    const b = tempDir();
    const again = await cli([...cmd.split(' ').slice(2), '--log-dir', 'logs'], b);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(logsOf(join(b, 'logs'))).toEqual(logsOf(join(a, 'logs')));
  }, 60_000);

  it('refuses logs above --max-log-mb with one line naming their size (exit 3, no stack trace), and reports them under it', async () => {
    const dir = tempDir();
    writeLogs(join(dir, 'logs'), makeRun({ machines: 4, steps: 6000, seed: 3 }));
    const bytes = readdirSync(join(dir, 'logs')).reduce((s, f) => s + statSync(join(dir, 'logs', f)).size, 0);
    expect(bytes).toBeGreaterThan(4e5);
    const refused = await cli(['report', '--log-dir', 'logs', '--out', 'r.html', '--max-log-mb', '0.3'], dir);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(new RegExp(`logs holds ${(bytes / 1e6).toFixed(1)} MB of logs`));
    expect(refused.stderr).toContain('--max-log-mb');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const ok = await cli(['report', '--log-dir', 'logs', '--out', 'r.html', '--max-log-mb', '50', '--max-diagram-rows', '5000'], dir);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toContain('data-testid="diagram-cut"');
    const [, shown, total] = /\(([\d,]+) of ([\d,]+) rows\)/.exec(html)!.map((v) => Number(v.replace(/,/g, '')));
    expect(shown).toBeLessThanOrEqual(5000);
    expect(shown).toBeGreaterThan(4000);
    expect(total).toBeGreaterThan(6000);
  }, 60_000);
});

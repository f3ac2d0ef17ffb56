import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/tempDirs.js';
import { runSimulateCommand, type RawSimulateOptions, TEST_HOOKS_ENV } from '../../src/cli/commands/simulate.js';
import { parseDelaySpec } from '../../src/faults/delay.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'lamport-lab.js');
/** The binary runs the build in dist/ (npm test builds first). */
const built = existsSync(join(root, 'dist', 'cli', 'commands', 'simulate.js'));

const tempDir = tempDirs('sim-cli-');

function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  return execa(process.execPath, [bin, 'simulate', ...args], { cwd, reject: false, env: { NO_COLOR: '1', ...env } });
}

function readLogs(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((f) => /^log_\d+\.csv$/.test(f))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

describe.skipIf(!built)('lamport-lab simulate (binary)', () => {
  it('writes the same logs for the same seed, archives the earlier run, prints seed and summary', async () => {
    const cwd = tempDir();
    const args = ['--machines', '4', '--duration', '15', '--seed', '9', '--delay', 'exp:10ms', '--loss', '0.02', '--crash', '2@3s', '--restart', '2@6s', '--partition', '1,2|3,4@8s-10s'];
    const a = await cli(args, cwd);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(a.stdout).toContain('seed 9 (replay with --seed 9)');
    expect(a.stdout).toMatch(/events in [\d.]+ s wall \(\d+ events\/s\); messages: \d+ sends/);
    const first = readLogs(join(cwd, 'logs'));
    expect([...first.keys()].sort()).toEqual(['log_1.csv', 'log_2.csv', 'log_3.csv', 'log_4.csv']);
    const b = await cli(args, cwd);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(b.stdout).toContain('earlier logs moved to');
    const second = readLogs(join(cwd, 'logs'));
    for (const [f, text] of first) expect(second.get(f), f).toBe(text);
    expect(readdirSync(join(cwd, 'logs', 'archive'))).toHaveLength(1);

    const analyze = await execa(process.execPath, [bin, 'analyze', '--log-dir', 'logs'], { cwd, reject: false });
    expect(analyze.exitCode, analyze.stdout + analyze.stderr).toBe(0);
  });

  it('--no-logs writes nothing; a random seed is printed', async () => {
    const cwd = tempDir();
    const r = await cli(['--machines', '50', '--duration', '5', '--no-logs'], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/seed \d+ \(replay with --seed \d+\)/);
    expect(existsSync(join(cwd, 'logs'))).toBe(false);
  });

  it('--check passes on a few seeds (exit 0) and reports a broken seed with its replay (exit 1)', async () => {
    const cwd = tempDir();
    const ok = await cli(['--check', '--seeds', '5', '--seed', '1', '--duration', '10', '--crash', '3@2s', '--restart', '3@4s'], cwd);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('5 seeds, 0 failed');
    expect(existsSync(join(cwd, 'logs'))).toBe(false);

    const bad = await cli(['--check', '--seeds', '4', '--seed', '1', '--duration', '10', '--inject-bug', 'lamport-skip'], cwd, { [TEST_HOOKS_ENV]: '1' });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain('FAIL seed 3: lamport-rules');
    expect(bad.stdout).toMatch(/replay: lamport-lab simulate .*--check --seeds 1 --inject-bug lamport-skip --seed 3/);
    expect(bad.stdout).toContain('4 seeds, 1 failed');
  });

  it('rejects bad specs with exit 2', async () => {
    const cwd = tempDir();
    for (const args of [['--delay', 'normal:5ms'], ['--crash', '7@1s'], ['--restart', '1@1s'], ['--partition', '1|1@1s'], ['--machines', '10001'], ['--check', '--inject-bug', 'lamport-skip']]) {
      const r = await cli(args, cwd);
      expect(r.exitCode, args.join(' ')).toBe(2);
    }
  });
  it('takes start-all\'s --kill and --pause: a killed machine stops writing, a paused one is silent, analyze passes', async () => {
    const cwd = tempDir();
    const res = await cli(['--machines', '3', '--duration', '12', '--seed', '5', '--kill', '2@3', '--pause', '3@5-8'], cwd);
    expect(res.exitCode, res.stderr).toBe(0);
    const rows = (id: number): string[][] => readFileSync(join(cwd, 'logs', `log_${id}.csv`), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const times = (r: string[][]): number[] => r.map((x) => Number(x[1]));
    const maxGap = (t: number[]): number => t.slice(1).reduce((g, x, k) => Math.max(g, x - t[k]!), 0);
    const [m1, m2, m3] = [rows(1), rows(2), rows(3)];
    // killed: no STOP row (as after SIGKILL), nothing written after the kill
    expect(m2.some((r) => r[3] === 'STOP')).toBe(false);
    expect(times(m2).at(-1)! - times(m2)[0]!).toBeLessThan(3500);
    // paused 5-8 s: one silence of about the pause, where the unpaused machine never pauses that long
    expect(maxGap(times(m3))).toBeGreaterThanOrEqual(2500);
    expect(maxGap(times(m1))).toBeLessThan(2500);
    expect(m3.at(-1)![3]).toBe('STOP');
    // the held ticks run at the resume: time in every log never goes back
    for (const m of [m1, m2, m3]) expect(times(m).every((t, k, a) => k === 0 || t >= a[k - 1]!)).toBe(true);
    const analyze = await execa(process.execPath, [bin, 'analyze', '--log-dir', join(cwd, 'logs')], { reject: false, env: { NO_COLOR: '1' } });
    expect(analyze.exitCode, analyze.stdout + analyze.stderr).toBe(0);
  });

  it('a mutex run writes critical_section.log like a real run: one ENTER/LEAVE line per CS_ENTER/CS_EXIT row, checked by analyze', async () => {
    const cwd = tempDir();
    const res = await cli(['--algorithm', 'ricart-agrawala', '--machines', '3', '--duration', '20', '--seed', '3', '--cs-probability', '0.5'], cwd);
    expect(res.exitCode, res.stderr).toBe(0);
    const lines = readFileSync(join(cwd, 'logs', 'critical_section.log'), 'utf8').trim().split('\n');
    const logs = readLogs(join(cwd, 'logs'));
    const count = (event: string): number => [...logs.values()].reduce((n, text) => n + text.split('\n').filter((l) => l.split(',')[3] === event).length, 0);
    expect(count('CS_ENTER')).toBeGreaterThan(3);
    expect(lines.filter((l) => l.startsWith('ENTER'))).toHaveLength(count('CS_ENTER'));
    expect(lines.filter((l) => l.startsWith('LEAVE'))).toHaveLength(count('CS_EXIT'));
    const analyze = await execa(process.execPath, [bin, 'analyze', '--log-dir', join(cwd, 'logs')], { reject: false, env: { NO_COLOR: '1' } });
    expect(analyze.exitCode, analyze.stdout + analyze.stderr).toBe(0);
    expect(analyze.stdout).toMatch(/PASS\s+mutex-shared-file/);
    // a workload run has no shared resource
    const w = await cli(['--machines', '2', '--duration', '3', '--seed', '3', '--log-dir', 'w'], cwd);
    expect(w.exitCode, w.stderr).toBe(0);
    expect(existsSync(join(cwd, 'w', 'critical_section.log'))).toBe(false);
  });
});

describe('simulate command function (no build needed)', () => {
  const base = (over: Partial<RawSimulateOptions> = {}): RawSimulateOptions => ({ machines: 3, delay: parseDelaySpec('uniform:1-20ms'), logs: false, duration: 10, seed: 4, ...over });

  it('runs and summarises', () => {
    const out: string[] = [];
    const code = runSimulateCommand(base(), { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('seed 4');
  });

  it('--check exits 1 on an injected bug and 0 without', () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(runSimulateCommand(base({ check: true, seeds: 3 }), io)).toBe(0);
    const prev = process.env[TEST_HOOKS_ENV];
    process.env[TEST_HOOKS_ENV] = '1';
    try {
      expect(runSimulateCommand(base({ check: true, seeds: 3, seed: 1, injectBug: 'lamport-skip' }), io)).toBe(1);
    } finally {
      if (prev === undefined) delete process.env[TEST_HOOKS_ENV];
      else process.env[TEST_HOOKS_ENV] = prev;
    }
    expect(out.some((l) => l.startsWith('FAIL seed 3'))).toBe(true);
  });
});

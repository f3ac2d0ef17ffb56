/**
 * First contact with the CLI: one error style (`lamport-lab: error: ...`,
 * commander's own errors included), limits stated as they apply, examples in every --help, help
 * texts that agree with the README, inputs that are refused instead of silently misread, and
 * `export`'s default file. Runs the compiled CLI (npm run build first); no machine runs longer
 * than a short `simulate`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/tempDirs.js';
import { BIN, ROOT, tempCluster } from '../helpers/cli.js';

const tempDir = tempDirs('cli-usage-');

function cli(args: string[], cwd: string = tempDir()) {
  return execa(process.execPath, [BIN, ...args], { cwd, reject: false, timeout: 60_000, env: { NO_COLOR: '1' } });
}

const COMMANDS = ['run-machine', 'start-all', 'analyze', 'report', 'export', 'experiment', 'simulate', 'compose'];

describe('one error style', () => {
  it("commander's own errors carry the lamport-lab: error: prefix and exit 2", async () => {
    const unknown = await cli(['foo']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^lamport-lab: error: unknown command 'foo'/);
    const missing = await cli(['run-machine']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^lamport-lab: error: missing required argument 'id'/);
    const badOption = await cli(['analyze', '--no-such-option']);
    expect(badOption.exitCode).toBe(2);
    expect(badOption.stderr).toMatch(/^lamport-lab: error: unknown option '--no-such-option'/);
    const badValue = await cli(['simulate', '--machines', 'x']);
    expect(badValue.exitCode).toBe(2);
    expect(badValue.stderr).toMatch(/^lamport-lab: error: option '--machines <n>' argument 'x' is invalid/);
  });

  it('--tick-rate states the limit that applies: 1..6, or 1..10000 with --fast-ticks', async () => {
    const c = await tempCluster(2);
    tempDir.adopt(c.dir);
    for (const cmd of [['simulate', '--no-logs', '--duration', '1'], ['run-machine', '1', '--config', c.configPath, '--log-dir', c.logDir]]) {
      const model = await cli([...cmd, '--tick-rate', '0'], c.dir);
      expect(model.exitCode).toBe(2);
      expect(model.stderr).toMatch(/^lamport-lab: error: --tick-rate 0 is outside the model's 1\.\.6 ticks\/s/);
      expect(model.stderr).not.toMatch(/10000/);
      const fast = await cli([...cmd, '--tick-rate', '0', '--fast-ticks'], c.dir);
      expect(fast.exitCode).toBe(2);
      expect(fast.stderr).toMatch(/--tick-rate 0 is outside 1\.\.10000 ticks\/s \(the limit with --fast-ticks\)/);
      const above = await cli([...cmd, '--tick-rate', '7'], c.dir);
      expect(above.exitCode).toBe(2);
      expect(above.stderr).toMatch(/outside the model's 1\.\.6 ticks\/s \(add --fast-ticks/);
    }
  });
});

describe('--help', () => {
  it('every command has examples', async () => {
    const top = await cli(['--help']);
    expect(top.stdout).toMatch(/\nExamples:\n {2}\$ lamport-lab /);
    // every command the program lists, so a new command without examples fails here
    const listed = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*) \[options\]/gm)].map((m) => m[1]!);
    expect(listed).toEqual(expect.arrayContaining([...COMMANDS, 'ui', 'check']));
    for (const cmd of listed) {
      const r = await cli([cmd, '--help']);
      expect(r.exitCode, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(new RegExp(`\\nExamples:\\n {2}\\$ lamport-lab ${cmd}`));
    }
  });

  it("experiment's seed rule is the README's (seed + k − 1), and simulate's delay default is in the flag's syntax", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/seed `--seed \+ k − 1`/);
    const exp = await cli(['experiment', '--help']);
    expect(exp.stdout.replace(/\s+/g, ' ')).toMatch(/uses seed \+ k − 1/);
    const sim = await cli(['simulate', '--help']);
    expect(sim.stdout).not.toMatch(/"kind"/);
    expect(sim.stdout.replace(/\s+/g, ' ')).toMatch(/\(default: uniform:1-20ms\)/);
  });
  it('a reader that closes the pipe early (--help | head -1) gets no stack trace', async () => {
    for (const cmd of ['analyze', 'check']) {
      // the reading end is closed before the CLI has booted, so its first write meets EPIPE
      const child = spawn(process.execPath, [BIN, cmd, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr, cmd).toBe('');
      expect(code, cmd).toBe(0);
    }
  });
});

describe('inputs that are refused', () => {
  it('--log-dir "" is refused by every command that takes it', async () => {
    const c = await tempCluster(2);
    tempDir.adopt(c.dir);
    for (const cmd of [
      ['start-all', '--config', c.configPath],
      ['run-machine', '1', '--config', c.configPath],
      ['simulate', '--duration', '1'],
      ['analyze'],
      ['export', '--format', 'shiviz'],
      ['experiment', '--config', c.configPath],
    ]) {
      const r = await cli([...cmd, '--log-dir', ''], c.dir);
      expect(r.exitCode, cmd[0]).toBe(2);
      expect(r.stderr, cmd[0]).toMatch(/^lamport-lab: error: .*--log-dir.*must not be empty/);
      expect(existsSync(join(c.dir, 'log_1.csv')), cmd[0]).toBe(false);
    }
  });

  it('an algorithm option given with another algorithm is refused, naming the option and its algorithms', async () => {
    const c = await tempCluster(2);
    tempDir.adopt(c.dir);
    const cases: [string[], RegExp][] = [
      [['--cs-probability', '0.5'], /--cs-probability is an option of --algorithm mutex or ricart-agrawala, not of workload/],
      [['--algorithm', 'election', '--failure-timeout', '2'], /--failure-timeout is an option of --algorithm mutex or ricart-agrawala, not of election/],
      [['--algorithm', 'mutex', '--heartbeat', '2'], /--heartbeat is an option of --algorithm election or bully, not of mutex/],
    ];
    for (const [args, re] of cases) {
      for (const cmd of [['start-all', '--config', c.configPath, '--log-dir', c.logDir], ['simulate', '--no-logs', '--duration', '1']]) {
        const r = await cli([...cmd, ...args], c.dir);
        expect(r.exitCode, `${cmd[0]} ${args.join(' ')}`).toBe(2);
        expect(r.stderr).toMatch(re);
      }
    }
    // the right algorithm takes them (simulate: fast)
    const ok = await cli(['simulate', '--no-logs', '--duration', '1', '--algorithm', 'ricart-agrawala', '--cs-probability', '0.5'], c.dir);
    expect(ok.exitCode).toBe(0);
    expect(existsSync(c.logDir)).toBe(false); // nothing was started or archived
  });

  it('--leader-timeout must exceed --heartbeat', async () => {
    const c = await tempCluster(2);
    tempDir.adopt(c.dir);
    for (const cmd of [['start-all', '--config', c.configPath, '--log-dir', c.logDir], ['simulate', '--no-logs', '--duration', '1']]) {
      const r = await cli([...cmd, '--algorithm', 'election', '--heartbeat', '10', '--leader-timeout', '1'], c.dir);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/^lamport-lab: error: --leader-timeout 1 s must exceed --heartbeat 10 s/);
      const bully = await cli([...cmd, '--algorithm', 'bully', '--heartbeat', '10'], c.dir); // default timeout 5 s
      expect(bully.exitCode).toBe(2);
      expect(bully.stderr).toMatch(/--leader-timeout 5 s must exceed --heartbeat 10 s/);
    }
  });

  it('a delay without a unit is refused and the message says the unit is required', async () => {
    const c = await tempCluster(2);
    tempDir.adopt(c.dir);
    for (const cmd of [['start-all', '--config', c.configPath, '--log-dir', c.logDir], ['simulate', '--no-logs', '--duration', '1']]) {
      for (const [spec, example] of [['uniform:1-50', 'uniform:1-50ms'], ['fixed:5', 'fixed:5ms'], ['exp:10', 'exp:10ms']] as const) {
        const r = await cli([...cmd, '--delay', spec], c.dir);
        expect(r.exitCode, `${cmd[0]} ${spec}`).toBe(2);
        expect(r.stderr).toMatch(/^lamport-lab: error: /);
        expect(r.stderr).toContain(`the unit is required (ms, s or m), e.g. ${example}`);
      }
    }
    const linked = await cli(['start-all', '--config', c.configPath, '--log-dir', c.logDir, '--delay', '1>2=uniform:1-50'], c.dir);
    expect(linked.exitCode).toBe(2);
    expect(linked.stderr).toContain('the unit is required');
    const ok = await cli(['simulate', '--no-logs', '--duration', '1', '--delay', 'uniform:1-50ms'], c.dir);
    expect(ok.exitCode).toBe(0);
  });
});

describe('export writes what the README says', () => {
  it('--format shiviz without --out writes <log-dir>/run.shiviz and says where; --out - writes to stdout', async () => {
    const cwd = tempDir();
    expect((await cli(['simulate', '--machines', '3', '--duration', '2', '--seed', '3'], cwd)).exitCode).toBe(0);
    const r = await cli(['export', '--format', 'shiviz'], cwd);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^export: wrote logs\/run\.shiviz \(\d+ lines\)/);
    const file = readFileSync(join(cwd, 'logs', 'run.shiviz'), 'utf8');
    expect(file.split('\n')[0]).toContain('(?<event>');
    const stdout = await cli(['export', '--format', 'shiviz', '--out', '-'], cwd);
    expect(stdout.exitCode).toBe(0);
    expect(stdout.stdout + '\n').toBe(file);
    const json = await cli(['export', '--format', 'json'], cwd);
    expect(json.exitCode).toBe(0);
    expect(json.stderr).toMatch(/wrote logs\/run\.jsonl/);
    const named = join(cwd, 'x.shiviz');
    writeFileSync(named, 'old');
    expect((await cli(['export', '--format', 'shiviz', '--out', named], cwd)).exitCode).toBe(0);
    expect(readFileSync(named, 'utf8')).toBe(file);
  });
});

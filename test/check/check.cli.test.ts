/**
 * `lamport-lab check` through the compiled CLI: the false suspicion of a partition longer than the
 * failure timeout is found with a shortest trace, written as a run that analyze reports with the
 * same violation (exit 1) and that report and export --format shiviz open; bad input exits 2.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lamport-lab-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { cwd: dir, reject: false, all: true, env: { NO_COLOR: '1' }, timeout: 900_000 });

describe('lamport-lab check (CLI)', () => {
  it('mutex with a partition longer than the failure timeout: the false suspicion, shortest trace, analyzed and exported', async () => {
    const out = join(dir, 'cx');
    const res = await cli(['check', '--algorithm', 'mutex', '--machines', '3', '--faults', 'partition', '--cs-ticks', '1', '--out', out, '--json']);
    expect(res.exitCode, res.all).toBe(1);
    const json = JSON.parse(res.stdout) as { violation: { property: string; steps: number }; stoppedBy: string; distinct: number };
    expect(json.violation.property).toBe('mutex-safety');
    // BFS: the shortest run in which both sides of the cut enter. The failure timeout (3 s) is 3 ticks
    // of each side, one request each, and the majority side's REQUEST/REPLY: 11 steps.
    expect(json.violation.steps).toBe(11);
    console.log(`partition counterexample: ${json.violation.steps} steps after ${json.distinct} states`);
    const trace = readFileSync(join(out, 'trace.txt'), 'utf8');
    expect(trace).toMatch(/^3\. partition /m);
    expect(trace).toMatch(/MEMBER_DOWN/);
    expect(existsSync(join(out, 'faults.csv'))).toBe(true);

    const analyze = await cli(['analyze', '--log-dir', out]);
    expect(analyze.exitCode, analyze.all).toBe(1);
    expect(analyze.stdout).toMatch(/FAIL\s+mutex-safety: 1 violation/);
    expect(analyze.stdout).toMatch(/PASS\s+lamport-rules/);
    expect(analyze.stdout).toMatch(/PASS\s+clock-condition/);

    const shiviz = await cli(['export', '--format', 'shiviz', '--log-dir', out, '--out', join(dir, 'run.shiviz')]);
    expect(shiviz.exitCode, shiviz.all).toBe(0);
    expect(readFileSync(join(dir, 'run.shiviz'), 'utf8').split('\n')[0]).toBe('(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})');

    const report = await cli(['report', '--log-dir', out, '--out', join(dir, 'report.html')]);
    expect(report.exitCode, report.all).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/mutex-safety/);

    // a second counterexample into the same directory archives the first one
    const again = await cli(['check', '--algorithm', 'mutex', '--faults', 'partition', '--cs-ticks', '1', '--out', out, '--depth', '11']);
    expect(again.exitCode, again.all).toBe(1);
    expect(existsSync(join(out, 'archive'))).toBe(true);
  }, 900_000);

  it('exits 0 when the explored space holds and 2 on bad input', async () => {
    const ok = await cli(['check', '--algorithm', 'ricart-agrawala', '--machines', '2', '--cs-ticks', '1']);
    expect(ok.exitCode, ok.all).toBe(0);
    expect(ok.stdout).toMatch(/exhausted: yes/);
    expect(ok.stdout).toMatch(/every property holds/);
    expect((await cli(['check', '--algorithm', 'nope'])).exitCode).toBe(2);
    const bad = await cli(['check', '--faults', 'meteor']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/unknown fault "meteor"/);
    expect((await cli(['check', '--machines', '1'])).exitCode).toBe(2);
  }, 300_000);
});

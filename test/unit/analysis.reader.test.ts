import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerAnalyze } from '../../src/cli/commands/analyze.js';
import { LabError } from '../../src/core/errors.js';
import { LOG_COLUMNS } from '../../src/core/logRow.js';
import { analyzeLogDir } from '../../src/runtime/log/analyzeLogDir.js';
import { readLogDir } from '../../src/runtime/log/reader.js';
import { csvOf, makeRun, r, writeLogs } from '../helpers/makeLogs.js';

const HEADER = LOG_COLUMNS.join(',');
const L = [1, 2];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'lamport-reader-'));
}

function dirWith(files: Record<string, string>): string {
  const dir = tmp();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function failure(p: Promise<unknown>): Promise<LabError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LabError) return e;
    throw e;
  }
  throw new Error('expected a LabError');
}

const good1 = csvOf([r(L, 1, 0, 'START', 0, [0, 0], { detail: 'seed=1 tick_rate=2 algorithm=workload' }), r(L, 1, 5, 'INTERNAL', 1, [1, 0])]);
const good2 = csvOf([r(L, 2, 0, 'START', 0, [0, 0]), r(L, 2, 5, 'STOP', 0, [0, 0])]);

describe('readLogDir', () => {
  it('reads typed rows with file and line numbers, sorted by machine id', async () => {
    const dir = dirWith({ 'log_2.csv': good2, 'log_1.csv': good1, 'notes.txt': 'x', 'log_x.csv': 'junk' });
    const logs = await readLogDir(dir);
    expect(logs.layout).toEqual([1, 2]);
    expect(logs.machines.map((m) => m.file)).toEqual(['log_1.csv', 'log_2.csv']);
    const row = logs.machines[0]!.rows[1]!;
    expect(row).toMatchObject({ line: 3, event: 'INTERNAL', lamport: 1, epochMs: 5, queueLen: 0, clock: true });
    expect(logs.machines[0]!.rows[0]!.clock).toBe(false);
    expect([...logs.machines[0]!.vectors]).toEqual([0, 0, 1, 0]);
  });

  it('counts lines correctly after a quoted field spanning lines', async () => {
    const text = `${HEADER}\n` +
      `2024-01-01T00:00:00.000Z,0,1,START,0,1:0;2:0,0,,,"multi\nline, detail"\n` +
      `2024-01-01T00:00:00.001Z,1,1,INTERNAL,1,1:1;2:0,0,,,\n` +
      `2024-01-01T00:00:00.002Z,2,1,INTERNAL,x,1:2;2:0,0,,,\n`;
    const e = await failure(readLogDir(dirWith({ 'log_1.csv': text })));
    expect(e.code).toBe('LOG_UNREADABLE');
    expect(e.message).toMatch(/^log_1\.csv:5: lamport/);
  });

  it('missing directory or no log files: LOG_NOT_FOUND', async () => {
    expect((await failure(readLogDir(join(tmp(), 'nope')))).code).toBe('LOG_NOT_FOUND');
    expect((await failure(readLogDir(dirWith({ 'other.csv': good1 })))).code).toBe('LOG_NOT_FOUND');
  });

  it('bad header', async () => {
    const e = await failure(readLogDir(dirWith({ 'log_1.csv': good1.replace('lamport', 'lamprey') })));
    expect(e.code).toBe('LOG_UNREADABLE');
    expect(e.message).toMatch(/^log_1\.csv:1: bad header/);
  });

  it('empty file', async () => {
    const e = await failure(readLogDir(dirWith({ 'log_1.csv': '' })));
    expect(e.message).toMatch(/^log_1\.csv:1: empty file/);
  });

  const bad: [string, (line: string) => string, RegExp][] = [
    ['non-numeric lamport', (l) => l.replace(',INTERNAL,1,', ',INTERNAL,one,'), /lamport is not/],
    ['negative lamport', (l) => l.replace(',INTERNAL,1,', ',INTERNAL,-1,'), /lamport is not/],
    ['non-numeric epoch_ms', (l) => l.replace(',5,1,INTERNAL', ',5.5,1,INTERNAL'), /epoch_ms/],
    ['malformed vector', (l) => l.replace('1:1;2:0', '1:1;2'), /malformed vector/],
    ['vector with other ids', (l) => l.replace('1:1;2:0', '1:1;3:0'), /differ from the run's layout/],
    ['wrong column count', (l) => l + ',extra', /expected 10 columns, got 11/],
    ['wrong machine column', (l) => l.replace(',5,1,INTERNAL', ',5,2,INTERNAL'), /machine column "2"/],
    ['non-numeric queue_len', (l) => l.replace('1:1;2:0,0,', '1:1;2:0,q,'), /queue_len/],
  ];
  for (const [name, mutate, re] of bad) {
    it(`${name}: LOG_UNREADABLE with file:line`, async () => {
      const lines = good1.trimEnd().split('\n');
      lines[2] = mutate(lines[2]!);
      const text = lines.join('\n') + '\n' + csvOf([r(L, 1, 9, 'STOP', 1, [1, 0])]).split('\n').slice(1).join('\n');
      const e = await failure(readLogDir(dirWith({ 'log_1.csv': text })));
      expect(e.code).toBe('LOG_UNREADABLE');
      expect(e.message).toMatch(/^log_1\.csv:3: /);
      expect(e.message).toMatch(re);
    });
  }

  it('a torn last line (no trailing newline) is skipped with a warning', async () => {
    const text = good1 + '2024-01-01T00:00:00.009Z,9,1,INTER';
    const logs = await readLogDir(dirWith({ 'log_1.csv': text }));
    expect(logs.machines[0]!.rows).toHaveLength(2);
    expect(logs.warnings[0]).toMatch(/log_1\.csv:4: .*torn last line/);
    // the same bad line followed by a newline is an error
    const e = await failure(readLogDir(dirWith({ 'log_1.csv': text + '\n' })));
    expect(e.message).toMatch(/^log_1\.csv:4: expected 10 columns/);
  });

  it('vector layouts must agree across files', async () => {
    const other = csvOf([r([1, 2, 3], 2, 0, 'START', 0, [0, 0, 0])]);
    const e = await failure(readLogDir(dirWith({ 'log_1.csv': good1, 'log_2.csv': other })));
    expect(e.message).toMatch(/^log_2\.csv:2: vector ids 1,2,3 differ/);
  });

  it('reads a generated run and analyses it', async () => {
    const dir = tmp();
    const rows = writeLogs(dir, makeRun({ machines: 3, steps: 2000, seed: 4, kills: { 2: 1500 } }));
    const res = await analyzeLogDir(dir);
    expect(res.totalRows).toBe(rows);
    expect(res.ok).toBe(true);
    expect(res.stats[1]!.killed).toBe(true);
  });
});

describe('analyze command', () => {
  async function runAnalyze(args: string[]): Promise<{ code: number | null; out: string }> {
    let code: number | null = null;
    const program = new Command().exitOverride();
    registerAnalyze(program, (c) => (code = c));
    const chunks: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'lamport-lab', 'analyze', ...args]);
    } finally {
      process.stdout.write = orig;
    }
    return { code, out: chunks.join('') };
  }

  it('exit 0 and a table when every invariant holds; --json gives the same result', async () => {
    const dir = dirWith({ 'log_1.csv': good1, 'log_2.csv': good2 });
    const text = await runAnalyze(['--log-dir', dir]);
    expect(text.code).toBe(0);
    expect(text.out).toContain('PASS  clocks-monotonic: 0 violations');
    expect(text.out).toContain('All invariants hold.');
    const json = await runAnalyze(['--log-dir', dir, '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out);
    expect(parsed.ok).toBe(true);
    expect(parsed.stats).toHaveLength(2);
  });

  it('exit 1 with the offending row when an invariant fails', async () => {
    const broken = good1.replace(',INTERNAL,1,', ',INTERNAL,3,');
    const dir = dirWith({ 'log_1.csv': broken, 'log_2.csv': good2 });
    const res = await runAnalyze(['--log-dir', dir]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/FAIL {2}lamport-rules: 1 violation/);
    expect(res.out).toContain('log_1.csv:3: INTERNAL lamport 3, expected 0+1 = 1');
  });

  it('unreadable logs throw LabError (exit 2 through main)', async () => {
    const e = await failure(runAnalyze(['--log-dir', join(tmp(), 'missing')]));
    expect(e.code).toBe('LOG_NOT_FOUND');
  });

  it('works on 50 machines', async () => {
    const dir = join(tmp(), 'fifty');
    mkdirSync(dir);
    writeLogs(dir, makeRun({ machines: 50, steps: 3000, seed: 9, kills: { 7: 1000 }, dropToDead: true }));
    const res = await runAnalyze(['--log-dir', dir, '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out).stats).toHaveLength(50);
  });
});

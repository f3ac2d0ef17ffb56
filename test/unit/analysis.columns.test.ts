import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { columnsOfRows, MSG_ID, NO_MSG_ID, OTHER_MSG_ID, rowsOfColumns, splitMsgId } from '../../src/analysis/columns.js';
import { analyzeRun } from '../../src/analysis/analyze.js';
import { buildReportData } from '../../src/analysis/reportData.js';
import { indexRun } from '../../src/analysis/run.js';
import type { LogEntry, MachineLog, RunLogs } from '../../src/analysis/types.js';
import { LOG_COLUMNS } from '../../src/core/logRow.js';
import { readLogDir, readLogFile } from '../../src/runtime/log/reader.js';
import { makeRun, r, runLogsOf, writeLogs } from '../helpers/makeLogs.js';

// The column store (analysis/columns.ts) the reader fills and the analysis reads: msg_ids kept as
// numbers must give their text back, the columns and the row objects built from them must equal
// the file's records, and analysing a workload run must not need the row objects at all.

const dir = mkdtempSync(join(tmpdir(), 'lamport-columns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function split(id: string): { sender: number; seq: number } {
  splitMsgId(id);
  return { sender: MSG_ID.sender, seq: MSG_ID.seq };
}

describe('splitMsgId', () => {
  it('canonical <sender>-<seq> as numbers, anything else as text', () => {
    expect(split('3-17')).toEqual({ sender: 3, seq: 17 });
    expect(split('0-0')).toEqual({ sender: 0, seq: 0 });
    expect(split('2147483647-2147483647')).toEqual({ sender: 2147483647, seq: 2147483647 });
    expect(split('').sender).toBe(NO_MSG_ID);
    for (const other of ['01-5', '1-01', '2147483648-1', '1-2147483648', '12345678901-1', 'x', '1-', '-1', '1-2-3', '1--2', ' 1-2', '1-2 ', '+1-2', '1.0-2']) {
      expect(split(other).sender, other).toBe(OTHER_MSG_ID);
    }
  });

  it('numbers give the text back; equal numbers only for equal text (property)', () => {
    const part = fc.oneof(fc.nat(2 ** 31 - 1).map(String), fc.stringMatching(/^[0-9]{0,11}$/));
    const id = fc.oneof(fc.tuple(part, part).map(([a, b]) => `${a}-${b}`), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(id, id, (a, b) => {
        const x = split(a);
        const y = split(b);
        if (x.sender >= 0) expect(`${x.sender}-${x.seq}`).toBe(a);
        if (x.sender >= 0 && y.sender >= 0) expect(x.sender === y.sender && x.seq === y.seq).toBe(a === b);
        expect(x.sender === NO_MSG_ID).toBe(a === '');
      }),
      { numRuns: 2000 },
    );
  });
});

const FIELDS = ['time', 'epochMs', 'event', 'lamport', 'queueLen', 'peer', 'msgId', 'detail'] as const;

describe('the reader fills columns equal to the file', () => {
  const ids = ['1-1', '', '01-2', '1-2147483648', 'x', '2147483647-9', '1-0', '3-'];
  const details = ['', 'draw=5', 'a,b', 'say "hi"', 'two\nlines', 'seed=1 tick_rate=6 algorithm=workload'];
  const records: string[][] = [[...LOG_COLUMNS]];
  for (let k = 0; k < 400; k++) {
    const event = ['SEND', 'RECEIVE', 'INTERNAL', 'DROP'][k % 4]!;
    records.push([
      new Date(1_700_000_000_000 + k * 7).toISOString(),
      String(1_700_000_000_000 + k * 7),
      '1',
      event,
      String(k),
      `1:${k};2:${k >> 1}`,
      String(k % 3),
      k % 5 === 0 ? '2' : '',
      ids[k % ids.length]!,
      details[k % details.length]!,
    ]);
  }
  const text = stringify(records);

  for (const chunkBytes of [1 << 20, 97]) {
    it(`every field of every row, quoted ones included (pieces of ${chunkBytes} bytes)`, async () => {
      const path = join(dir, `log_1_${chunkBytes}.csv`);
      writeFileSync(path, text);
      const log = await readLogFile(path, 'log_1.csv', 1, { ids: null, from: '' }, [], { chunkBytes });
      const expected = parse(readFileSync(path, 'utf8')) as string[][];
      expect(log.columns.length).toBe(expected.length - 1);
      const fromColumns = rowsOfColumns(log.columns);
      for (let i = 0; i < log.columns.length; i++) {
        const rec = expected[i + 1]!;
        const got = fromColumns[i]!;
        const want = { time: rec[0], epochMs: Number(rec[1]), event: rec[3], lamport: Number(rec[4]), queueLen: Number(rec[6]), peer: rec[7], msgId: rec[8], detail: rec[9] };
        for (const f of FIELDS) expect(got[f], `row ${i} ${f}`).toEqual(want[f]);
        expect(log.rows[i]).toEqual(got);
      }
      // the quoted multi-line details push later rows' line numbers down
      expect(log.columns.line[log.columns.length - 1]).toBeGreaterThan(expected.length);
    });
  }
});

describe('columns of row objects', () => {
  it('rowsOfColumns(columnsOfRows(rows)) gives the rows back', () => {
    const logs = runLogsOf(makeRun({ machines: 3, steps: 500, seed: 4, kills: { 2: 300 }, dropToDead: true }));
    for (const log of logs.machines) {
      expect(log.columns).toBeUndefined(); // built in memory: indexRun derives the columns
      expect(rowsOfColumns(columnsOfRows(log.rows))).toEqual(log.rows);
    }
  });
});

describe('analysis reads the columns', () => {
  it('a workload run is analysed and reported without building its row objects, with the same result as from rows', async () => {
    const run = makeRun({ machines: 4, steps: 3000, seed: 9, kills: { 3: 2000 }, dropToDead: true });
    const d = join(dir, 'run');
    writeLogs(d, run);
    const logs = await readLogDir(d);
    const untouchable: RunLogs = {
      ...logs,
      machines: logs.machines.map((log) => ({
        file: log.file,
        machine: log.machine,
        vectors: log.vectors,
        columns: log.columns,
        get rows(): LogEntry[] {
          throw new Error(`row objects of ${log.file} built`);
        },
      })),
    };
    const fromColumns = analyzeRun(untouchable);
    expect(fromColumns.checks.every((c) => !c.description.includes('crashed'))).toBe(true);
    const fromRows = analyzeRun(runLogsOf(run, d));
    expect(JSON.parse(JSON.stringify(fromColumns))).toEqual(JSON.parse(JSON.stringify(fromRows)));
    expect(fromColumns.messages.undelivered).toBeGreaterThan(0);
    // the report's data too (charts, diagram, run header), cut or not
    for (const maxDiagramRows of [100, 1e6]) {
      const page = buildReportData(indexRun(untouchable), fromColumns, { maxDiagramRows });
      const pageFromRows = buildReportData(indexRun(runLogsOf(run, d)), fromRows, { maxDiagramRows });
      expect(JSON.parse(JSON.stringify(page))).toEqual(JSON.parse(JSON.stringify(pageFromRows)));
    }
  });
});

describe('statistics from columns', () => {
  it('eventsByType: counts keyed in order of first appearance, with many names and number-like ones', () => {
    const names = ['START', 'B', '7', 'INTERNAL', ...Array.from({ length: 30 }, (_, k) => `E${(k * 7) % 30}`), '2', 'B', 'STOP'];
    const rows = [];
    for (let k = 0; k < 300; k++) rows.push(r([1], 1, 1000 + k, names[(k * k) % names.length]!, 0, [0]));
    const logs = runLogsOf(new Map([[1, rows]]));
    const expected: Record<string, number> = {};
    for (const row of rows) expected[row.event] = (expected[row.event] ?? 0) + 1;
    const got = analyzeRun(logs).stats[0]!.eventsByType;
    expect(Object.entries(got)).toEqual(Object.entries(expected));
    expect(Object.keys(got).length).toBeGreaterThan(16);
  });
});

/**
 * analyze's terminal text fits 120 columns: the per-machine tables are split (clocks;
 * queues and messages) and split again when still too wide, repeating the machine column.
 */
import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../src/analysis/analyze.js';
import { TEXT_WIDTH, fittedTable, formatAnalysisText } from '../../src/analysis/format.js';
import { makeRun, runLogsOf } from '../helpers/makeLogs.js';

describe('analyze text width', () => {
  it('every table line of a 12-machine run fits in 120 columns, and no column is lost', () => {
    const rows = makeRun({ machines: 12, steps: 20_000, seed: 5 });
    const result = analyzeRun(runLogsOf(rows));
    const text = formatAnalysisText(result);
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('Clocks'));
    const end = lines.findIndex((l) => l.startsWith('Messages:'));
    expect(start).toBeGreaterThan(0);
    for (const l of lines.slice(start, end)) expect(l.length, l).toBeLessThanOrEqual(TEXT_WIDTH);
    for (const h of ['tick/s', 'final L', 'jump max', 'p95', 'drift max', 'drift end', 'q max', 'q end', 'sent', 'recv', 'drop', 'lost', 'queued end']) {
      expect(text).toContain(h);
    }
    // one row per machine in each table
    expect(lines.filter((l) => /^12\s/.test(l)).length).toBeGreaterThanOrEqual(2);
  });

  it('fittedTable splits a wide table into parts that repeat the first column', () => {
    const header = ['machine', ...Array.from({ length: 30 }, (_, i) => `column${i}`)];
    const cells = [['1', ...Array.from({ length: 30 }, (_, i) => String(i * 1000))]];
    const text = fittedTable(header, cells, 60);
    const parts = text.split('\n\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.startsWith('machine')).toBe(true);
      for (const l of p.split('\n')) expect(l.length).toBeLessThanOrEqual(60);
    }
    for (const h of header.slice(1)) expect(text).toContain(h);
  });
});

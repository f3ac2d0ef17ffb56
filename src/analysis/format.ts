/**
 * Plain-text rendering of an AnalysisResult for the terminal: a per-machine table, message
 * accounting, and each invariant with its violation count and first offending rows. Pure.
 */
import type { AnalysisResult, CheckResult } from './types.js';

/** Formats a number compactly: integers as is, others with `digits` decimals. */
export function fmtNum(x: number, digits = 2): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

/** A plain-text table: left-aligns the first column, right-aligns the rest. */
export function table(header: readonly string[], cells: readonly (readonly (string | number)[])[]): string {
  const rows = cells.map((r) => r.map(String));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Width of the terminal text the analysis prints (the tables are split to fit). */
export const TEXT_WIDTH = 120;

/** Width of the widest line of `table(header, cells)`. */
function tableWidth(header: readonly string[], cells: readonly (readonly string[])[]): number {
  let w = 0;
  header.forEach((h, c) => (w += Math.max(h.length, ...cells.map((r) => (r[c] ?? '').length)) + (c ? 2 : 0)));
  return w;
}

/**
 * `table` split into several tables of at most `maxWidth` characters per line, each repeating the
 * first column (a single column wider than that stays whole). Separated by blank lines.
 */
export function fittedTable(header: readonly string[], cells: readonly (readonly (string | number)[])[], maxWidth = TEXT_WIDTH): string {
  const rows = cells.map((r) => r.map(String));
  const parts: number[][] = [];
  let cur: number[] = [0];
  for (let c = 1; c < header.length; c++) {
    const next = [...cur, c];
    const pick = (cols: number[]) => [cols.map((k) => header[k]!), rows.map((r) => cols.map((k) => r[k] ?? ''))] as const;
    if (cur.length > 1 && tableWidth(...pick(next)) > maxWidth) {
      parts.push(cur);
      cur = [0, c];
    } else cur = next;
  }
  parts.push(cur);
  return parts.map((cols) => table(cols.map((k) => header[k]!), rows.map((r) => cols.map((k) => r[k] ?? '')))).join('\n\n');
}

/** The per-machine statistics as table cells (shared by text and HTML output). */
export function statsTable(result: AnalysisResult): { header: string[]; rows: string[][] } {
  const header = [
    'machine', 'rows', 'tick/s', 'starts', 'killed', 'run s', 'final L',
    'jumps', 'jump max', 'mean', 'p50', 'p95', '>1',
    'q max', 'q mean', 'q end', 'sent', 'recv', 'drop', 'lost', 'drift max', 'drift end',
  ];
  const rows = result.stats.map((s) => [
    String(s.machine),
    String(s.rows),
    s.tickRate === null ? '-' : fmtNum(s.tickRate),
    String(s.starts),
    s.killed ? 'yes' : 'no',
    (s.runLengthMs / 1000).toFixed(1),
    String(s.finalLamport),
    String(s.jumps.count),
    fmtNum(s.jumps.max),
    fmtNum(s.jumps.mean),
    fmtNum(s.jumps.p50),
    fmtNum(s.jumps.p95),
    String(s.jumps.over1),
    String(s.queue.max),
    fmtNum(s.queue.mean),
    String(s.queue.final),
    String(s.messages.sent),
    String(s.messages.received),
    String(s.messages.dropped),
    String(s.messages.lost),
    fmtNum(s.drift.maxGap),
    fmtNum(s.drift.finalGap),
  ]);
  return { header, rows };
}

function checkText(c: CheckResult): string {
  const head = `${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.violations} violation${c.violations === 1 ? '' : 's'} — ${c.description}`;
  const ex = c.examples.map((e) => `        ${e.where}: ${e.message}`);
  const more = c.violations > c.examples.length ? [`        ... and ${c.violations - c.examples.length} more`] : [];
  return [head, ...ex, ...more].join('\n');
}

/** The whole text report. */
export function formatAnalysisText(result: AnalysisResult): string {
  const out: string[] = [];
  out.push(
    `Run in ${result.dir}: ${result.machines.length} machine(s) [${result.machines.join(', ')}], ` +
      `${result.totalRows} rows, algorithm ${result.algorithm ?? '(unknown)'}`,
  );
  for (const w of result.warnings) out.push(`warning: ${w}`);
  out.push('');
  // two tables (clocks; queues and messages), each split further if it is wider than TEXT_WIDTH
  const t = statsTable(result);
  const col = (name: string): number => t.header.indexOf(name);
  const clockCols = ['machine', 'rows', 'tick/s', 'starts', 'killed', 'run s', 'final L', 'jumps', 'jump max', 'mean', 'p50', 'p95', '>1', 'drift max', 'drift end'].map(col);
  const queueCols = ['machine', 'q max', 'q mean', 'q end', 'sent', 'recv', 'drop', 'lost'].map(col);
  const pick = (cols: number[]) => ({ header: cols.map((c) => t.header[c]!), rows: t.rows.map((r) => cols.map((c) => r[c]!)) });
  const clocks = pick(clockCols);
  out.push('Clocks (jumps: Lamport jump on receive; drift: gap to the fastest machine, end = at the earliest STOP):');
  out.push(fittedTable(clocks.header, clocks.rows));
  out.push('');
  const queues = pick(queueCols);
  out.push('Queues and messages (lost: charged to the sender; queued end: still queued for this machine when it stopped):');
  out.push(fittedTable([...queues.header, 'queued end'], queues.rows.map((r, i) => [...r, String(result.stats[i]!.messages.queuedAtEnd)])));
  out.push('');
  const m = result.messages;
  const byReason = (counts: Readonly<Record<string, number>>): string => {
    const text = Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return text ? ` (${text})` : '';
  };
  out.push(
    `Messages: ${m.sends} sends, ${m.copies} copies, ${m.received} received, ` +
      `${m.dropped} dropped${byReason(m.droppedByReason)}, ${m.lost} lost${byReason(m.lostByReason)}, ` +
      `${m.queuedAtEnd} queued at end`,
  );
  if (m.queuedAtEnd > 0) out.push('        (queued at end: in flight or in a receive queue when the run stopped; not lost)');
  for (const e of m.examples.slice(0, 5)) out.push(`        ${e.sendAt}: ${e.msgId} ${e.from}→${e.to} ${e.fate} (${e.reason})`);
  out.push('');
  out.push('Invariants:');
  for (const c of result.checks) out.push(checkText(c));
  out.push('');
  const failed = result.checks.filter((c) => !c.ok).length;
  out.push(result.ok ? 'All invariants hold.' : `${failed} invariant(s) violated.`);
  return out.join('\n') + '\n';
}

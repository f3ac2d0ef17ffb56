/**
 * extractMutexRun pairs CS_REQUEST, CS_ENTER and CS_EXIT rows by ts within each incarnation
 * through per-ts queues; here it is compared with the definition it replaced (a linear search of
 * the incarnation: CS_ENTER takes the first request of its ts not yet entered, CS_EXIT the first
 * entered one not yet left) on random, also malformed, row sequences.
 */
import { describe, expect, it } from 'vitest';
import { extractMutexRun } from '../../src/analysis/mutexChecks.js';
import { indexRun } from '../../src/analysis/run.js';
import { detailValue, parseDetail, type LogRow } from '../../src/core/logRow.js';
import { Rng } from '../../src/core/rng.js';
import { r, runLogsOf } from '../helpers/makeLogs.js';

const L = [1, 2];

interface Ref {
  ts: number;
  request: number | null;
  enter: number | null;
  exit: number | null;
  lastRow: number;
  died: boolean;
}

/** The old definition, on one machine's rows (killed: its log ends without STOP). */
function reference(rows: LogRow[], killed: boolean): Ref[] {
  const out: Ref[] = [];
  let inc: Ref[] = [];
  const close = (last: number, k: boolean): void => {
    for (const q of inc) {
      q.lastRow = last;
      if (k && q.exit === null) q.died = true;
    }
    inc = [];
  };
  rows.forEach((row, i) => {
    const tsText = parseDetail(row.detail).get('ts');
    const ts = tsText !== undefined && Number.isSafeInteger(Number(tsText)) ? Number(tsText) : -1;
    if (row.event === 'START' && i > 0) close(i - 1, rows[i - 1]!.event !== 'STOP');
    if (row.event === 'CS_REQUEST') {
      const q = { ts, request: i, enter: null, exit: null, lastRow: rows.length - 1, died: false };
      out.push(q);
      inc.push(q);
    } else if (row.event === 'CS_ENTER') {
      let q = inc.find((x) => x.ts === ts && x.enter === null);
      if (!q) {
        q = { ts, request: null, enter: null, exit: null, lastRow: rows.length - 1, died: false };
        out.push(q);
        inc.push(q);
      }
      q.enter = i;
    } else if (row.event === 'CS_EXIT') {
      const q = inc.find((x) => x.ts === ts && x.enter !== null && x.exit === null);
      if (q) q.exit = i;
    }
  });
  if (rows.length > 0) close(rows.length - 1, killed && rows[rows.length - 1]!.event !== 'STOP');
  return out;
}

/** A random sequence of mutex rows for machine 1 with few distinct ts (so they repeat), restarts and junk ts. */
function randomRows(rng: Rng, n: number): LogRow[] {
  const rows: LogRow[] = [r(L, 1, 0, 'START', 0, [0, 0], { detail: 'algorithm=mutex' })];
  const events = ['CS_REQUEST', 'CS_ENTER', 'CS_EXIT', 'CS_REQUEST', 'CS_ENTER', 'CS_EXIT', 'INTERNAL', 'START', 'STOP'];
  for (let i = 1; i < n; i++) {
    const event = events[rng.int(0, events.length - 1)]!;
    const k = rng.int(0, 9);
    const detail = k === 0 ? 'ts=x' : k === 1 ? '' : `kind=A ts=${rng.int(1, 4)}`;
    rows.push(r(L, 1, i * 10, event, i, [i, 0], { detail: event === 'START' ? 'algorithm=mutex' : detail }));
  }
  return rows;
}

describe('extractMutexRun', () => {
  it('pairs requests, entries and exits as the linear search of the incarnation did', () => {
    const rng = new Rng(41);
    for (let trial = 0; trial < 300; trial++) {
      const rows = randomRows(rng, rng.int(2, 60));
      const m2 = [r(L, 2, 0, 'START', 0, [0, 0], { detail: 'algorithm=mutex' }), r(L, 2, 5, 'STOP', 0, [0, 0])];
      const run = indexRun(runLogsOf(new Map([[1, rows], [2, m2]])));
      const got = extractMutexRun(run).requests.filter((q) => q.machine === 1);
      const want = reference(rows, run.killed[0] === true);
      expect(got.map(({ ts, request, enter, exit, lastRow, died }) => ({ ts, request, enter, exit, lastRow, died }))).toEqual(want);
    }
  });
});

describe('detailValue', () => {
  it('is parseDetail(detail).get(key) on random details (repeated keys, empty values, stray =, double spaces)', () => {
    const rng = new Rng(7);
    const pieces = ['ts', 'kind', 'ts=', 'ts=1', 'ts=22', 'tsx=3', 'kind=REPLY', '=5', 'ts=a=b', '', 'resend=1', 'x', 'ts=3'];
    for (let trial = 0; trial < 5000; trial++) {
      const detail = Array.from({ length: rng.int(0, 6) }, () => pieces[rng.int(0, pieces.length - 1)]!).join(' ');
      for (const key of ['ts', 'kind', 'resend', 'tsx', 'x']) expect(detailValue(detail, key)).toBe(parseDetail(detail).get(key));
    }
  });
});

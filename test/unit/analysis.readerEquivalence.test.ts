import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { LOG_COLUMNS } from '../../src/core/logRow.js';
import { type ParserPath, readLogFile } from '../../src/runtime/log/reader.js';

// The log reader's fast path (fastCsv.ts + the in-place row conversion) against the csv-parse path
// on whole log files: the same rows, vectors, warnings and errors, on the shapes we write (quoted
// details, LF) and on what happens to files afterwards (CRLF, BOM, a torn last line, a second
// header, empty lines, damaged fields).

const dir = mkdtempSync(join(tmpdir(), 'lamport-reader-eq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

type Outcome = { rows: unknown; vectors: number[]; warnings: string[]; path: ParserPath | null } | { error: string; path: ParserPath | null };

async function read(text: string | Buffer, parser: 'auto' | 'csv-parse', chunkBytes: number, layoutIds: number[] | null): Promise<Outcome> {
  const path = join(dir, `log_${++fileNo}.csv`);
  writeFileSync(path, text);
  const warnings: string[] = [];
  let used: ParserPath | null = null;
  try {
    const log = await readLogFile(path, 'log_1.csv', 1, { ids: layoutIds, from: 'log_0.csv:2' }, warnings, { parser, chunkBytes, onPath: (p) => (used = p) });
    return { rows: log.rows, vectors: [...log.vectors], warnings, path: used };
  } catch (e) {
    return { error: (e as Error).message, path: used };
  }
}

const detail = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', 'draw=7', 'reason=partitioned') }, // most pieces: no quote, the bytes path
  fc.constantFrom('', 'seed=1 tick_rate=6 algorithm=workload', 'draw=7', 'reason=partitioned', 'a,b', 'say "hi"', 'two\nlines', 'x\r\ny', 'ünïcødé ✓', '"', ','),
  fc.string({ maxLength: 12 }),
);
const event = fc.constantFrom('START', 'READY', 'SEND', 'RECEIVE', 'INTERNAL', 'DROP', 'STOP', 'CS_ENTER', 'LEADER');
/** Canonical msg_ids (kept as numbers by the reader) and others (kept as text): both must read back the same. */
const msgId = fc.oneof(
  fc.nat(99).map((n) => `1-${n}`),
  fc.constantFrom('', '0-0', '01-5', '1-01', '1-0', '2147483647-2147483647', '2147483648-1', '1-2147483648', '1234567890-1', '12345678901-1', 'x', '1-', '-1', '1-2-3', '1--2'),
);
/**
 * The time column: mostly what the runtime writes (toISOString, kept by the reader as ms and
 * formatted again on demand), across day and year boundaries, and texts that only look like it.
 */
const time = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }).map((ms) => new Date(ms).toISOString()) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      't', '', '2026-13-01T00:00:00.000Z', '2026-02-30T00:00:00.000Z', '2028-02-29T12:00:00.000Z', '2026-01-01T24:00:00.000Z',
      '2026-01-01T00:60:00.000Z', '2026-01-01T00:00:60.000Z', '2026-01-01T00:00:00.000z', '2026-01-01 00:00:00.000Z',
      '+002026-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2026-01-01T00:00:00.00Z',
      '2026-1-01T00:00:00.000Z0', '2026-01-01T00:00:00,000Z', '-0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z',
    ),
  },
);
const row = fc.record({ time, event, lamport: fc.nat(1000), a: fc.nat(50), b: fc.nat(50), queue: fc.nat(3), peer: fc.constantFrom('', '2', '2;3'), msg: msgId, detail });

/** A log of machine 1 in a run of machines 1 and 2, as csv-stringify writes it. */
const logFile = fc.array(row, { minLength: 0, maxLength: 15 }).map((rows) =>
  stringify([
    [...LOG_COLUMNS],
    ...rows.map((r, k) => [
      r.time, 1_700_000_000_000 + k, 1, r.event, r.lamport, `1:${r.a};2:${r.b}`, r.queue, r.peer,
      r.event === 'SEND' || r.event === 'RECEIVE' ? r.msg : '', r.detail,
    ]),
  ]),
);

/** What happens to a file after it was written. */
const damage = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'crlf' as const }),
  fc.constant({ kind: 'bom' as const }),
  fc.record({ kind: fc.constant('torn' as const), keep: fc.nat(60) }),
  fc.record({ kind: fc.constant('header' as const), at: fc.nat(20) }),
  fc.record({ kind: fc.constant('empty' as const), at: fc.nat(20) }),
  fc.record({ kind: fc.constant('field' as const), at: fc.nat(2000), by: fc.constantFrom('x', '', ',', '"', '-1', '1:1', ';', '\r', '99999999999999999') }),
);

function apply(text: string, d: { kind: string; keep?: number; at?: number; by?: string }): string {
  const lines = text.split('\n');
  switch (d.kind) {
    case 'crlf':
      return text.replace(/\r?\n/g, '\r\n');
    case 'bom':
      return '\ufeff' + text;
    case 'torn': {
      // the last row cut short, no trailing newline (a machine killed mid-write)
      const body = text.replace(/\n$/, '');
      const last = body.lastIndexOf('\n');
      return last < 0 ? body : body.slice(0, last + 1 + Math.min(d.keep!, body.length - last - 2));
    }
    case 'header':
      lines.splice(1 + (d.at! % Math.max(1, lines.length - 1)), 0, LOG_COLUMNS.join(','));
      return lines.join('\n');
    case 'empty':
      lines.splice(1 + (d.at! % Math.max(1, lines.length - 1)), 0, '');
      return lines.join('\n');
    case 'field': {
      // replace one comma-separated piece of the text
      const parts = text.split(',');
      if (parts.length < 2) return text;
      parts[d.at! % parts.length] = d.by!;
      return parts.join(',');
    }
    default:
      return text;
  }
}

describe('readLogFile: fast path = csv-parse path', () => {
  it('same rows, vectors, warnings and errors on written and damaged logs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(logFile, damage, fc.constantFrom(64, 200, 1 << 20), fc.boolean(), async (text, d, chunk, layoutKnown) => {
        const input = apply(text, d);
        const ids = layoutKnown ? [1, 2] : null;
        const fast = await read(input, 'auto', chunk, ids);
        const slow = await read(input, 'csv-parse', chunk, ids);
        if (!('error' in slow)) expect(slow.path).toBe('csv-parse');
        const { path: _f, ...f } = fast;
        const { path: _s, ...s } = slow;
        expect(f).toEqual(s);
        // what we write, and CRLF copies of it, take the fast path (a CR inside a field of an LF file does not)
        const stray = d.kind !== 'crlf' && input.includes('\r');
        if ((d.kind === 'none' || d.kind === 'crlf' || d.kind === 'bom' || d.kind === 'torn') && !stray && !('error' in fast)) expect(fast.path).toBe('fast');
      }),
      { numRuns: 400 },
    );
  });

  it('UTF-16 and invalid UTF-8 bytes: same outcome', async () => {
    const text = stringify([[...LOG_COLUMNS], ['t', 1, 1, 'START', 0, '1:0;2:0', 0, '', '', 'x\xff']]);
    for (const input of [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), Buffer.from(text.replace('x', '\u00e9').replace('\xff', ''), 'utf8'), Buffer.from([...Buffer.from(text.slice(0, -2)), 0xc3, 0x0a])]) {
      const fast = await read(input, 'auto', 1 << 20, null);
      const slow = await read(input, 'csv-parse', 1 << 20, null);
      const { path: _f, ...f } = fast;
      const { path: _s, ...s } = slow;
      expect(f).toEqual(s);
    }
  });
});

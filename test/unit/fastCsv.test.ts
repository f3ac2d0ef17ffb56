import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CsvScanner, splitLine } from '../../src/runtime/log/fastCsv.js';

type Rec = { record: string[]; line: number };

/** csv-parse with the reader's options: records and `info.lines` at each record. */
function csvParse(text: string): Rec[] | 'error' {
  try {
    const out = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return out.map((r) => ({ record: r.record, line: r.info.lines }));
  } catch {
    return 'error';
  }
}

/** The scanner over `text` cut into pieces after the LFs at `cuts` (as the reader cuts its reads). */
function scan(text: string, cuts: number[] = []): Rec[] | 'bail' {
  const out: Rec[] = [];
  const scanner = new CsvScanner({
    line: (t, _codes, a, b, line) => void out.push({ record: splitLine(t, a, b), line }),
    quoted: (fields, line) => void out.push({ record: fields, line }),
  });
  const lfs: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lfs.push(i + 1);
  const at = [...new Set(cuts.filter((c) => c < lfs.length).map((c) => lfs[c]!))].sort((a, b) => a - b);
  let from = 0;
  for (const c of [...at, text.length]) {
    if (c > from && !scanner.push(text.slice(from, c))) return 'bail';
    from = c;
  }
  return scanner.end() ? out : 'bail';
}

const CHARS = ['a', 'b', '1', ',', ',', '"', '"', '\n', '\n', '\r', ' ', 'é', '\u{1F600}', ';', ':'];
const csvish = fc.array(fc.constantFrom(...CHARS), { maxLength: 60 }).map((cs) => cs.join(''));
const field = fc.oneof(
  fc.constantFrom('', 'x', '1:2;2:0', 'seed=1 tick_rate=6', 'a,b', 'say "hi"', 'two\nlines', 'crlf\r\nin', '"', ',', 'ünï', ' '),
  fc.string({ maxLength: 8 }),
);
/**
 * Rows as csv-stringify writes them (quoting what needs it) after an unquoted header, as in a log
 * file; crlf: then every LF made CRLF, as a conversion to Windows line ends does.
 */
const written = fc
  .record({
    rows: fc.array(fc.array(field, { minLength: 1, maxLength: 11 }), { minLength: 1, maxLength: 12 }),
    crlf: fc.boolean(),
    trailing: fc.boolean(),
  })
  .map(({ rows, crlf, trailing }) => {
    let text = stringify([['time', 'epoch_ms'], ...rows]);
    if (!trailing) text = text.replace(/\n$/, '');
    if (crlf) text = text.replace(/\r?\n/g, '\r\n');
    return { text, crlf };
  });

describe('CsvScanner (fast path of the log reader) against csv-parse', () => {
  it('gives csv-parse records and line numbers, or bails, on any text (property)', () => {
    fc.assert(
      fc.property(csvish, fc.array(fc.nat(20), { maxLength: 4 }), (text, cuts) => {
        const got = scan(text, cuts);
        const want = csvParse(text);
        if (got === 'bail') return; // csv-parse is used then: always correct
        expect(want).not.toBe('error');
        expect(got).toEqual(want);
      }),
      { numRuns: 2500 },
    );
  });

  it('never bails on what csv-stringify writes (LF or CRLF, quoted fields), with the same records (property)', () => {
    fc.assert(
      fc.property(written, fc.array(fc.nat(12), { maxLength: 4 }), ({ text, crlf }, cuts) => {
        // a CR inside a field of an LF file is left to csv-parse (it counts it as a line)
        fc.pre(crlf || !text.includes('\r'));
        const want = csvParse(text);
        expect(want).not.toBe('error');
        expect(scan(text, cuts)).toEqual(want);
      }),
      { numRuns: 1000 },
    );
  });

  it('examples: quoted fields over lines, empty lines, CRLF, torn last line', () => {
    const cases = [
      'h1,h2\na,"b,c"\n\n"multi\nline",x\n',
      'h1,h2\r\na,"q""uote"\r\n\r\nlast,one',
      'h1,h2\na,b\ntorn,li',
      'h1,h2\n"",\n',
    ];
    for (const text of cases) {
      const got = scan(text);
      expect(got).not.toBe('bail');
      expect(got).toEqual(csvParse(text));
    }
  });

  it('bails where csv-parse fails or differs from the fast rules', () => {
    for (const text of ['h\nab"c\n', 'h\n"abc" ,x\n', 'h\n"open\n', 'h\ra\rb\r', 'h\na\rb\n', 'h\r\na\nb\r\n', '"h\n"\nx\n']) {
      expect(scan(text), JSON.stringify(text)).toBe('bail');
    }
  });
});

/**
 * A CSV record scanner that gives the same records and line numbers as csv-parse with the options
 * the log reader uses (`{ bom: true, relax_column_count: true, skip_empty_lines: true }`, defaults
 * otherwise), on the inputs it accepts, several times faster: it works on decoded text with
 * indexOf and hands each unquoted record over as a line of that text, so the caller can convert
 * its fields in place and no string is made for a field it does not keep.
 *
 * Accepted: LF or CRLF line ends (the first line end fixes which, as csv-parse's auto-discovery
 * does), RFC 4180 quoted fields (`""` escapes, commas and line breaks inside quotes). Everything
 * else makes it bail (push/end return false) so the caller falls back to csv-parse itself: a CR
 * that is not part of the CRLF line ends, a lone LF in a CRLF file, a quote inside an unquoted
 * field or anything but a delimiter after a closing quote (csv-parse errors), a quote unclosed at
 * the end, a quote before the first line end is known. Bailing is always correct; it only costs
 * speed. The BOM is the caller's (it strips a UTF-8 BOM from the bytes and bails on UTF-16).
 *
 * Line numbers follow csv-parse's `info.lines` at the moment a record is emitted: 1 + the number
 * of line-break characters before the record's end, where a CRLF record end counts once and every
 * CR or LF inside a quoted field counts once.
 */

/**
 * The UTF-16 code units of a text, `codes[k] === text.charCodeAt(k)`: the bytes themselves for an
 * ASCII piece (typed-array reads are several times faster than charCodeAt).
 */
export type CharCodes = Uint8Array | Uint16Array;

/** The code units of `text` (for text that did not come as ASCII bytes). */
export function charCodesOf(text: string): Uint16Array {
  const out = new Uint16Array(text.length);
  for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k);
  return out;
}

/** Receives the records of a scan. */
export interface CsvSink {
  /**
   * A record without quotes: the line text[start..end) (line end excluded), holding no quote,
   * CR or LF; its fields are what {@link splitLine} returns. Not called for empty lines.
   */
  line(text: string, codes: CharCodes, start: number, end: number, line: number): void;
  /** A record with at least one quoted field, fields unescaped. */
  quoted(fields: string[], line: number): void;
  /**
   * Optional: the records of bytes[from..to), a run of whole lines (`to` just after an LF) of
   * ASCII without quotes or CRs, the first one numbered `line`: one record per non-empty line,
   * its fields split at commas (each line is what {@link line} would be given). Returns the
   * number of the line after them (line + the number of LFs).
   */
  lines?(bytes: Buffer, from: number, to: number, line: number): number;
}

/** The fields of a line without quotes (see {@link CsvSink.line}): text[start..end) split at commas. */
export function splitLine(text: string, start: number, end: number): string[] {
  const out: string[] = [];
  let f = start;
  for (;;) {
    let c = text.indexOf(',', f);
    if (c < 0 || c > end) c = end;
    out.push(text.slice(f, c));
    if (c === end) return out;
    f = c + 1;
  }
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

const MODE_UNKNOWN = 0;
const MODE_LF = 1;
const MODE_CRLF = 2;

/** Result of scanning one quoted record: the index after it, or one of these. */
const NEED_MORE = -1;
const BAIL = -2;

/**
 * Incremental scanner. Feed decoded text with {@link push} (each piece ending at a line break
 * `\n`, except possibly the last) and finish with {@link end}. Once either returns false the scan
 * is abandoned (bailed): the records already delivered are a prefix of csv-parse's, and the caller
 * must discard them and parse with csv-parse.
 */
export class CsvScanner {
  private carry = '';
  private line = 1;
  private mode = MODE_UNKNOWN;
  private bailed = false;

  constructor(private readonly sink: CsvSink) {}

  /**
   * Scans the next piece of text. `ascii`: the piece's bytes when they are all ASCII (then they are
   * its code units). False = bailed (see class doc).
   */
  push(text: string, ascii?: Uint8Array): boolean {
    if (this.bailed) return false;
    let codes: CharCodes;
    if (this.carry !== '') {
      text = this.carry + text;
      this.carry = '';
      codes = charCodesOf(text);
    } else codes = ascii ?? charCodesOf(text);
    return this.scan(text, codes, false);
  }

  /**
   * Scans bytes[from..to) that are whole lines (`to` just after an LF) of ASCII without any
   * quote or CR, through the sink's {@link CsvSink.lines}: the records and line numbers
   * {@link push} would give for their text, without decoding it. False when it cannot take them
   * that way (no `lines`, a record carried over, bailed, or a CRLF file, where an LF alone is
   * csv-parse's): then push their text instead.
   */
  pushPlainLines(bytes: Buffer, from: number, to: number): boolean {
    if (this.bailed || this.carry !== '' || this.mode === MODE_CRLF || !this.sink.lines) return false;
    this.mode = MODE_LF; // the first line end, if it is among these, is an LF without CR
    this.line = this.sink.lines(bytes, from, to, this.line);
    return true;
  }

  /** Ends the input: an unterminated last record is emitted. False = bailed. */
  end(): boolean {
    if (this.bailed) return false;
    const text = this.carry;
    this.carry = '';
    return text === '' || this.scan(text, charCodesOf(text), true);
  }

  private bail(): boolean {
    this.bailed = true;
    return false;
  }

  /**
   * Scans text from 0. Unless eof, an unfinished last record is kept in `carry`. Lines are found
   * with indexOf (memchr-fast); a line without a quote goes to the sink as it is, a line with one
   * to {@link quotedRecord}.
   */
  private scan(text: string, codes: CharCodes, eof: boolean): boolean {
    const len = text.length;
    const sink = this.sink;
    let nextQuote = text.indexOf('"');
    if (nextQuote < 0) nextQuote = len;
    let nextCR = text.indexOf('\r');
    if (nextCR < 0) nextCR = len;
    let p = 0;
    while (p < len) {
      let nl = text.indexOf('\n', p);
      if (nl < 0) nl = len; // no line end: the last record of the input, or unfinished
      if (this.mode === MODE_UNKNOWN && nl < len) {
        // the first line end fixes the record delimiter (csv-parse's auto-discovery)
        if (nextQuote < nl) return this.bail();
        if (nextCR < nl) {
          if (nextCR !== nl - 1) return this.bail(); // a lone CR: old Mac line ends
          this.mode = MODE_CRLF;
        } else this.mode = MODE_LF;
      }
      if (nextQuote < nl) {
        if (this.mode === MODE_UNKNOWN) return this.bail();
        const after = this.quotedRecord(text, p, eof);
        if (after === BAIL) return this.bail();
        if (after === NEED_MORE) break;
        p = after;
        if (nextQuote < p) {
          nextQuote = text.indexOf('"', p);
          if (nextQuote < 0) nextQuote = len;
        }
        if (nextCR < p) {
          nextCR = text.indexOf('\r', p);
          if (nextCR < 0) nextCR = len;
        }
        continue;
      }
      if (nl === len && !eof) break;
      // an unquoted line [p, end)
      let end = nl;
      if (this.mode === MODE_CRLF) {
        if (nl < len) {
          if (nextCR !== nl - 1) return this.bail(); // a lone LF, or a CR inside the line
          end = nl - 1;
          nextCR = text.indexOf('\r', nl + 1);
          if (nextCR < 0) nextCR = len;
        } else if (nextCR < len) return this.bail();
      } else if (nextCR < len) return this.bail(); // LF file (or unknown): any CR is csv-parse's
      if (end > p) {
        sink.line(text, codes, p, end, this.line);
      } // else an empty line: skipped (skip_empty_lines), still a line
      if (nl < len) this.line++;
      p = nl + 1;
    }
    if (p < len) this.carry = text.slice(p);
    return true;
  }

  /**
   * Scans the record starting at p that contains a quote, with csv-parse's rules. Delivers it and
   * returns the index after its line end; NEED_MORE when the text ends inside it (not eof); BAIL
   * where csv-parse would fail or this scanner does not follow it.
   */
  private quotedRecord(text: string, p: number, eof: boolean): number {
    const len = text.length;
    const crlf = this.mode === MODE_CRLF;
    const fields: string[] = [];
    let breaks = 0; // line breaks inside quoted fields
    let i = p;
    for (;;) {
      // at the start of a field
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        let seg = ++i;
        for (;;) {
          if (i >= len) return eof ? BAIL : NEED_MORE; // eof: quote not closed
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            const d = text.charCodeAt(i + 1); // NaN past the end
            if (d === QUOTE) {
              value += text.slice(seg, i + 1);
              i += 2;
              seg = i;
              continue;
            }
            if (i + 1 >= len && !eof) return NEED_MORE; // cannot see what follows yet
            value += text.slice(seg, i);
            i++;
            if (i >= len || d === COMMA || d === LF || (d === CR && crlf && text.charCodeAt(i + 1) === LF)) break;
            return BAIL; // invalid closing quote (or a character csv-parse treats specially)
          }
          if (c === LF) breaks++;
          else if (c === CR) {
            if (!crlf) return BAIL;
            breaks++;
          }
          i++;
        }
        fields.push(value);
      } else {
        const start = i;
        for (;;) {
          if (i >= len) break;
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) return BAIL; // invalid opening quote
          i++;
        }
        fields.push(text.slice(start, i));
      }
      // at a delimiter, a line end or the end of the text
      if (i >= len) {
        if (!eof) return NEED_MORE;
        this.line += breaks;
        this.sink.quoted(fields, this.line);
        return i;
      }
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === LF) {
        if (crlf) return BAIL;
        this.line += breaks;
        this.sink.quoted(fields, this.line);
        this.line++;
        return i + 1;
      }
      // CR
      if (!crlf || text.charCodeAt(i + 1) !== LF) return BAIL;
      this.line += breaks;
      this.sink.quoted(fields, this.line);
      this.line++;
      return i + 2;
    }
  }
}

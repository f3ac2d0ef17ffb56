import { describe, it, expect } from 'vitest';
import { DEFAULT_MAX_FRAME_BYTES, LineDecoder, encodeFrame } from '../../src/runtime/net/framer.js';

/** Feeds `chunks` to a fresh decoder; returns every line and the first error. */
function decodeAll(chunks: Buffer[], limit?: number) {
  const decoder = new LineDecoder(limit);
  const lines: string[] = [];
  let error = null;
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    lines.push(...result.lines);
    if (result.error && !error) error = result.error;
  }
  return { lines, error, end: decoder.end() };
}

describe('LineDecoder', () => {
  it('defaults to a 64 KiB limit', () => {
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(65536);
    expect(new LineDecoder().maxLineBytes).toBe(65536);
  });

  it('yields the same lines however the stream is split into two chunks', () => {
    const text = '{"a":1}\n\n{"b":"héllo wörld ✓ 𝄞"}\n{"c":[1,2,3]}\n';
    const bytes = Buffer.from(text, 'utf8');
    const expected = ['{"a":1}', '', '{"b":"héllo wörld ✓ 𝄞"}', '{"c":[1,2,3]}'];
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { lines, error, end } = decodeAll([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(error, `cut at ${cut}`).toBeNull();
      expect(lines, `cut at ${cut}`).toEqual(expected);
      expect(end.truncated).toBe(false);
    }
  });

  it('yields the same lines when fed one byte at a time and when split at every pair of positions', () => {
    const text = 'αβγ\n€\n𝄞x\n';
    const bytes = Buffer.from(text, 'utf8');
    const expected = ['αβγ', '€', '𝄞x'];
    const byByte = decodeAll([...bytes].map((b) => Buffer.from([b])));
    expect(byByte.lines).toEqual(expected);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const { lines, error } = decodeAll([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
        expect(error).toBeNull();
        expect(lines, `cuts at ${i},${j}`).toEqual(expected);
      }
    }
  });

  it('decodes a 4-byte character split across chunks without replacement characters', () => {
    const bytes = Buffer.from('𝄞\n', 'utf8'); // F0 9D 84 9E 0A
    expect(bytes.length).toBe(5);
    const { lines } = decodeAll([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)]);
    expect(lines).toEqual(['𝄞']);
    expect(lines[0]).not.toContain('\uFFFD');
  });

  it('yields many lines from one chunk, in order', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `line-${i}`);
    const { lines } = decodeAll([Buffer.from(many.join('\n') + '\n')]);
    expect(lines).toEqual(many);
  });

  it('accepts a line of exactly the limit and rejects one byte more', () => {
    const limit = 16;
    const ok = decodeAll([Buffer.from('x'.repeat(limit) + '\n')], limit);
    expect(ok.error).toBeNull();
    expect(ok.lines).toEqual(['x'.repeat(limit)]);
    const tooLong = decodeAll([Buffer.from('x'.repeat(limit + 1) + '\n')], limit);
    expect(tooLong.lines).toEqual([]);
    expect(tooLong.error).toEqual({ reason: 'line_too_long', bytes: limit + 1, limit });
  });

  it('reports an over-long partial line as soon as it exceeds the limit, before any newline', () => {
    const decoder = new LineDecoder(10);
    expect(decoder.push(Buffer.from('0123456789')).error).toBeNull(); // exactly the limit: may still end
    expect(decoder.bufferedBytes).toBe(10);
    const result = decoder.push(Buffer.from('a'));
    expect(result.error?.reason).toBe('line_too_long');
    expect(decoder.bufferedBytes).toBe(0); // nothing kept
  });

  it('delivers the good lines before an error and nothing after it, ever', () => {
    const decoder = new LineDecoder(8);
    const first = decoder.push(Buffer.from('ok1\nok2\n' + 'y'.repeat(20) + '\nok3\n'));
    expect(first.lines).toEqual(['ok1', 'ok2']);
    expect(first.error?.reason).toBe('line_too_long');
    const later = decoder.push(Buffer.from('ok4\n'));
    expect(later.lines).toEqual([]);
    expect(later.error).toBe(first.error);
    expect(decoder.error).toBe(first.error);
  });

  it('rejects a line that is not valid UTF-8', () => {
    const { lines, error } = decodeAll([Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a, 0x62, 0x0a])]);
    expect(lines).toEqual(['a']);
    expect(error).toEqual({ reason: 'invalid_utf8', bytes: 2, limit: DEFAULT_MAX_FRAME_BYTES });
  });

  it('reports a partial line at end as truncated and does not deliver it', () => {
    const decoder = new LineDecoder();
    const pushed = decoder.push(Buffer.from('{"done":1}\n{"half":'));
    expect(pushed.lines).toEqual(['{"done":1}']);
    expect(decoder.end()).toEqual({ truncated: true, leftoverBytes: 8 });
    expect(decoder.end()).toEqual({ truncated: false, leftoverBytes: 0 });
    expect(() => decoder.push(Buffer.from('x\n'))).toThrow();
  });

  it('reports a clean end as not truncated', () => {
    const decoder = new LineDecoder();
    decoder.push(Buffer.from('a\n'));
    expect(decoder.end()).toEqual({ truncated: false, leftoverBytes: 0 });
  });

  it('does not retain the caller chunk (later mutation does not change a pending line)', () => {
    const decoder = new LineDecoder();
    const chunk = Buffer.from('abc');
    decoder.push(chunk);
    chunk.fill(0x7a);
    expect(decoder.push(Buffer.from('\n')).lines).toEqual(['abc']);
  });

  it('stays linear on a long line fed in tiny chunks', () => {
    const decoder = new LineDecoder();
    const piece = Buffer.from('a');
    const start = performance.now();
    let errors = 0;
    for (let i = 0; i < 65536; i++) if (decoder.push(piece).error) errors++;
    const { lines } = decoder.push(Buffer.from('\n'));
    expect(errors).toBe(0);
    expect(lines[0]!.length).toBe(65536);
    // Quadratic concatenation would copy ~2 GiB here; linear buffering takes milliseconds.
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('encodeFrame', () => {
  it('is JSON plus exactly one trailing newline, even when strings contain newlines', () => {
    const frame = encodeFrame({ text: 'a\nb', n: 1 });
    expect(frame.at(-1)).toBe(0x0a);
    expect(frame.subarray(0, -1).includes(0x0a)).toBe(false);
    expect(JSON.parse(frame.toString('utf8'))).toEqual({ text: 'a\nb', n: 1 });
  });

  it('round-trips through the decoder', () => {
    const objs = [{ a: 'ü' }, [1, 2], 'str', null];
    const bytes = Buffer.concat(objs.map(encodeFrame));
    const { lines } = decodeAll([bytes]);
    expect(lines.map((l) => JSON.parse(l))).toEqual(objs);
  });

  it('throws on values JSON cannot represent', () => {
    expect(() => encodeFrame(undefined)).toThrow(TypeError);
    expect(() => encodeFrame({ n: 1n })).toThrow();
  });
});

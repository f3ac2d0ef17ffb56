/**
 * Newline-delimited framing for the wire protocol (ARCHITECTURE.md, "Wire protocol").
 *
 * A frame is one line of UTF-8 text ending in `\n`, at most `maxLineBytes` bytes long excluding the
 * newline. The decoder works on bytes and decodes each complete line once, so a multi-byte
 * character split across TCP chunks is decoded correctly. It never buffers more than the limit:
 * an over-long line is reported as soon as the buffered partial line exceeds it.
 */
import { isUtf8 } from 'node:buffer';

/** The wire limit of one line, excluding its newline: 64 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 65536;

const NEWLINE = 0x0a;

/** Why the decoder stopped. After an error the decoder is poisoned and yields nothing more. */
export type FrameErrorReason = 'line_too_long' | 'invalid_utf8';

export interface FrameError {
  readonly reason: FrameErrorReason;
  /**
   * For `line_too_long`: bytes of the offending line seen so far (already more than `limit`).
   * For `invalid_utf8`: the length in bytes of the line that is not valid UTF-8.
   */
  readonly bytes: number;
  /** The decoder's line limit in bytes. */
  readonly limit: number;
}

/**
 * What one {@link LineDecoder.push} produced. Invariant: `lines` are the complete, valid lines that
 * precede the error (if any) in stream order; nothing after an error is ever delivered.
 */
export interface PushResult {
  readonly lines: string[];
  readonly error: FrameError | null;
}

/** What is left when the stream ends. `truncated` iff a partial line (bytes after the last `\n`) was pending. */
export interface EndResult {
  readonly truncated: boolean;
  /** Bytes of the unterminated partial line (0 when not truncated). Such a line is never delivered. */
  readonly leftoverBytes: number;
}

/**
 * Incremental splitter of a byte stream into lines.
 *
 * Invariants:
 * - every delivered line is complete (was followed by `\n`), at most `maxLineBytes` bytes long and
 *   valid UTF-8; the `\n` is not part of it (a `\r` before it is kept: JSON treats it as whitespace);
 * - at most `maxLineBytes` bytes of a partial line are ever held;
 * - each input byte is copied at most twice (into the pending buffer, then into the decoded line),
 *   so decoding is linear in the input however it is chunked.
 */
export class LineDecoder {
  /** Pieces of the current partial line, in order (copies: the caller's chunks are not retained). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failure: FrameError | null = null;
  private ended = false;

  constructor(readonly maxLineBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    }
  }

  /** The error that poisoned this decoder, if any. */
  get error(): FrameError | null {
    return this.failure;
  }

  /** Bytes of the partial line currently held. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds the next chunk of the stream. Returns the lines it completed and, if the stream became
   * invalid, the error (lines before the error are still returned; once poisoned, every later push
   * returns no lines and the same error). Pushing after {@link end} is a programming error.
   */
  push(chunk: Uint8Array): PushResult {
    if (this.ended) throw new Error('LineDecoder.push() after end()');
    if (this.failure) return { lines: [], error: this.failure };
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const lines: string[] = [];
    const limit = this.maxLineBytes;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl === -1) break;
      const pieceBytes = nl - start;
      const lineBytes = this.pendingBytes + pieceBytes;
      if (lineBytes > limit) return this.fail(lines, 'line_too_long', lineBytes);
      let lineBuf: Buffer;
      if (this.pendingBytes === 0) {
        lineBuf = buf.subarray(start, nl);
      } else {
        this.pending.push(buf.subarray(start, nl));
        lineBuf = Buffer.concat(this.pending, lineBytes);
        this.pending = [];
        this.pendingBytes = 0;
      }
      if (!isUtf8(lineBuf)) return this.fail(lines, 'invalid_utf8', lineBytes);
      lines.push(lineBuf.toString('utf8'));
      start = nl + 1;
    }
    const rest = buf.length - start;
    if (rest > 0) {
      const partialBytes = this.pendingBytes + rest;
      if (partialBytes > limit) return this.fail(lines, 'line_too_long', partialBytes);
      // Copy: a subarray would pin the caller's whole chunk in memory.
      this.pending.push(Buffer.from(buf.subarray(start)));
      this.pendingBytes = partialBytes;
    }
    return { lines, error: null };
  }

  /** Marks the end of the stream and reports an unterminated partial line, which is discarded. Idempotent. */
  end(): EndResult {
    this.ended = true;
    const leftoverBytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    return { truncated: leftoverBytes > 0, leftoverBytes };
  }

  private fail(lines: string[], reason: FrameErrorReason, bytes: number): PushResult {
    this.failure = { reason, bytes, limit: this.maxLineBytes };
    this.pending = [];
    this.pendingBytes = 0;
    return { lines, error: this.failure };
  }
}

/**
 * Encodes one frame: `JSON.stringify(obj)` + `\n` as UTF-8. JSON.stringify escapes newlines inside
 * strings, so the result holds exactly one `\n`, at the end. Throws what JSON.stringify throws
 * (cycles, BigInt); the caller checks the size against the limit.
 */
export function encodeFrame(obj: unknown): Buffer {
  const json = JSON.stringify(obj);
  if (json === undefined) throw new TypeError('encodeFrame: value is not JSON-serialisable');
  return Buffer.from(json + '\n', 'utf8');
}

/**
 * Talking to a live machine's port from tests like a stranger would: raw sockets that read the
 * challenge and write whatever the test wants, plus waiting for log rows (polling the synchronously
 * written CSV, with a deadline) and a strict validity check of a whole log. Sockets opened here are
 * destroyed by destroyRawPeers() (call it in afterEach).
 */
import { connect, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { LOG_COLUMNS, type LogRow } from '../../src/core/logRow.js';
import { readLogFile } from './logs.js';

const open = new Set<Socket>();

/** A raw TCP client with line buffering of what the server sends. */
export interface RawPeer {
  readonly socket: Socket;
  /** Complete lines received so far. */
  readonly lines: string[];
  /** Resolves when the socket closes (either side), with ms since connect. */
  readonly closed: Promise<number>;
  /** Resolves with received line `index` (0 = the challenge); rejects on close or after `timeoutMs`. */
  line(index: number, timeoutMs?: number): Promise<string>;
  /** The challenge's nonce (first line). */
  nonce(timeoutMs?: number): Promise<string>;
}

/**
 * Connects to host:port (from `localAddress` when given, e.g. another loopback address, so a test
 * can look like a different source); resolves once connected, rejects on error (e.g. ECONNREFUSED).
 */
export function rawConnect(port: number, host = '127.0.0.1', timeoutMs = 5000, localAddress?: string): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect(localAddress === undefined ? { port, host } : { port, host, localAddress });
    open.add(socket);
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    let partial = '';
    let isClosed = false;
    const t0 = performance.now();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${host}:${port} timed out`));
    }, timeoutMs);
    const closed = new Promise<number>((r) =>
      socket.on('close', () => {
        isClosed = true;
        open.delete(socket);
        for (const w of waiters.splice(0)) w();
        r(performance.now() - t0);
      }),
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const line = (index: number, ms = 5000): Promise<string> =>
      new Promise((res, rej) => {
        const deadline = setTimeout(() => rej(new Error(`no line ${index} within ${ms} ms (got ${JSON.stringify(lines)})`)), ms);
        const check = (): void => {
          if (lines.length > index) {
            clearTimeout(deadline);
            res(lines[index]!);
          } else if (isClosed) {
            clearTimeout(deadline);
            rej(new Error(`closed before line ${index} (got ${JSON.stringify(lines)})`));
          } else waiters.push(check);
        };
        check();
      });
    const nonce = async (ms?: number): Promise<string> => {
      const frame = JSON.parse(await line(0, ms)) as { type?: string; nonce?: string };
      if (frame.type !== 'challenge' || typeof frame.nonce !== 'string') throw new Error(`expected a challenge, got ${JSON.stringify(frame)}`);
      return frame.nonce;
    };
    socket.on('connect', () => {
      clearTimeout(timer);
      resolve({ socket, lines, closed, line, nonce });
    });
  });
}

/** Resolves when `p` settles or after `ms` (then `true` = timed out). For bounded waits on a close. */
export async function within<T>(p: Promise<T>, ms: number): Promise<{ value?: T; timedOut: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ timedOut: true }>((r) => (timer = setTimeout(() => r({ timedOut: true }), ms)));
  const result = await Promise.race([p.then((value) => ({ value, timedOut: false })), timeout]);
  clearTimeout(timer);
  return result;
}

/** Destroys every socket opened by rawConnect that is still open. */
export function destroyRawPeers(): void {
  for (const s of open) s.destroy();
  open.clear();
}

/** Parses a log that may not exist yet or may be mid-write (a torn last line is retried). */
function tryRead(path: string): LogRow[] | null {
  if (!existsSync(path)) return null;
  try {
    return readLogFile(path);
  } catch {
    return null;
  }
}

/**
 * Polls the log at `path` (every 50 ms, at most `timeoutMs`) until `pred` holds for its rows;
 * resolves with the rows, rejects with the last rows seen on timeout.
 */
export async function waitForRows(path: string, pred: (rows: LogRow[]) => boolean, what: string, timeoutMs = 10_000): Promise<LogRow[]> {
  const deadline = performance.now() + timeoutMs;
  let rows: LogRow[] | null = null;
  for (;;) {
    rows = tryRead(path);
    if (rows && pred(rows)) return rows;
    if (performance.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = (rows ?? []).slice(-8).map((r) => `${r.event} ${r.peer} ${r.detail}`);
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${path}; last rows:\n${tail.join('\n')}`);
}

/** Resolves with the first ERROR row whose detail has `reason=<reason>` (and matches `extra`). */
export async function waitForError(path: string, reason: string, extra: RegExp = /.*/, timeoutMs = 10_000): Promise<LogRow> {
  const match = (r: LogRow): boolean => r.event === 'ERROR' && r.detail.split(' ').includes(`reason=${reason}`) && extra.test(r.detail);
  const rows = await waitForRows(path, (rs) => rs.some(match), `ERROR reason=${reason}`, timeoutMs);
  return rows.find(match)!;
}

export const TICK_EVENTS = new Set(['SEND', 'RECEIVE', 'INTERNAL']);

/**
 * Every row of a machine's log well-formed, beyond what the CSV parse checks. Returns problems
 * (empty when valid). Detail must hold no control or format characters (no terminal escapes).
 */
export function logProblems(rows: readonly LogRow[], machine: number): string[] {
  const problems: string[] = [];
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
  const vector = /^\d+:\d+(;\d+:\d+)*$/;
  rows.forEach((r, i) => {
    const at = `row ${i + 2} (${r.event})`;
    if (Object.keys(r).length !== LOG_COLUMNS.length) problems.push(`${at}: ${Object.keys(r).length} columns`);
    if (!iso.test(r.time) || Date.parse(r.time) !== r.epoch_ms) problems.push(`${at}: time ${r.time} vs epoch_ms ${r.epoch_ms}`);
    if (r.machine !== machine) problems.push(`${at}: machine ${r.machine}`);
    if (!/^[A-Z_]+$/.test(r.event)) problems.push(`${at}: event ${JSON.stringify(r.event)}`);
    if (!Number.isSafeInteger(r.lamport) || r.lamport < 0) problems.push(`${at}: lamport ${r.lamport}`);
    if (!vector.test(r.vector)) problems.push(`${at}: vector ${JSON.stringify(r.vector)}`);
    if (!Number.isSafeInteger(r.queue_len) || r.queue_len < 0) problems.push(`${at}: queue_len ${r.queue_len}`);
    if (!/^(\d+(;\d+)*)?$/.test(r.peer)) problems.push(`${at}: peer ${JSON.stringify(r.peer)}`);
    if (!/^(\d+-\d+)?$/.test(r.msg_id)) problems.push(`${at}: msg_id ${JSON.stringify(r.msg_id)}`);
    if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(r.detail)) problems.push(`${at}: control/format character in detail ${JSON.stringify(r.detail)}`);
    if (r.detail.length > 1000) problems.push(`${at}: detail of ${r.detail.length} chars`);
    if (i > 0 && r.epoch_ms < rows[i - 1]!.epoch_ms - 1000) problems.push(`${at}: time went back more than 1 s`);
  });
  return problems;
}

/**
 * Tick rows per whole second between `fromMs` and `toMs` (epoch ms), as an array of counts, one per
 * second window. With a fixed --tick-rate r, each should be close to r.
 */
export function ticksPerSecond(rows: readonly LogRow[], fromMs: number, toMs: number): number[] {
  const counts: number[] = [];
  for (let t = fromMs; t + 1000 <= toMs; t += 1000) {
    counts.push(rows.filter((r) => TICK_EVENTS.has(r.event) && r.epoch_ms >= t && r.epoch_ms < t + 1000).length);
  }
  return counts;
}

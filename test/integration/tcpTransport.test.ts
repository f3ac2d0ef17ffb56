/**
 * TcpTransport over real loopback sockets, in one process: handshakes, FIFO delivery, redial,
 * rejection of misbehaving peers (driven by raw node:net sockets), listen errors, hello timeout.
 * Every wait is on an event with a deadline; nothing sleeps for a fixed time.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { MachineEntry } from '../../src/config/schema.js';
import type { Envelope, MachineId } from '../../src/core/types.js';
import { isLabError } from '../../src/core/errors.js';
import { parseDetail } from '../../src/core/logRow.js';
import type { Direction, TransportHandlers } from '../../src/runtime/transport.js';
import { TcpTransport, type TcpTransportOptions } from '../../src/runtime/net/tcpTransport.js';
import { LineDecoder } from '../../src/runtime/net/framer.js';
import { computeProof } from '../../src/runtime/net/protocol.js';
import { unusedRandomPorts } from '../helpers/ports.js';

const WAIT_MS = 4000;
const FAST_BACKOFF = { initialMs: 5, maxMs: 50 };

type TransportEvent =
  | { kind: 'up'; peer: MachineId; direction: Direction }
  | { kind: 'down'; peer: MachineId; direction: Direction; reason: string }
  | { kind: 'msg'; env: Envelope<unknown> }
  | { kind: 'problem'; detail: string; peer: MachineId | undefined };

/** Records handler calls and lets a test await the first event (from some index on) matching a predicate. */
class Recorder implements TransportHandlers {
  readonly events: TransportEvent[] = [];
  private waiters: { from: number; pred: (e: TransportEvent) => boolean; resolve: (e: TransportEvent) => void }[] = [];

  onMessage(env: Envelope<unknown>): void {
    this.record({ kind: 'msg', env });
  }
  onPeerUp(peer: MachineId, direction: Direction): void {
    this.record({ kind: 'up', peer, direction });
  }
  onPeerDown(peer: MachineId, direction: Direction, reason: string): void {
    this.record({ kind: 'down', peer, direction, reason });
  }
  onProblem(detail: string, peer?: MachineId): void {
    this.record({ kind: 'problem', detail, peer });
  }

  get messages(): Envelope<unknown>[] {
    return this.events.flatMap((e) => (e.kind === 'msg' ? [e.env] : []));
  }
  get problems(): { detail: Map<string, string>; peer: MachineId | undefined }[] {
    return this.events.flatMap((e) => (e.kind === 'problem' ? [{ detail: parseDetail(e.detail), peer: e.peer }] : []));
  }

  /** Resolves with the first event at index >= `from` matching `pred`; rejects after WAIT_MS. */
  waitFor(pred: (e: TransportEvent) => boolean, what: string, from = 0): Promise<TransportEvent> {
    const found = this.events.slice(from).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = { from, pred, resolve: (e: TransportEvent) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.slice(-10))}`));
      }, WAIT_MS);
      this.waiters.push(waiter);
    });
  }

  waitUp(peer: MachineId, direction: Direction, from = 0): Promise<TransportEvent> {
    return this.waitFor((e) => e.kind === 'up' && e.peer === peer && e.direction === direction, `up ${peer} ${direction}`, from);
  }
  waitDown(peer: MachineId, direction: Direction, from = 0): Promise<TransportEvent> {
    return this.waitFor((e) => e.kind === 'down' && e.peer === peer && e.direction === direction, `down ${peer} ${direction}`, from);
  }
  /** Resolves with the parsed detail of the first problem whose `reason` is `reason`. */
  async waitProblem(reason: string, from = 0): Promise<{ detail: Map<string, string>; peer: MachineId | undefined }> {
    const e = await this.waitFor(
      (ev) => ev.kind === 'problem' && parseDetail(ev.detail).get('reason') === reason,
      `problem reason=${reason}`,
      from,
    );
    if (e.kind !== 'problem') throw new Error('unreachable');
    return { detail: parseDetail(e.detail), peer: e.peer };
  }
  waitMessages(count: number): Promise<TransportEvent> {
    let seen = 0;
    return this.waitFor((e) => e.kind === 'msg' && ++seen >= count, `${count} messages`);
  }

  private record(e: TransportEvent): void {
    const index = this.events.length;
    this.events.push(e);
    const ready = this.waiters.filter((w) => index >= w.from && w.pred(e));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(e);
  }
}

// ── fixtures ──────────────────────────────────────────────────────────────────────────────────

const liveTransports: TcpTransport[] = [];
const liveSockets: Socket[] = [];
const liveServers: Server[] = [];

afterEach(async () => {
  for (const s of liveSockets.splice(0)) s.destroy();
  await Promise.all(liveTransports.splice(0).map((t) => t.close()));
  await Promise.all(liveServers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** Distinct ports of this worker's own range, never handed out before here (helpers/ports.ts). */
function randomPorts(n: number): number[] {
  return unusedRandomPorts(n);
}

interface Cluster {
  machines: MachineEntry[];
  transports: TcpTransport[];
  recorders: Recorder[];
}

type ExtraOptions = Partial<Omit<TcpTransportOptions, 'self' | 'machines' | 'handlers'>>;

function makeTransport(self: MachineId, machines: MachineEntry[], recorder: Recorder, extra: ExtraOptions = {}): TcpTransport {
  const t = new TcpTransport({ self, machines, handlers: recorder, backoff: FAST_BACKOFF, ...extra });
  liveTransports.push(t);
  return t;
}

/**
 * Starts transports for machines 1..n on 127.0.0.1 (listening, not yet dialing). `extra` machines
 * (ids n+1...) are in the config but have no transport: raw sockets play them. Retries on PORT_IN_USE.
 */
async function startCluster(n: number, options: ExtraOptions = {}, extra: Partial<MachineEntry>[] = []): Promise<Cluster> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const ports = randomPorts(n + extra.length);
    const machines: MachineEntry[] = ports.map((port, i) => ({ id: i + 1, host: '127.0.0.1', port, ...(extra[i - n] ?? {}) }));
    const recorders = Array.from({ length: n }, () => new Recorder());
    const transports = recorders.map((r, i) => makeTransport(i + 1, machines, r, options));
    try {
      await Promise.all(transports.map((t) => t.listen()));
      return { machines, transports, recorders };
    } catch (e) {
      await Promise.all(transports.map((t) => t.close()));
      if (isLabError(e) && e.code === 'PORT_IN_USE') continue;
      throw e;
    }
  }
  throw new Error('no free ports after 20 attempts');
}

/** Dials everywhere and waits until every transport has every peer up in both directions. */
async function connectCluster(c: Cluster): Promise<void> {
  for (const t of c.transports) t.connectAll();
  const waits: Promise<unknown>[] = [];
  c.recorders.forEach((r, i) => {
    for (let peer = 1; peer <= c.transports.length; peer++) {
      if (peer === i + 1) continue;
      waits.push(r.waitUp(peer, 'out'), r.waitUp(peer, 'in'));
    }
  });
  await Promise.all(waits);
}

/** A raw TCP client reading lines. */
class RawClient {
  readonly lines: string[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new LineDecoder();
  private lineWaiters: (() => void)[] = [];

  constructor(readonly socket: Socket) {
    liveSockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.lines.push(...this.decoder.push(chunk).lines);
      for (const w of this.lineWaiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** The n-th line received (0-based), waiting for it. */
  async line(n: number): Promise<Record<string, unknown>> {
    while (this.lines.length <= n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for line ${n}`)), WAIT_MS);
        this.lineWaiters.push(() => (clearTimeout(timer), resolve()));
        this.closed.then(() => (clearTimeout(timer), reject(new Error(`closed before line ${n}`))));
      });
    }
    return JSON.parse(this.lines[n]!) as Record<string, unknown>;
  }

  send(text: string): void {
    this.socket.write(text);
  }
  sendFrame(obj: unknown): void {
    this.socket.write(JSON.stringify(obj) + '\n');
  }

  /** Answers the challenge with a hello from `from`; returns the nonce. */
  async hello(from: number, proof?: (nonce: string) => string | undefined): Promise<string> {
    const challenge = await this.line(0);
    expect(challenge.type).toBe('challenge');
    const nonce = challenge.nonce as string;
    const p = proof?.(nonce);
    this.sendFrame(p === undefined ? { type: 'hello', from } : { type: 'hello', from, proof: p });
    return nonce;
  }

  /** Full handshake as `from`; resolves once welcomed. */
  async handshake(from: number, proof?: (nonce: string) => string | undefined): Promise<void> {
    await this.hello(from, proof);
    expect(await this.line(1)).toEqual({ type: 'welcome', from: 1 });
  }

  /** Resolves when the peer closed the socket; fails the test if that takes longer than WAIT_MS. */
  async expectClosed(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('socket was not closed by the transport')), WAIT_MS);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function envelope(from: MachineId, seq: number, vector: number[], body: unknown = { seq }): Envelope<unknown> {
  return { id: `${from}-${seq}`, from, lamport: seq, vector, body };
}

function msgFrame(from: number, seq: number, vector: Record<string, number> = { '1': 0, '2': 0, '3': 0, '4': seq }) {
  return { type: 'msg', id: `${from}-${seq}`, from, lamport: seq, vector, body: { seq } };
}

interface FakeListenerOptions {
  /** Stop reading after the welcome, like a peer that hung. */
  readonly stopReadingAfterWelcome?: boolean;
  /** The welcome's proof, from the hello's nonce (undefined: none). */
  readonly welcomeProof?: (helloNonce: string) => string;
  /** Frames written right after the welcome. */
  readonly afterWelcome?: readonly unknown[];
}

/**
 * A fake listener (standing in for an earlier machine) that challenges, records each hello and
 * welcomes as `welcomeAs`.
 */
async function fakeListenerFor(
  welcomeAs: number,
  opts: FakeListenerOptions = {},
): Promise<{ port: number; hellos: Record<string, unknown>[]; nonces: string[] }> {
  const hellos: Record<string, unknown>[] = [];
  const nonces: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = randomPorts(1)[0]!;
    const server = createServer((socket) => {
      liveSockets.push(socket);
      socket.on('error', () => undefined);
      const nonce = 'ab'.repeat(16);
      nonces.push(nonce);
      socket.write(JSON.stringify({ type: 'challenge', nonce }) + '\n');
      const decoder = new LineDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const line of decoder.push(chunk).lines) {
          const hello = JSON.parse(line) as Record<string, unknown>;
          hellos.push(hello);
          const proof = opts.welcomeProof?.(String(hello.nonce));
          socket.write(JSON.stringify(proof === undefined ? { type: 'welcome', from: welcomeAs } : { type: 'welcome', from: welcomeAs, proof }) + '\n');
          for (const f of opts.afterWelcome ?? []) socket.write(JSON.stringify(f) + '\n');
          if (opts.stopReadingAfterWelcome) socket.pause();
        }
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: '127.0.0.1', port }, () => resolve(true));
    });
    if (ok) {
      liveServers.push(server);
      return { port, hellos, nonces };
    }
  }
  throw new Error('no free port');
}

/** A fake later machine that challenges every connection and records what each sends. */
async function fakeKnockListener(lines: string[][]): Promise<{ port: number; connections: () => number; waitLines: (n: number) => Promise<void> }> {
  let count = 0;
  let wake: (() => void) | null = null;
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = randomPorts(1)[0]!;
    const server = createServer((socket) => {
      liveSockets.push(socket);
      count++;
      const mine: string[] = [];
      lines.push(mine);
      socket.on('error', () => undefined);
      socket.write(JSON.stringify({ type: 'challenge', nonce: 'ef'.repeat(16) }) + '\n');
      const decoder = new LineDecoder();
      socket.on('data', (chunk: Buffer) => {
        mine.push(...decoder.push(chunk).lines);
        wake?.();
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: '127.0.0.1', port }, () => resolve(true));
    });
    if (!ok) continue;
    liveServers.push(server);
    const waitLines = (n: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fewer than ${n} lines: ${JSON.stringify(lines)}`)), WAIT_MS);
        const check = (): void => {
          if (lines.flat().length >= n) {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
        };
        wake = check;
        check();
      });
    return { port, connections: () => count, waitLines };
  }
  throw new Error('no free port');
}

// ── tests ─────────────────────────────────────────────────────────────────────────────────────

describe('TcpTransport: a healthy cluster', () => {
  it('brings every link up in both directions and delivers messages FIFO per link with vectors intact', async () => {
    const c = await startCluster(3);
    const [t1] = c.transports;
    expect(t1!.isUp(2)).toBe(false);
    expect(t1!.send(2, envelope(1, 0, [0, 0, 0]))).toBe(false); // not up yet: nothing written
    await connectCluster(c);
    for (const t of c.transports) for (let p = 1; p <= 3; p++) expect(t.isUp(p)).toBe(c.transports.indexOf(t) + 1 !== p);

    const perLink = 300;
    const sent = new Map<string, Envelope<unknown>[]>();
    for (let seq = 1; seq <= perLink; seq++) {
      c.transports.forEach((t, i) => {
        const from = i + 1;
        const vector = [0, 0, 0].map((_, k) => (k === i ? seq : seq * 10 + k)); // distinct per entry
        const env = envelope(from, seq, vector, { seq, text: `héllo ${seq}`, nested: { list: [from, seq] } });
        for (let to = 1; to <= 3; to++) {
          if (to === from) continue;
          expect(t.send(to, env)).toBe(true);
          const key = `${from}->${to}`;
          sent.set(key, [...(sent.get(key) ?? []), env]);
        }
      });
    }
    await Promise.all(c.recorders.map((r) => r.waitMessages(2 * perLink)));
    c.recorders.forEach((r, i) => {
      const to = i + 1;
      for (let from = 1; from <= 3; from++) {
        if (from === to) continue;
        const got = r.messages.filter((m) => m.from === from);
        expect(got, `${from}->${to}`).toEqual(sent.get(`${from}->${to}`));
      }
      expect(r.problems).toEqual([]);
    });
  });

  it('one connection per pair: the later machine dials, a hello from an earlier one is refused (wrong_dialer)', async () => {
    const c = await startCluster(3);
    await connectCluster(c);
    const r3 = c.recorders[2]!;
    const raw = await RawClient.connect(c.machines[2]!.port);
    await raw.hello(1); // machine 3 dials 1; 1 never dials 3
    await raw.expectClosed();
    const problem = await r3.waitProblem('wrong_dialer');
    expect(problem.detail.get('from')).toBe('1');
    expect(c.transports[2]!.isUp(1)).toBe(true); // the real pair connection is untouched
  });

  it('a restarted machine knocks: a later peer waiting out a long back-off dials it at once', async () => {
    const c = await startCluster(2, { backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 } });
    await connectCluster(c);
    const [t1] = c.transports;
    const r2 = c.recorders[1]!;
    const mark = r2.events.length;
    await t1!.close();
    await r2.waitDown(1, 'out', mark); // 2 now waits 60 s before it redials 1
    const r1b = new Recorder();
    const t1b = makeTransport(1, c.machines, r1b);
    await t1b.listen();
    const t0 = performance.now();
    t1b.connectAll(); // knocks on 2
    await Promise.all([r1b.waitUp(2, 'in'), r1b.waitUp(2, 'out'), r2.waitUp(1, 'out', mark), r2.waitUp(1, 'in', mark)]);
    expect(performance.now() - t0).toBeLessThan(WAIT_MS); // long before the 60 s back-off
    expect(r1b.problems).toEqual([]);
    expect(r2.problems).toEqual([]); // a knock leaves no ERROR row
  });

  it('notRunningYet: no knock on a later peer that start-all has not started yet; a knock otherwise', async () => {
    const knocked: string[][] = [];
    const fake = await fakeKnockListener(knocked);
    const machines = [
      { id: 1, host: '127.0.0.1', port: randomPorts(1)[0]! },
      { id: 2, host: '127.0.0.1', port: fake.port },
    ];
    const quiet = makeTransport(1, machines, new Recorder(), { notRunningYet: new Set([2]) });
    await quiet.listen();
    quiet.connectAll();
    // absence needs a bounded wait: a knock on loopback takes a few ms
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.connections()).toBe(0);
    await quiet.close();
    const knocking = makeTransport(1, machines, new Recorder());
    await knocking.listen();
    knocking.connectAll();
    await fake.waitLines(1);
    expect(knocked).toEqual([[JSON.stringify({ type: 'knock', from: 1 })]]);
  });

  it('redials a peer that closes and comes back, on the same port', async () => {
    const c = await startCluster(3);
    await connectCluster(c);
    const [t1, t2] = c.transports;
    const r1 = c.recorders[0]!;
    const mark = r1.events.length;
    await t2!.close();
    await Promise.all([r1.waitDown(2, 'out', mark), r1.waitDown(2, 'in', mark), c.recorders[2]!.waitDown(2, 'out', mark)]);
    expect(t1!.isUp(2)).toBe(false);
    expect(t1!.send(2, envelope(1, 1, [1, 0, 0]))).toBe(false);

    const r2 = new Recorder();
    const t2again = makeTransport(2, c.machines, r2);
    await t2again.listen();
    t2again.connectAll();
    await Promise.all([r1.waitUp(2, 'out', mark), r1.waitUp(2, 'in', mark), r2.waitUp(1, 'in'), r2.waitUp(1, 'out'), r2.waitUp(3, 'in')]);
    expect(t1!.send(2, envelope(1, 2, [2, 0, 0]))).toBe(true);
    expect(t2again.send(1, envelope(2, 1, [0, 1, 0]))).toBe(true);
    await r2.waitMessages(1);
    await r1.waitFor((e) => e.kind === 'msg' && e.env.from === 2, 'message from the new 2', mark);
    expect(r2.messages).toEqual([envelope(1, 2, [2, 0, 0])]);
  });

  it('close() is idempotent, ends every link and calls no handler afterwards', async () => {
    const c = await startCluster(2);
    await connectCluster(c);
    const [t1] = c.transports;
    const r1 = c.recorders[0]!;
    const count = r1.events.length;
    const first = t1!.close();
    expect(t1!.close()).toBe(first);
    await first;
    await c.recorders[1]!.waitDown(1, 'out');
    await c.recorders[1]!.waitDown(1, 'in');
    expect(r1.events.length).toBe(count);
    expect(t1!.isUp(2)).toBe(false);
    expect(t1!.send(2, envelope(1, 1, [1, 0]))).toBe(false);
    await expect(t1!.listen()).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});

describe('TcpTransport: misbehaving peers are closed and reported, good links keep working', () => {
  /** Cluster 1..3 up, machine 4 in the config for a raw socket to play. */
  async function setup(options: ExtraOptions = {}) {
    const c = await startCluster(3, options, [{}]);
    await connectCluster(c);
    return { c, port1: c.machines[0]!.port, r1: c.recorders[0]! };
  }

  /** Sends one message on each good link into machine 1 and checks it arrives. */
  async function expectGoodLinksWork(c: Cluster): Promise<void> {
    const r1 = c.recorders[0]!;
    const before = r1.messages.length;
    expect(c.transports[1]!.send(1, envelope(2, 900, [0, 900, 0, 0]))).toBe(true);
    expect(c.transports[2]!.send(1, envelope(3, 900, [0, 0, 900, 0]))).toBe(true);
    await r1.waitMessages(before + 2);
    expect(r1.messages.slice(before).map((m) => m.id).sort()).toEqual(['2-900', '3-900']);
    expect(c.transports[0]!.isUp(2) && c.transports[0]!.isUp(3)).toBe(true);
  }

  it('accepts a well-behaved raw peer (control for the cases below)', async () => {
    const { c, port1, r1 } = await setup();
    const raw = await RawClient.connect(port1);
    await raw.handshake(4);
    await r1.waitUp(4, 'in');
    raw.sendFrame(msgFrame(4, 1));
    const e = await r1.waitFor((ev) => ev.kind === 'msg' && ev.env.from === 4, 'message from 4');
    expect(e).toEqual({ kind: 'msg', env: { id: '4-1', from: 4, lamport: 1, vector: [0, 0, 0, 1], body: { seq: 1 } } });
    raw.socket.end();
    await r1.waitDown(4, 'in');
    expect(r1.problems).toEqual([]);
    await expectGoodLinksWork(c);
  });

  it.each([
    ['garbage instead of a hello', 'invalid_json', (raw: RawClient) => (raw.send('this is not json\n'), Promise.resolve())],
    ['a msg instead of a hello', 'expected_hello', (raw: RawClient) => (raw.sendFrame(msgFrame(4, 1)), Promise.resolve())],
    ['a hello from an unknown id', 'unknown_peer', (raw: RawClient) => raw.hello(9).then(() => undefined)],
    ['a hello from our own id', 'self_hello', (raw: RawClient) => raw.hello(1).then(() => undefined)],
    ['a hello from an id that is already connected', 'duplicate_peer', (raw: RawClient) => raw.hello(2).then(() => undefined)],
  ])('rejects %s during the handshake (%s)', async (_name, reason, act) => {
    const { c, port1, r1 } = await setup();
    const raw = await RawClient.connect(port1);
    await act(raw);
    await raw.expectClosed();
    const problem = await r1.waitProblem(reason);
    expect(problem.detail.get('remote')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(problem.peer).toBeUndefined(); // not authenticated
    if (reason === 'unknown_peer') expect(problem.detail.get('from')).toBe('9');
    expect(r1.events.some((e) => e.kind === 'up' && e.peer === 4)).toBe(false);
    await expectGoodLinksWork(c);
  });

  it.each([
    ['garbage', 'invalid_json', (raw: RawClient) => raw.send('{{{{\n')],
    ['a frame of an unknown type', 'unknown_type', (raw: RawClient) => raw.sendFrame({ type: 'ping' })],
    ['a msg that breaks the schema', 'bad_schema', (raw: RawClient) => raw.sendFrame({ ...msgFrame(4, 1), lamport: -3 })],
    ['a msg naming an unknown vector id', 'bad_vector', (raw: RawClient) => raw.sendFrame(msgFrame(4, 1, { '1': 0, '2': 0, '3': 0, '4': 1, '7': 1 }))],
    ['a msg from another machine', 'from_mismatch', (raw: RawClient) => raw.sendFrame(msgFrame(2, 1, { '1': 0, '2': 1, '3': 0, '4': 0 }))],
    ['a second hello', 'unexpected_frame', (raw: RawClient) => raw.sendFrame({ type: 'hello', from: 4 })],
    ['an over-long line (no newline needed)', 'line_too_long', (raw: RawClient) => raw.send('x'.repeat(70000))],
    ['invalid UTF-8', 'invalid_utf8', (raw: RawClient) => raw.socket.write(Buffer.from([0x22, 0xc3, 0x28, 0x22, 0x0a]))],
  ])('closes an authenticated connection that sends %s (%s)', async (_name, reason, act) => {
    const { c, port1, r1 } = await setup();
    const raw = await RawClient.connect(port1);
    await raw.handshake(4);
    await r1.waitUp(4, 'in');
    raw.sendFrame(msgFrame(4, 1)); // a good message first: it must still be delivered
    act(raw);
    await raw.expectClosed();
    const problem = await r1.waitProblem(reason);
    expect(problem.peer).toBe(4);
    expect(problem.detail.get('from')).toBe('4');
    const down = await r1.waitDown(4, 'in');
    expect(down).toMatchObject({ reason });
    expect(r1.messages.filter((m) => m.from === 4).map((m) => m.id)).toEqual(['4-1']);
    await expectGoodLinksWork(c);
  });

  it('reports a partial frame left when a peer closes', async () => {
    const { c, port1, r1 } = await setup();
    const raw = await RawClient.connect(port1);
    await raw.handshake(4);
    await r1.waitUp(4, 'in');
    raw.socket.end('{"type":"msg","id":"4-1"');
    const problem = await r1.waitProblem('truncated_frame');
    expect(problem.detail.get('bytes')).toBe('24');
    await r1.waitDown(4, 'in');
    expect(r1.messages.filter((m) => m.from === 4)).toEqual([]);
    await expectGoodLinksWork(c);
  });

  it('closes connections beyond maxPendingHandshakes at once', async () => {
    const { c, port1, r1 } = await setup({ maxPendingHandshakes: 2 });
    const a = await RawClient.connect(port1);
    const b = await RawClient.connect(port1);
    await Promise.all([a.line(0), b.line(0)]); // both are in the handshake
    const third = await RawClient.connect(port1);
    await third.expectClosed();
    await r1.waitProblem('too_many_handshakes');
    expect(third.lines).toEqual([]);
    await a.handshake(4); // a pending handshake still completes, freeing its slot
    const fourth = await RawClient.connect(port1);
    expect(await fourth.line(0)).toMatchObject({ type: 'challenge' });
    await expectGoodLinksWork(c);
  });

  it('closes a connection that sends no hello in time (slow loris)', async () => {
    const { c, port1, r1 } = await setup({ helloTimeoutMs: 150 });
    const silent = await RawClient.connect(port1);
    const dribbling = await RawClient.connect(port1);
    dribbling.send('{"type":"hel'); // a partial hello never finished
    const started = Date.now();
    await Promise.all([silent.expectClosed(), dribbling.expectClosed()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    const problem = await r1.waitProblem('hello_timeout');
    expect(problem.detail.get('timeout_ms')).toBe('150');
    expect(r1.problems.filter((p) => p.detail.get('reason') === 'hello_timeout')).toHaveLength(2);
    await expectGoodLinksWork(c);
  });
});

describe('TcpTransport: shared secret', () => {
  const secret = Buffer.from('lab secret');
  const proofFor = (from: number) => (nonce: string) => computeProof(secret, nonce, from, 1);

  it('brings a cluster with a secret up and accepts a correct proof', async () => {
    const c = await startCluster(3, { secret }, [{}]);
    await connectCluster(c);
    const raw = await RawClient.connect(c.machines[0]!.port);
    await raw.handshake(4, proofFor(4));
    await c.recorders[0]!.waitUp(4, 'in');
  });

  it.each([
    ['a missing proof', 'missing_proof', () => undefined],
    ['a proof made with another secret', 'bad_proof', (nonce: string) => computeProof(Buffer.from('wrong'), nonce, 4, 1)],
    ['a proof for another sender', 'bad_proof', (nonce: string) => computeProof(secret, nonce, 2, 1)],
    ['a malformed proof', 'bad_proof', () => 'not-hex'],
  ])('rejects %s (%s)', async (_name, reason, proof) => {
    const c = await startCluster(3, { secret }, [{}]);
    await connectCluster(c);
    const r1 = c.recorders[0]!;
    const raw = await RawClient.connect(c.machines[0]!.port);
    await raw.hello(4, proof);
    await raw.expectClosed();
    const problem = await r1.waitProblem(reason);
    expect(problem.detail.get('from')).toBe('4');
    expect(c.transports[1]!.send(1, envelope(2, 1, [0, 1, 0, 0]))).toBe(true);
    await r1.waitMessages(1);
  });

  it('keeps a machine with the wrong secret out, and the dialer reports the failed handshake', async () => {
    const c = await startCluster(1, { secret }, [{}]);
    const r2 = new Recorder();
    const t2 = makeTransport(2, c.machines, r2, { secret: Buffer.from('wrong') });
    t2.connectAll();
    await c.recorders[0]!.waitProblem('bad_proof');
    const failed = await r2.waitProblem('handshake_failed');
    expect(failed.peer).toBe(1);
    expect(t2.isUp(1)).toBe(false);
  });
});

describe('TcpTransport: source host check', () => {
  const elsewhere = { host: '198.51.100.8' }; // TEST-NET-2: never this machine

  it('rejects a hello whose source address is not the configured host', async () => {
    const c = await startCluster(1, {}, [elsewhere]);
    const raw = await RawClient.connect(c.machines[0]!.port);
    await raw.hello(2);
    await raw.expectClosed();
    const problem = await c.recorders[0]!.waitProblem('host_mismatch');
    expect(problem.detail.get('expected')).toBe('198.51.100.8');
    expect(problem.detail.get('from')).toBe('2');
  });

  it('accepts it with allowAnyHost', async () => {
    const c = await startCluster(1, { allowAnyHost: true }, [elsewhere]);
    const raw = await RawClient.connect(c.machines[0]!.port);
    await raw.handshake(2);
    await c.recorders[0]!.waitUp(2, 'in');
  });

  it('treats loopback names as one host', async () => {
    const c = await startCluster(1, {}, [{ host: 'localhost' }, { host: '127.0.0.2' }]);
    const a = await RawClient.connect(c.machines[0]!.port);
    await a.handshake(2);
    const b = await RawClient.connect(c.machines[0]!.port);
    await b.handshake(3);
    await Promise.all([c.recorders[0]!.waitUp(2, 'in'), c.recorders[0]!.waitUp(3, 'in')]);
  });
});

describe('TcpTransport: dialing', () => {
  /** Machine 2's transport dialing a fake machine 1 (2 dials 1: it is earlier in the config). */
  function dialerOf(fakePort: number, extra: ExtraOptions = {}): { t2: TcpTransport; r2: Recorder } {
    const r2 = new Recorder();
    const machines = [
      { id: 1, host: '127.0.0.1', port: fakePort },
      { id: 2, host: '127.0.0.1', port: randomPorts(1)[0]! },
    ];
    const t2 = makeTransport(2, machines, r2, extra);
    t2.connectAll();
    return { t2, r2 };
  }

  it('answers the challenge with a hello carrying a valid proof and its own nonce, and checks the welcome\'s proof', async () => {
    const secret = Buffer.from('s3cret');
    const fake = await fakeListenerFor(1, { welcomeProof: (nonce) => computeProof(secret, nonce, 1, 2, 'welcome') });
    const { t2, r2 } = dialerOf(fake.port, { secret });
    await Promise.all([r2.waitUp(1, 'out'), r2.waitUp(1, 'in')]);
    expect(t2.isUp(1)).toBe(true);
    const hello = fake.hellos[0]!;
    expect(hello.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(hello).toEqual({ type: 'hello', from: 2, nonce: hello.nonce, proof: computeProof(secret, fake.nonces[0]!, 2, 1) });
    expect(r2.problems).toEqual([]);
  });

  it.each([
    ['no proof', 'missing_proof', undefined],
    ['a proof made with another secret', 'bad_proof', (nonce: string) => computeProof(Buffer.from('wrong'), nonce, 1, 2, 'welcome')],
    ['a hello-style proof (no role)', 'bad_proof', (nonce: string) => computeProof(Buffer.from('s3cret'), nonce, 1, 2)],
    ['a proof for another nonce', 'bad_proof', () => computeProof(Buffer.from('s3cret'), 'ab'.repeat(16), 1, 2, 'welcome')],
  ])('with a secret, drops a listener whose welcome has %s (%s)', async (_name, reason, welcomeProof) => {
    const fake = await fakeListenerFor(1, welcomeProof ? { welcomeProof } : {});
    const { t2, r2 } = dialerOf(fake.port, { secret: Buffer.from('s3cret') });
    const problem = await r2.waitProblem(reason);
    expect(problem.peer).toBe(1);
    expect(problem.detail.get('to')).toBe('1');
    expect(t2.isUp(1)).toBe(false);
    expect(r2.events.some((e) => e.kind === 'up')).toBe(false);
  });

  it('receives messages from the listener it dialed, and drops one that sends as another machine (from_mismatch)', async () => {
    const good = { type: 'msg', id: '1-1', from: 1, lamport: 1, vector: { '1': 1, '2': 0 }, body: { seq: 1 } };
    const fake = await fakeListenerFor(1, { afterWelcome: [good, { ...good, id: '3-1', from: 3, vector: { '1': 1, '2': 0, '3': 1 } }] });
    const { r2 } = dialerOf(fake.port);
    await r2.waitMessages(1);
    expect(r2.messages[0]).toEqual({ id: '1-1', from: 1, lamport: 1, vector: [1, 0], body: { seq: 1 } });
    await r2.waitProblem('bad_vector'); // machine 3 is not in this config: the vector names it
    await r2.waitDown(1, 'out');
    await r2.waitDown(1, 'in');
  });

  it('keeps at most maxConcurrentDials handshakes open, and dials the nearest earlier peers first', async () => {
    // five listeners that challenge at once but welcome only when the test says so
    const pending: { peer: number; socket: Socket }[] = [];
    const accepted: number[] = [];
    let maxPending = 0;
    let arrived: (() => void) | null = null;
    const machines: MachineEntry[] = [];
    const ports = randomPorts(6);
    for (let id = 1; id <= 6; id++) {
      machines.push({ id, host: '127.0.0.1', port: ports[id - 1]! });
      if (id === 6) continue;
      const server = createServer((socket) => {
        liveSockets.push(socket);
        socket.on('error', () => undefined);
        socket.write(JSON.stringify({ type: 'challenge', nonce: 'cd'.repeat(16) }) + '\n');
        accepted.push(id);
        pending.push({ peer: id, socket });
        maxPending = Math.max(maxPending, pending.length);
        arrived?.();
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: ports[id - 1]! }, () => resolve());
      });
      liveServers.push(server);
    }
    const r6 = new Recorder();
    const t6 = makeTransport(6, machines, r6, { maxConcurrentDials: 2, dialTimeoutMs: 60_000 });
    t6.connectAll();
    const waitPending = (n: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${pending.length} pending dials, wanted ${n}`)), WAIT_MS);
        const check = (): void => {
          if (pending.length < n) return;
          clearTimeout(timer);
          arrived = null;
          resolve();
        };
        arrived = check;
        check();
      });
    for (let up = 0; up < 5; up++) {
      await waitPending(Math.min(2, 5 - up));
      const oldest = pending.shift()!;
      oldest.socket.write(JSON.stringify({ type: 'welcome', from: oldest.peer }) + '\n');
      await r6.waitUp(oldest.peer, 'out');
    }
    // the first two dials are in flight together (either may be accepted first); then one at a time
    expect([...accepted.slice(0, 2)].sort()).toEqual([4, 5]);
    expect(accepted.slice(2)).toEqual([3, 2, 1]);
    expect(maxPending).toBe(2);
    for (const peer of [1, 2, 3, 4, 5]) expect(t6.isUp(peer)).toBe(true);
  });

  it('drops and reports a listener that welcomes as another machine', async () => {
    const fake = await fakeListenerFor(1);
    const r3 = new Recorder();
    const machines = [
      { id: 1, host: '127.0.0.1', port: randomPorts(1)[0]! },
      { id: 2, host: '127.0.0.1', port: fake.port },
      { id: 3, host: '127.0.0.1', port: randomPorts(1)[0]! },
    ];
    const t3 = makeTransport(3, machines, r3);
    t3.connectAll();
    const problem = await r3.waitProblem('wrong_peer');
    expect(problem.detail.get('got')).toBe('1');
    expect(problem.peer).toBe(2);
    expect(t3.isUp(2)).toBe(false);
    expect(r3.events.some((e) => e.kind === 'up')).toBe(false);
  });
});

describe('TcpTransport: send limits', () => {
  /** Machine 2 dialing a fake machine 1; the test sends as 2. */
  async function dialFake(fakePort: number, extra: ExtraOptions = {}) {
    const r1 = new Recorder();
    const machines = [
      { id: 1, host: '127.0.0.1', port: fakePort },
      { id: 2, host: '127.0.0.1', port: randomPorts(1)[0]! },
    ];
    const t1 = makeTransport(2, machines, r1, extra);
    t1.connectAll();
    await r1.waitUp(1, 'out');
    return { t1, r1 };
  }

  it('refuses (and reports, after send returns) a frame larger than the limit', async () => {
    const fake = await fakeListenerFor(1);
    const { t1, r1 } = await dialFake(fake.port);
    const big = envelope(2, 1, [0, 1], { pad: 'x'.repeat(70000) });
    expect(t1.send(1, big)).toBe(false);
    expect(r1.problems).toEqual([]); // not re-entrant: reported later
    const problem = await r1.waitProblem('frame_too_large');
    expect(problem.detail.get('msg_id')).toBe('2-1');
    expect(t1.send(1, envelope(2, 2, [0, 2], { pad: 'x'.repeat(60000) }))).toBe(true);
  });

  it('stops buffering for a peer that stopped reading', async () => {
    const fake = await fakeListenerFor(1, { stopReadingAfterWelcome: true });
    const { t1, r1 } = await dialFake(fake.port, { maxBufferedBytes: 1 << 20 });
    const env = envelope(2, 1, [0, 1], { pad: 'x'.repeat(60000) });
    let accepted = 0;
    while (t1.send(1, env)) {
      accepted++;
      expect(accepted).toBeLessThan(10000); // ~600 MB: the limit did not work
    }
    expect(accepted).toBeGreaterThan(0);
    expect(t1.isUp(1)).toBe(true); // still up, just full
    await r1.waitProblem('send_buffer_full');
  });
});

describe('TcpTransport: listen errors', () => {
  it('rejects with PORT_IN_USE when the port is taken', async () => {
    let blocker: Server | null = null;
    let port = 0;
    for (let attempt = 0; attempt < 20 && !blocker; attempt++) {
      port = randomPorts(1)[0]!;
      const server = createServer();
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ host: '127.0.0.1', port }, () => resolve(true));
      });
      if (ok) blocker = server;
    }
    expect(blocker).not.toBeNull();
    liveServers.push(blocker!);
    const t = makeTransport(1, [{ id: 1, host: '127.0.0.1', port }], new Recorder());
    const error = await t.listen().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isLabError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PORT_IN_USE' });
    expect((error as Error).message).toContain(`127.0.0.1:${port} is already in use`);
    expect((error as Error).message).toContain(`lsof -i :${port}`);
  });

  const nonlocalBind = (() => {
    try {
      return readFileSync('/proc/sys/net/ipv4/ip_nonlocal_bind', 'utf8').trim() === '1';
    } catch {
      return false;
    }
  })();

  it.skipIf(nonlocalBind)('rejects with ADDRESS_UNAVAILABLE for a host that is not this machine', async () => {
    const t = makeTransport(1, [{ id: 1, host: '198.51.100.7', port: 25000 }], new Recorder());
    await expect(t.listen()).rejects.toMatchObject({ code: 'ADDRESS_UNAVAILABLE', message: expect.stringContaining('198.51.100.7') });
  });

  it('rejects an id that is not in the config', () => {
    expect(() => new TcpTransport({ self: 5, machines: [{ id: 1, host: '127.0.0.1', port: 25000 }], handlers: new Recorder() })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_MACHINE' }),
    );
  });
});

/**
 * The TCP transport of one machine (implements runtime/transport.ts over node:net).
 *
 * One connection per pair of machines carries messages both ways: the machine later in the config
 * dials the earlier one (start-all starts machines in config order, so the one dialed is already
 * listening), and only the dialer redials. Each side reports the pair as two directions, `out` (we
 * can send to the peer) and `in` (the peer can send to us), which come up and go down together.
 *
 *   listener (earlier)                    dialer (later)
 *      ── challenge {nonce} ──────────────▶
 *      ◀──────── hello {from, nonce, proof?}
 *      ── welcome {from, proof?} ─────────▶          (both sides: peer up, both directions)
 *      ◀──────────────── msg ... ────────▶
 *
 * The listener checks the hello (known id, not itself, a peer that dials us, proof when a secret is
 * set, source address matching the configured host, no second live connection from that id) and
 * the dialer checks the welcome (the peer it dialed, and with a secret the listener's proof over
 * the hello's nonce); either closes the connection on anything malformed and reports it through
 * `onProblem`. Dialers redial with jittered exponential backoff until close(). A machine that
 * starts when its later peers may already be running (a restart) knocks on each of them (see
 * protocol.ts), so that one waiting out a long back-off dials it at once. Nothing here throws from a
 * socket event handler or writes to the console; handlers are never called once close() has begun.
 *
 * Why one connection per pair: a full mesh of n machines opens n(n−1)/2 connections and handshakes
 * instead of n(n−1). Measured on 2 cores (bench/mesh-floor.cjs, bare node): 100 processes open their
 * mesh in 0.9–1.4 s instead of 2.1–2.3 s.
 *
 * Dials are windowed: at most `maxConcurrentDials` outgoing connections are connecting or
 * handshaking at once, the rest wait their turn, and the first round visits the earlier peers
 * nearest first (machine i dials i−1, i−2, ... first). Without a window, 300 machines dialing
 * every peer at once, machine 1 first, overran the listeners' handshake limit and the dial timeout
 * and never finished their mesh (measured: 80k ETIMEDOUT handshakes in 200 s); with it each listener
 * sees about `maxConcurrentDials` handshakes at a time.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { LabError } from '../../core/errors.js';
import { formatDetail } from '../../core/logRow.js';
import type { Envelope, MachineId } from '../../core/types.js';
import { makeLayout, type VectorLayout } from '../../core/vector.js';
import type { MachineEntry } from '../../config/schema.js';
import type { Direction, Transport, TransportHandlers } from '../transport.js';
import { type AllowedSources, allowedSourcesOf, formatEndpoint, isLoopbackAddress, sourceAllowed } from './addresses.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { DEFAULT_MAX_FRAME_BYTES, LineDecoder } from './framer.js';
import {
  type Frame,
  computeProof,
  decodeFrame,
  encodeChallenge,
  encodeHello,
  encodeKnock,
  encodeMsg,
  encodeWelcome,
  makeNonce,
  verifyProof,
} from './protocol.js';

export interface TcpTransportOptions {
  /** This machine's id; must be one of `machines`. */
  readonly self: MachineId;
  /** Every machine of the run, in config order (self included). */
  readonly machines: readonly MachineEntry[];
  readonly handlers: TransportHandlers;
  /** Longest accepted line in bytes, excluding the newline. Default 65536. */
  readonly maxFrameBytes?: number;
  /** Shared secret: when set, every hello must carry a valid HMAC proof. */
  readonly secret?: Buffer;
  /** Skip the check that a peer connects from its configured host. */
  readonly allowAnyHost?: boolean;
  /** How long an incoming connection may take to send its hello, in ms. Default 5000. */
  readonly helloTimeoutMs?: number;
  /** How long a dial may take from connect() to welcome before it is abandoned, in ms. Default 5000. */
  readonly dialTimeoutMs?: number;
  /** Random source for backoff jitter (values in [0, 1)). Default Math.random. */
  readonly random?: () => number;
  /** Redial backoff; defaults 50 ms, ×2, cap 8 s (see backoff.ts). */
  readonly backoff?: Partial<BackoffOptions>;
  /** Incoming connections allowed to be in the handshake at once; more are closed. Default 64. */
  readonly maxPendingHandshakes?: number;
  /** Outgoing connections allowed to be connecting or handshaking at once; more wait. Default 16. */
  readonly maxConcurrentDials?: number;
  /**
   * Later peers known not to be running yet (start-all starts machines in config order): no knock
   * is sent to them when dialing starts; they dial us once they run. Default: every later peer is
   * knocked on once (a machine restarted next to running peers).
   */
  readonly notRunningYet?: ReadonlySet<MachineId>;
  /**
   * Bytes allowed to wait in an outgoing socket's buffer (a peer that stopped reading); above it
   * send() returns false instead of buffering without bound. Default 16 MiB.
   */
  readonly maxBufferedBytes?: number;
}

/** An incoming connection (a later peer dialed us); once its hello is accepted, the pair's connection. */
interface Inbound {
  readonly socket: Socket;
  readonly remoteAddress: string;
  /** `address:port` of the remote end, for problem details. */
  readonly remote: string;
  readonly decoder: LineDecoder;
  readonly nonce: string;
  /** The authenticated peer once the hello was accepted; null during the handshake. */
  peer: MachineId | null;
  helloTimer: NodeJS.Timeout | null;
  /** Set once the connection is closed or rejected: nothing more is reported for it. */
  done: boolean;
  lastError: string | null;
  /** A full send buffer is reported once per streak. */
  backpressureReported: boolean;
}

type OutboundState = 'idle' | 'connecting' | 'handshaking' | 'up';

/** Our connection to one earlier peer (we dialed it), its redial state and, once up, the pair's connection. */
interface Outbound {
  readonly entry: MachineEntry;
  /** Our challenge to the listener, sent in the hello (its welcome's proof answers it). */
  nonce: string;
  readonly backoff: Backoff;
  state: OutboundState;
  socket: Socket | null;
  decoder: LineDecoder | null;
  /** Dial deadline while connecting/handshaking, redial delay while idle. */
  timer: NodeJS.Timeout | null;
  gotChallenge: boolean;
  lastError: string | null;
  /** A failed handshake is reported once per streak of failures, not on every redial. */
  handshakeFailureReported: boolean;
  /** A full send buffer is reported once per streak. */
  backpressureReported: boolean;
  /** Waiting in the dial queue for a free dial slot. */
  queued: boolean;
  /** Holds one of the `maxConcurrentDials` slots (connecting or handshaking). */
  holdsDialSlot: boolean;
}

const DEFAULT_HELLO_TIMEOUT_MS = 5000;
const DEFAULT_DIAL_TIMEOUT_MS = 5000;
const DEFAULT_MAX_PENDING_HANDSHAKES = 64;
const DEFAULT_MAX_CONCURRENT_DIALS = 16;
const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/**
 * TCP keepalive finds a peer whose host vanished without a FIN (cable, power, partition): 5 s idle,
 * then the kernel's probes. Loopback connections get none: a peer on this host that dies is closed
 * by its kernel, and 300 machines on one host (89,700 connections) made 36–40k probes/s while idle,
 * which overflowed the loopback backlog (netdev_max_backlog 1000: 6.4 M packets dropped per core)
 * until established connections timed out (ETIMEDOUT) and the mesh never finished (measured).
 */
const KEEPALIVE_DELAY_MS = 5000;

/** Turns keepalive on for a connection to another host (see KEEPALIVE_DELAY_MS). */
function keepAliveUnlessLoopback(socket: Socket): void {
  const remote = socket.remoteAddress;
  if (remote !== undefined && !isLoopbackAddress(remote)) socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
}

/**
 * A value for a `key=value` detail: no spaces, no control or format characters (a peer's text must
 * not reach a terminal as escape sequences or bidi overrides), bounded length.
 */
function detailValue(text: string): string {
  return text.replace(/[\s\p{Cc}\p{Cf}]+/gu, '_').slice(0, 100);
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e && typeof e.code === 'string') return e.code;
  if (e && typeof e.message === 'string') return detailValue(e.message);
  return 'error';
}

/**
 * TCP implementation of {@link Transport}.
 *
 * Invariants:
 * - a peer is either earlier in the config (we dial it: at most one outgoing connection to it at a
 *   time) or later (it dials us: at most one authenticated incoming connection from it; a second
 *   one is rejected); `isUp(p)` iff the pair's connection finished its handshake and has not closed since;
 * - `out` and `in` of a peer are reported up together and down together (out first on the dialer,
 *   in first on the listener);
 * - at most `maxConcurrentDials` outgoing connections are connecting or handshaking at once, and
 *   each waiting peer is queued at most once;
 * - every connection that was reported up is reported down exactly once, unless close() came first;
 * - no handler is called from inside send() (deferred problems go through a microtask) or after close().
 */
export class TcpTransport implements Transport {
  readonly layout: VectorLayout;
  private readonly self: MachineEntry;
  private readonly machinesById: ReadonlyMap<MachineId, MachineEntry>;
  private readonly handlers: TransportHandlers;
  private readonly maxFrameBytes: number;
  private readonly secret: Buffer | undefined;
  private readonly allowAnyHost: boolean;
  private readonly helloTimeoutMs: number;
  private readonly dialTimeoutMs: number;
  private readonly maxPendingHandshakes: number;
  private readonly maxConcurrentDials: number;
  private readonly maxBufferedBytes: number;
  private readonly notRunningYet: ReadonlySet<MachineId>;
  /** The later peers (they dial us), in config order. */
  private readonly laterPeers: readonly MachineEntry[];
  /** Knock connections still open (closed by close()). */
  private readonly knocks = new Set<Socket>();

  private server: Server | null = null;
  private listening: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private closed = false;
  private dialing = false;
  /** Set between pause() and resume(): no socket is read. */
  private paused = false;

  /** Configured peers' allowed source addresses (null: the host name did not resolve). */
  private readonly allowedSources = new Map<MachineId, AllowedSources | null>();
  private readonly inbound = new Set<Inbound>();
  private readonly inboundByPeer = new Map<MachineId, Inbound>();
  private pendingHandshakes = 0;
  private readonly outbound = new Map<MachineId, Outbound>();
  /** Outgoing connections waiting for a dial slot, first come first served. */
  private readonly dialQueue: Outbound[] = [];
  private dialsInFlight = 0;

  /** One-entry cache: a send to several peers encodes the envelope once. */
  private lastEnvelope: Envelope<unknown> | null = null;
  private lastFrame: Buffer | null = null;

  constructor(options: TcpTransportOptions) {
    const self = options.machines.find((m) => m.id === options.self);
    if (!self) throw new LabError('UNKNOWN_MACHINE', `machine ${options.self} is not in the config`);
    this.self = self;
    this.machinesById = new Map(options.machines.map((m) => [m.id, m]));
    this.layout = makeLayout(options.machines.map((m) => m.id));
    this.handlers = options.handlers;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.secret = options.secret;
    this.allowAnyHost = options.allowAnyHost ?? false;
    this.helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    this.maxPendingHandshakes = options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES;
    this.maxConcurrentDials = Math.max(1, options.maxConcurrentDials ?? DEFAULT_MAX_CONCURRENT_DIALS);
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.notRunningYet = options.notRunningYet ?? new Set();
    const random = options.random ?? Math.random;
    const at = options.machines.indexOf(self);
    this.laterPeers = options.machines.slice(at + 1);
    // the earlier peers, nearest first: the first round of dials spreads over the listeners
    for (const m of options.machines.slice(0, at).reverse()) {
      this.outbound.set(m.id, {
        entry: m,
        nonce: '',
        backoff: new Backoff(random, options.backoff),
        state: 'idle',
        socket: null,
        decoder: null,
        timer: null,
        gotChallenge: false,
        lastError: null,
        handshakeFailureReported: false,
        backpressureReported: false,
        queued: false,
        holdsDialSlot: false,
      });
    }
  }

  // ── public API ────────────────────────────────────────────────────────────────────────────

  /**
   * Binds the machine's configured host:port (and nothing else). Resolves once listening; rejects
   * with LabError PORT_IN_USE, ADDRESS_UNAVAILABLE or IO_ERROR. Calling it again returns the same
   * promise.
   */
  listen(): Promise<void> {
    if (this.closed) return Promise.reject(new LabError('IO_ERROR', 'transport is closed'));
    this.listening ??= this.bind();
    return this.listening;
  }

  /**
   * Starts dialing every earlier peer, redialing with backoff until close(), and knocks once on
   * every later peer not in `notRunningYet` (see protocol.ts). Idempotent.
   */
  connectAll(): void {
    if (this.closed || this.dialing) return;
    this.dialing = true;
    for (const out of this.outbound.values()) this.dial(out);
    for (const m of this.laterPeers) if (!this.notRunningYet.has(m.id) && !this.inboundByPeer.has(m.id)) this.knock(m);
  }

  /**
   * The pair's connection to `peer` when it is up (ours to an earlier peer, its to us from a later
   * one), with the flag that reports a full send buffer once per streak.
   */
  private upLink(peer: MachineId): { socket: Socket; backpressureReported: boolean } | null {
    const out = this.outbound.get(peer);
    if (out) return out.state === 'up' && out.socket ? (out as { socket: Socket; backpressureReported: boolean }) : null;
    const conn = this.inboundByPeer.get(peer);
    return conn && !conn.done ? conn : null;
  }

  /**
   * Writes `env` to the connection with `peer`. Synchronous. Returns false and writes
   * nothing when that connection is not up, when the encoded frame exceeds the frame limit, or
   * when the peer has stopped reading (send buffer above `maxBufferedBytes`).
   */
  send(peer: MachineId, env: Envelope<unknown>): boolean {
    const out = this.upLink(peer);
    const socket = out?.socket;
    if (!out || !socket) return false;
    const frame = this.encode(env);
    if (frame.length - 1 > this.maxFrameBytes) {
      this.deferProblem(
        formatDetail({ reason: 'frame_too_large', to: peer, msg_id: env.id, bytes: frame.length - 1, limit: this.maxFrameBytes }),
        peer,
      );
      return false;
    }
    if (socket.writableLength > this.maxBufferedBytes) {
      if (!out.backpressureReported) {
        out.backpressureReported = true;
        this.deferProblem(formatDetail({ reason: 'send_buffer_full', to: peer, buffered: socket.writableLength }), peer);
      }
      return false;
    }
    out.backpressureReported = false;
    socket.write(frame);
    return true;
  }

  /** True when the connection with `peer` has completed its handshake and not closed since. */
  isUp(peer: MachineId): boolean {
    return this.upLink(peer) !== null;
  }

  /** Every live socket, incoming and outgoing. */
  private sockets(): Socket[] {
    const out: Socket[] = [];
    for (const conn of this.inbound) out.push(conn.socket);
    for (const o of this.outbound.values()) if (o.socket) out.push(o.socket);
    return out;
  }

  /**
   * Stops reading every connection, and each one made or accepted from now on, until resume():
   * what peers send waits in the kernel's socket buffers, as it does for a stopped process.
   * Writes still go out. Idempotent.
   */
  pause(): void {
    if (this.closed || this.paused) return;
    this.paused = true;
    for (const socket of this.sockets()) socket.pause();
  }

  /** Reads every connection again after pause(). Idempotent. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.closed) return;
    for (const socket of this.sockets()) socket.resume();
  }

  /**
   * Stops dialing, destroys every socket, stops every timer and closes the server. Resolves once the
   * server is closed. Idempotent (later calls return the same promise).
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.dialQueue.length = 0;
    for (const out of this.outbound.values()) {
      out.queued = false;
      if (out.timer) clearTimeout(out.timer);
      out.timer = null;
      out.state = 'idle';
      const socket = out.socket;
      out.socket = null;
      socket?.destroy();
    }
    for (const conn of this.inbound) {
      conn.done = true;
      if (conn.helloTimer) clearTimeout(conn.helloTimer);
      conn.helloTimer = null;
      conn.socket.destroy();
    }
    this.inbound.clear();
    for (const socket of this.knocks) socket.destroy();
    this.knocks.clear();
    this.inboundByPeer.clear();
    const server = this.server;
    this.closing = new Promise<void>((resolve) => {
      if (!server || !server.listening) return resolve();
      server.close(() => resolve());
    });
    return this.closing;
  }

  // ── listening ─────────────────────────────────────────────────────────────────────────────

  private async bind(): Promise<void> {
    if (!this.allowAnyHost) await this.resolvePeerHosts();
    const { host, port } = this.self;
    await new Promise<void>((resolve, reject) => {
      if (this.closed) return reject(new LabError('IO_ERROR', 'transport is closed'));
      const server = createServer({ allowHalfOpen: false }, (socket) => this.onConnection(socket));
      this.server = server;
      const onError = (err: NodeJS.ErrnoException): void => {
        this.server = null;
        reject(this.listenError(err));
      };
      server.once('error', onError);
      server.listen({ host, port }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.problem(formatDetail({ reason: 'server_error', error: errorCode(err) })));
        if (this.closed) {
          server.close();
          reject(new LabError('IO_ERROR', 'transport is closed'));
          return;
        }
        resolve();
      });
    });
  }

  private listenError(err: NodeJS.ErrnoException): LabError {
    const { host, port } = this.self;
    const where = formatEndpoint(host, port);
    switch (err.code) {
      case 'EADDRINUSE':
        return new LabError(
          'PORT_IN_USE',
          `${where} is already in use — is another machine or an earlier run still running? (try: lsof -i :${port})`,
          { cause: err },
        );
      case 'EADDRNOTAVAIL':
        return new LabError(
          'ADDRESS_UNAVAILABLE',
          `cannot listen on ${where}: ${host} is not an address of this machine (check the host of machine ${this.self.id} in the config)`,
          { cause: err },
        );
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EAI_NONAME':
        return new LabError('ADDRESS_UNAVAILABLE', `cannot listen on ${where}: host name ${host} does not resolve`, { cause: err });
      case 'EACCES':
        return new LabError('IO_ERROR', `permission denied to listen on ${where} (ports below 1024 need privileges)`, { cause: err });
      default:
        return new LabError('IO_ERROR', `cannot listen on ${where}: ${err.message}`, { cause: err });
    }
  }

  /** Resolves every peer's configured host once (a failed name is retried on its next hello). */
  private async resolvePeerHosts(): Promise<void> {
    await Promise.all(this.laterPeers.map((m) => this.resolvePeerHost(m.id)));
  }

  private async resolvePeerHost(id: MachineId): Promise<void> {
    const entry = this.machinesById.get(id);
    if (!entry) return;
    try {
      this.allowedSources.set(id, await allowedSourcesOf(entry.host));
    } catch {
      this.allowedSources.set(id, null);
    }
  }

  // ── incoming connections ──────────────────────────────────────────────────────────────────

  private onConnection(socket: Socket): void {
    const remoteAddress = socket.remoteAddress;
    if (this.closed || remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const remote = formatEndpoint(remoteAddress, socket.remotePort);
    if (this.pendingHandshakes >= this.maxPendingHandshakes) {
      socket.destroy();
      this.problem(formatDetail({ reason: 'too_many_handshakes', remote, limit: this.maxPendingHandshakes }));
      return;
    }
    socket.setNoDelay(true);
    keepAliveUnlessLoopback(socket);
    const conn: Inbound = {
      socket,
      remoteAddress,
      remote,
      decoder: new LineDecoder(this.maxFrameBytes),
      nonce: makeNonce(),
      peer: null,
      helloTimer: null,
      done: false,
      lastError: null,
      backpressureReported: false,
    };
    this.inbound.add(conn);
    this.pendingHandshakes++;
    socket.on('error', (err) => {
      conn.lastError = errorCode(err);
    });
    socket.on('data', (chunk: Buffer) => this.onInboundData(conn, chunk));
    socket.on('close', () => this.onInboundClose(conn));
    if (this.paused) socket.pause();
    conn.helloTimer = setTimeout(() => {
      conn.helloTimer = null;
      this.rejectInbound(conn, { reason: 'hello_timeout', remote, timeout_ms: this.helloTimeoutMs });
    }, this.helloTimeoutMs);
    socket.write(encodeChallenge(conn.nonce));
  }

  private onInboundData(conn: Inbound, chunk: Buffer): void {
    if (conn.done) return;
    const { lines, error } = conn.decoder.push(chunk);
    for (const line of lines) {
      if (conn.done) return;
      this.onInboundLine(conn, line);
    }
    if (error && !conn.done) {
      this.rejectInbound(conn, {
        reason: error.reason,
        from: conn.peer ?? undefined,
        remote: conn.remote,
        bytes: error.bytes,
        limit: error.reason === 'line_too_long' ? error.limit : undefined,
      });
    }
  }

  private onInboundLine(conn: Inbound, line: string): void {
    const decoded = decodeFrame(line, this.layout);
    if (!decoded.ok) {
      this.rejectInbound(conn, {
        reason: decoded.reason,
        from: conn.peer ?? undefined,
        remote: conn.remote,
        why: detailValue(decoded.message),
      });
      return;
    }
    const frame = decoded.frame;
    if (conn.peer === null) {
      if (frame.type === 'knock') this.onKnock(conn, frame.from);
      else if (frame.type !== 'hello') this.rejectInbound(conn, { reason: 'expected_hello', got: frame.type, remote: conn.remote });
      else this.onHello(conn, frame);
      return;
    }
    if (frame.type !== 'msg') {
      this.rejectInbound(conn, { reason: 'unexpected_frame', got: frame.type, from: conn.peer, remote: conn.remote });
      return;
    }
    const env = frame.envelope;
    if (env.from !== conn.peer) {
      this.rejectInbound(conn, { reason: 'from_mismatch', from: conn.peer, claimed: env.from, msg_id: env.id, remote: conn.remote });
      return;
    }
    if (!this.closed) this.handlers.onMessage(env);
  }

  private onHello(conn: Inbound, hello: Extract<Frame, { type: 'hello' }>): void {
    const from = hello.from;
    const remote = conn.remote;
    if (from === this.self.id) {
      this.rejectInbound(conn, { reason: 'self_hello', from, remote });
      return;
    }
    const entry = this.machinesById.get(from);
    if (!entry) {
      this.rejectInbound(conn, { reason: 'unknown_peer', from, remote });
      return;
    }
    if (this.outbound.has(from)) {
      // an earlier peer: we dial it, it never dials us (a machine of the old one-way protocol would)
      this.rejectInbound(conn, { reason: 'wrong_dialer', from, remote });
      return;
    }
    if (this.secret) {
      if (hello.proof === undefined) {
        this.rejectInbound(conn, { reason: 'missing_proof', from, remote });
        return;
      }
      if (!verifyProof(this.secret, conn.nonce, from, this.self.id, hello.proof)) {
        this.rejectInbound(conn, { reason: 'bad_proof', from, remote });
        return;
      }
    }
    if (!this.allowAnyHost) {
      const allowed = this.allowedSources.get(from);
      if (allowed === undefined || allowed === null) {
        this.rejectInbound(conn, { reason: 'host_unresolved', from, remote, expected: entry.host });
        void this.resolvePeerHost(from); // try the name again for the next attempt
        return;
      }
      if (!sourceAllowed(allowed, conn.remoteAddress)) {
        this.rejectInbound(conn, { reason: 'host_mismatch', from, remote, expected: entry.host });
        return;
      }
    }
    const existing = this.inboundByPeer.get(from);
    if (existing && !existing.done) {
      this.rejectInbound(conn, { reason: 'duplicate_peer', from, remote, existing: existing.remote });
      return;
    }
    if (conn.helloTimer) clearTimeout(conn.helloTimer);
    conn.helloTimer = null;
    conn.peer = from;
    this.pendingHandshakes--;
    this.inboundByPeer.set(from, conn);
    const proof = this.secret && hello.nonce !== undefined ? computeProof(this.secret, hello.nonce, this.self.id, from, 'welcome') : undefined;
    conn.socket.write(encodeWelcome(this.self.id, proof));
    if (!this.closed) this.handlers.onPeerUp(from, 'in');
    if (!this.closed && !conn.done) this.handlers.onPeerUp(from, 'out');
  }

  /**
   * A knock from an earlier peer (it just started): closes the connection without a row and, if our
   * dial to it is waiting out a back-off, dials now. Anything else knocking is rejected.
   */
  private onKnock(conn: Inbound, from: MachineId): void {
    if (!this.outbound.has(from)) {
      this.rejectInbound(conn, { reason: 'unexpected_knock', from, remote: conn.remote });
      return;
    }
    this.finishInbound(conn, 'knock');
    this.redialNow(from);
  }

  /**
   * Tells a later peer that we run (a knock, see protocol.ts): best effort, nothing is reported; a
   * peer that is not up simply refuses it, and a running one dials us when it reads it.
   */
  private knock(entry: MachineEntry): void {
    const socket = connect({ host: entry.host, port: entry.port });
    this.knocks.add(socket);
    socket.setNoDelay(true);
    const decoder = new LineDecoder(this.maxFrameBytes);
    const done = (): void => {
      clearTimeout(timer);
      this.knocks.delete(socket);
      socket.destroy();
    };
    const timer = setTimeout(done, this.dialTimeoutMs);
    socket.on('error', () => {});
    socket.on('close', done);
    socket.on('data', (chunk: Buffer) => {
      const { lines } = decoder.push(chunk);
      if (lines.length === 0 || !this.knocks.has(socket)) return;
      const first = decodeFrame(lines[0]!, this.layout);
      if (first.ok && first.frame.type === 'challenge') socket.end(encodeKnock(this.self.id));
      else done();
    });
  }

  /**
   * An earlier peer that knocked is running: if our dial to it is waiting out a backoff, dial
   * now. This keeps a restart fast (the restarted machine is dialed at once, not after the others'
   * backoff grew while it was down) without hammering peers that are really down.
   */
  private redialNow(peer: MachineId): void {
    const out = this.outbound.get(peer);
    if (!out || this.closed || !this.dialing || out.state !== 'idle' || out.timer === null) return;
    clearTimeout(out.timer);
    out.backoff.reset();
    this.dial(out);
  }

  /** Closes an incoming connection for a reason and reports it (then, if it was up, reports it down). */
  private rejectInbound(conn: Inbound, detail: Record<string, string | number | undefined>): void {
    if (conn.done) return;
    this.problem(formatDetail(detail), conn.peer ?? undefined);
    this.finishInbound(conn, String(detail.reason ?? 'rejected'));
  }

  private onInboundClose(conn: Inbound): void {
    if (conn.done) return;
    const leftover = conn.decoder.end();
    if (leftover.truncated) {
      this.problem(
        formatDetail({ reason: 'truncated_frame', from: conn.peer ?? undefined, remote: conn.remote, bytes: leftover.leftoverBytes }),
        conn.peer ?? undefined,
      );
    }
    this.finishInbound(conn, conn.lastError ?? 'peer_closed');
  }

  /** Forgets and destroys an incoming connection; reports peer down if it was up. Runs once per connection. */
  private finishInbound(conn: Inbound, reason: string): void {
    if (conn.done) return;
    conn.done = true;
    if (conn.helloTimer) clearTimeout(conn.helloTimer);
    conn.helloTimer = null;
    this.inbound.delete(conn);
    if (conn.peer === null) this.pendingHandshakes--;
    else if (this.inboundByPeer.get(conn.peer) === conn) this.inboundByPeer.delete(conn.peer);
    conn.socket.destroy();
    if (conn.peer !== null) {
      this.peerDown(conn.peer, 'in', reason);
      this.peerDown(conn.peer, 'out', reason);
    }
  }

  // ── outgoing connections ──────────────────────────────────────────────────────────────────

  /** Dials `out` now if a dial slot is free, else queues it (once). */
  private dial(out: Outbound): void {
    out.timer = null;
    if (this.closed || out.queued || out.socket) return;
    if (this.dialsInFlight >= this.maxConcurrentDials) {
      out.queued = true;
      this.dialQueue.push(out);
      return;
    }
    this.openDial(out);
  }

  /** Gives back the dial slot `out` holds (its dial ended: up, failed or timed out) to the next in the queue. */
  private releaseDialSlot(out: Outbound): void {
    if (!out.holdsDialSlot) return;
    out.holdsDialSlot = false;
    this.dialsInFlight--;
    while (!this.closed && this.dialsInFlight < this.maxConcurrentDials && this.dialQueue.length > 0) {
      const next = this.dialQueue.shift()!;
      next.queued = false;
      if (next.state === 'idle' && !next.socket && next.timer === null) this.openDial(next);
    }
  }

  private openDial(out: Outbound): void {
    const { host, port } = out.entry;
    out.holdsDialSlot = true;
    this.dialsInFlight++;
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    out.socket = socket;
    out.state = 'connecting';
    out.decoder = new LineDecoder(this.maxFrameBytes);
    out.nonce = makeNonce();
    out.gotChallenge = false;
    out.lastError = null;
    out.timer = setTimeout(() => {
      out.timer = null;
      if (out.socket !== socket) return;
      out.lastError = out.state === 'connecting' ? 'connect_timeout' : 'handshake_timeout';
      this.finishOutbound(out);
    }, this.dialTimeoutMs);
    socket.on('connect', () => {
      if (out.socket !== socket) return;
      out.state = 'handshaking';
      keepAliveUnlessLoopback(socket);
    });
    socket.on('error', (err) => {
      if (out.socket === socket) out.lastError = errorCode(err);
    });
    socket.on('data', (chunk: Buffer) => {
      if (out.socket === socket) this.onOutboundData(out, chunk);
    });
    socket.on('close', () => {
      if (out.socket === socket) this.finishOutbound(out);
    });
    if (this.paused) socket.pause();
  }

  private onOutboundData(out: Outbound, chunk: Buffer): void {
    const socket = out.socket;
    const decoder = out.decoder;
    if (!socket || !decoder) return;
    const peer = out.entry.id;
    const { lines, error } = decoder.push(chunk);
    for (const line of lines) {
      if (out.socket !== socket) return;
      const decoded = decodeFrame(line, this.layout);
      if (!decoded.ok) {
        this.failOutbound(out, { reason: decoded.reason, to: peer, why: detailValue(decoded.message) });
        return;
      }
      const frame = decoded.frame;
      if (out.state === 'up') {
        if (frame.type !== 'msg') {
          this.failOutbound(out, { reason: 'unexpected_frame', got: frame.type, to: peer });
          return;
        }
        const env = frame.envelope;
        if (env.from !== peer) {
          this.failOutbound(out, { reason: 'from_mismatch', to: peer, claimed: env.from, msg_id: env.id });
          return;
        }
        if (!this.closed) this.handlers.onMessage(env);
      } else if (!out.gotChallenge) {
        if (frame.type !== 'challenge') {
          this.failOutbound(out, { reason: 'expected_challenge', got: frame.type, to: peer });
          return;
        }
        out.gotChallenge = true;
        const proof = this.secret ? computeProof(this.secret, frame.nonce, this.self.id, peer) : undefined;
        socket.write(encodeHello(this.self.id, proof, out.nonce));
      } else {
        if (frame.type !== 'welcome') {
          this.failOutbound(out, { reason: 'expected_welcome', got: frame.type, to: peer });
          return;
        }
        if (frame.from !== peer) {
          this.failOutbound(out, { reason: 'wrong_peer', to: peer, got: frame.from, address: formatEndpoint(out.entry.host, out.entry.port) });
          return;
        }
        if (this.secret) {
          if (frame.proof === undefined) {
            this.failOutbound(out, { reason: 'missing_proof', to: peer });
            return;
          }
          if (!verifyProof(this.secret, out.nonce, peer, this.self.id, frame.proof, 'welcome')) {
            this.failOutbound(out, { reason: 'bad_proof', to: peer });
            return;
          }
        }
        if (out.timer) clearTimeout(out.timer);
        out.timer = null;
        out.state = 'up';
        this.releaseDialSlot(out);
        out.backoff.reset();
        out.handshakeFailureReported = false;
        out.backpressureReported = false;
        if (!this.closed) this.handlers.onPeerUp(peer, 'out');
        if (!this.closed && out.socket === socket) this.handlers.onPeerUp(peer, 'in');
      }
    }
    if (error && out.socket === socket) {
      this.failOutbound(out, { reason: error.reason, to: peer, bytes: error.bytes });
    }
  }

  /** Reports a protocol violation by the listener we dialed and drops the connection (it is redialed). */
  private failOutbound(out: Outbound, detail: Record<string, string | number | undefined>): void {
    if (!out.socket) return;
    this.problem(formatDetail(detail), out.entry.id);
    out.lastError = String(detail.reason ?? 'protocol_error');
    out.handshakeFailureReported = true; // already reported; don't report the same failure twice
    this.finishOutbound(out);
  }

  /** Tears down the current outgoing socket, reports down if it was up, and schedules a redial. */
  private finishOutbound(out: Outbound): void {
    const socket = out.socket;
    if (!socket) return;
    const wasState = out.state;
    const reason = out.lastError ?? 'peer_closed';
    out.socket = null;
    out.decoder = null;
    out.state = 'idle';
    if (out.timer) clearTimeout(out.timer);
    out.timer = null;
    socket.destroy();
    this.releaseDialSlot(out);
    if (this.closed) return;
    const peer = out.entry.id;
    if (wasState === 'up') {
      this.peerDown(peer, 'out', reason);
      this.peerDown(peer, 'in', reason);
    } else if (wasState === 'handshaking' && !out.handshakeFailureReported) {
      // TCP connected but the peer did not welcome us (rejected hello, wrong secret, ...).
      out.handshakeFailureReported = true;
      this.problem(formatDetail({ reason: 'handshake_failed', to: peer, cause: reason }), peer);
    }
    if (this.closed) return;
    const delay = out.backoff.next();
    out.timer = setTimeout(() => this.dial(out), delay);
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────────

  private encode(env: Envelope<unknown>): Buffer {
    if (env === this.lastEnvelope && this.lastFrame) return this.lastFrame;
    const frame = encodeMsg(env, this.layout);
    this.lastEnvelope = env;
    this.lastFrame = frame;
    return frame;
  }

  private problem(detail: string, peer?: MachineId): void {
    if (this.closed) return;
    if (peer === undefined) this.handlers.onProblem(detail);
    else this.handlers.onProblem(detail, peer);
  }

  /** Reports a problem found inside send() after send() has returned (handlers are never re-entered). */
  private deferProblem(detail: string, peer: MachineId): void {
    queueMicrotask(() => this.problem(detail, peer));
  }

  private peerDown(peer: MachineId, direction: Direction, reason: string): void {
    if (!this.closed) this.handlers.onPeerDown(peer, direction, reason);
  }
}

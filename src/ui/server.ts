/**
 * The live view's HTTP server (node:http): the page, the JSON snapshot and the event stream.
 *
 *   GET /                 the page (self-contained HTML: uPlot and the script inline)
 *   GET /api/snapshot     the run so far (protocol.ts Snapshot)
 *   GET /api/stream       Server-Sent Events: `batch` (rows and faults), `analysis`, `end`;
 *                         resumes after `Last-Event-ID` (or `?since=<seq>.<faultSeq>`)
 *   GET /api/stats        the hub's counters (clients, dropped slow clients, bytes sent)
 *
 * Listens on loopback unless told otherwise. Errors binding map to LabError PORT_IN_USE /
 * ADDRESS_UNAVAILABLE. On a loopback address a request must name a loopback host in its Host
 * header (403 otherwise), so a web page elsewhere cannot read the run through DNS rebinding.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LabError } from '../core/errors.js';
import type { RunStore } from './store.js';
import { sseEvent, type SseHub } from './sseHub.js';

export interface UiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly store: RunStore;
  readonly hub: SseHub;
  readonly page: () => string;
  /** False: neither the listener nor any connection keeps the process alive (start-all's case). */
  readonly keepAlive?: boolean;
}

/** A listening server and its address. */
export interface ListeningUi {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/** Parses `<seq>.<faultSeq>`; [0, 0] when absent or malformed. */
export function parseResumeId(text: string | null | undefined): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** The SSE events a client resuming at (seq, faultSeq) gets first: missed batches, analysis, end. */
export function resumeEvents(store: RunStore, seq: number, faultSeq: number): string[] {
  const out = store.since(seq, faultSeq).map((b) => sseEvent('batch', b.data, b.id));
  if (store.analysis) out.push(sseEvent('analysis', JSON.stringify(store.analysis)));
  if (store.ended) out.push(sseEvent('end', JSON.stringify({ analysis: store.analysis, result: store.result })));
  return out;
}

/** True when `address` is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  return a === 'localhost' || a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/**
 * Whether a request with this Host header may be served by a server listening on `listenHost`.
 * Invariant: a loopback listener serves only requests that name a loopback host (any port);
 * a listener the user put elsewhere (--ui-host) serves every host.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string): boolean {
  if (!isLoopback(listenHost)) return true;
  if (hostHeader === undefined) return false;
  const name = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d*$/, '');
  return isLoopback(name);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Starts listening. Throws LabError PORT_IN_USE / ADDRESS_UNAVAILABLE / IO_ERROR. */
export async function listenUi(opts: UiServerOptions): Promise<ListeningUi> {
  const { store, hub } = opts;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req.headers.host, opts.host)) return send(res, 403, 'text/plain', 'forbidden: this live view answers only to a loopback host name\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return send(res, 200, 'text/html; charset=utf-8', opts.page());
      case '/api/snapshot':
        return send(res, 200, 'application/json', store.snapshotJson());
      case '/api/stats':
        return send(res, 200, 'application/json', JSON.stringify({ ...hub.stats, seq: store.seq, faultSeq: store.faultSeq, ended: store.ended }));
      case '/api/stream': {
        const header = req.headers['last-event-id'];
        const [seq, faultSeq] = parseResumeId((Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('since'));
        hub.open(res, resumeEvents(store, seq, faultSeq));
        return;
      }
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  };
  const server = createServer(handle);
  server.keepAliveTimeout = 5000;
  if (opts.keepAlive === false) {
    server.unref();
    server.on('connection', (socket) => socket.unref());
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const where = `${opts.host}:${opts.port}`;
      if (e.code === 'EADDRINUSE') reject(new LabError('PORT_IN_USE', `ui: port ${where} is already in use`));
      else if (e.code === 'EADDRNOTAVAIL') reject(new LabError('ADDRESS_UNAVAILABLE', `ui: address ${opts.host} is not on this machine`));
      else reject(new LabError('IO_ERROR', `ui: cannot listen on ${where}: ${e.message}`));
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${host}:${addr.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

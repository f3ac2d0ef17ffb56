/**
 * Server-Sent Events fan-out with a bounded buffer per browser. A write never waits: when a
 * client's unsent bytes exceed the bound (a slow, hidden or stalled tab), the hub closes that
 * client instead of buffering more; the browser's EventSource reconnects by itself with the
 * Last-Event-ID of the last batch it got, and the server sends what it missed from the store. So a
 * slow browser costs start-all at most `maxBufferedBytes` of memory and never delays anything.
 */
import type { ServerResponse } from 'node:http';

interface Client {
  readonly res: ServerResponse;
}

export interface HubStats {
  clients: number;
  /** Clients closed because they fell more than the bound behind. */
  dropped: number;
  /** Bytes written to clients (all of them). */
  bytes: number;
}

/** Invariant: no client ever has more than maxBufferedBytes + one event queued. */
export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly heartbeat: NodeJS.Timeout;
  readonly stats: HubStats = { clients: 0, dropped: 0, bytes: 0 };

  constructor(
    private readonly maxBufferedBytes = 4 << 20,
    heartbeatMs = 15_000,
  ) {
    this.heartbeat = setInterval(() => this.comment('keep-alive'), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Starts an event stream on `res`; `initial` events (already formatted) are sent first. */
  open(res: ServerResponse, initial: readonly string[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    const client: Client = { res };
    this.clients.add(client);
    this.stats.clients = this.clients.size;
    const forget = (): void => {
      this.clients.delete(client);
      this.stats.clients = this.clients.size;
    };
    res.on('close', forget);
    res.on('error', forget);
    this.write(client, 'retry: 1000\n\n');
    for (const e of initial) this.write(client, e);
  }

  /** Sends one event to every client. */
  broadcast(event: string): void {
    for (const c of this.clients) this.write(c, event);
  }

  /** True when every client has written out what it was given. */
  drained(): boolean {
    for (const c of this.clients) if (c.res.writableLength > 0) return false;
    return true;
  }

  /** Ends every stream (clients see the run's end and stop reconnecting on their own). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.stats.clients = 0;
  }

  private comment(text: string): void {
    this.broadcast(`: ${text}\n\n`);
  }

  private write(c: Client, text: string): void {
    if (c.res.destroyed) return;
    if (c.res.writableLength > this.maxBufferedBytes) {
      this.stats.dropped++;
      this.clients.delete(c);
      this.stats.clients = this.clients.size;
      c.res.destroy();
      return;
    }
    this.stats.bytes += text.length;
    c.res.write(text);
  }
}

/** Formats one SSE event (`data` must be one line of JSON). */
export function sseEvent(name: string, data: string, id?: string): string {
  return `event: ${name}\n${id !== undefined ? `id: ${id}\n` : ''}data: ${data}\n\n`;
}

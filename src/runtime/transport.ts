/**
 * The contract between a machine's runtime and its network (TCP in runtime/net, in-memory in
 * runtime/sim). The transport delivers validated envelopes and reports peer connectivity; it never
 * touches clocks or logs itself.
 */
import type { Envelope, MachineId } from '../core/types.js';

/** Direction of a connection: `out` = we dialed the peer (we send on it), `in` = the peer dialed us. */
export type Direction = 'out' | 'in';

/** Callbacks from transport to runtime. All are called on the event loop, never re-entrantly from send(). */
export interface TransportHandlers {
  /** A well-formed message frame from an authenticated peer. `body` is still unvalidated. */
  onMessage(env: Envelope<unknown>): void;
  /** A connection to/from `peer` completed its handshake. */
  onPeerUp(peer: MachineId, direction: Direction): void;
  /** A connection that was up is gone. */
  onPeerDown(peer: MachineId, direction: Direction, reason: string): void;
  /**
   * Something was rejected: bad frame, oversize line, unknown type, unknown or duplicate peer, failed
   * authentication, hello timeout. The offending connection has been closed; the machine goes on.
   * `detail` is `key=value` pairs for an ERROR row.
   */
  onProblem(detail: string, peer?: MachineId): void;
}

/** A machine's network endpoint. */
export interface Transport {
  /** Starts listening on the machine's own host:port. Rejects with LabError PORT_IN_USE / ADDRESS_UNAVAILABLE. */
  listen(): Promise<void>;
  /** Starts dialing every peer (with backoff, redialing while running). */
  connectAll(): void;
  /**
   * Writes the message to the peer's outgoing connection. Returns false (and writes nothing) when
   * that connection is not up: the caller logs a DROP row. A decorator injecting network faults
   * (net/linkFaults.ts) may also return a string, the DROP reason (`partitioned`, `injected_loss`),
   * or true for a message it will write later.
   */
  send(peer: MachineId, env: Envelope<unknown>): boolean | string;
  /** True when our outgoing connection to `peer` is up. */
  isUp(peer: MachineId): boolean;
  /** Stops dialing, closes every socket and the server. Idempotent. */
  close(): Promise<void>;
  /**
   * Stops reading from every connection (what peers send waits in the kernel's buffers, as in a
   * stopped process) until resume(). Optional: the packed runtime's in-process pause uses it.
   */
  pause?(): void;
  /** Reads again after pause(). */
  resume?(): void;
}

/**
 * Basic shared types of the pure core: machine ids, messages on the (abstract) network.
 * Nothing here touches the outside world.
 */

/** A machine's id: a unique positive integer from config.json. */
export type MachineId = number;

/**
 * A message as the core sees it: who sent it, the sender's clocks at the SEND event, and the
 * algorithm's body. `vector` is dense, aligned with the run's {@link VectorLayout} (ids ascending).
 * Invariant: `id` is `<from>-<seq>` and unique per sender for the life of its log.
 */
export interface Envelope<Body = unknown> {
  readonly id: string;
  readonly from: MachineId;
  readonly lamport: number;
  readonly vector: readonly number[];
  readonly body: Body;
}

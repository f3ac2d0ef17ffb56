/**
 * Lamport's logical clock rules (Lamport 1978, IR1/IR2), as pure functions.
 */

/** Clock value after a local or send event: strictly one more than before. */
export function lamportLocal(current: number): number {
  return current + 1;
}

/** Clock value after receiving a message stamped `received`: max(local, received) + 1. */
export function lamportReceive(current: number, received: number): number {
  return (current > received ? current : received) + 1;
}

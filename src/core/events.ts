/**
 * Event names written in the `event` column of the log. Clock events advance the clocks;
 * every other row carries the clocks unchanged. Analysis and runtime share this one list.
 */

/** Clock events of the runtime itself. Algorithms add their own (CS_ENTER, LEADER, ...). */
export const INTERNAL = 'INTERNAL';
export const SEND = 'SEND';
export const RECEIVE = 'RECEIVE';

/**
 * Rows that do not advance any clock. Invariant: an algorithm's `note` effects must use a name
 * from this set, and its `event` effects must not, so the checker can tell the two apart.
 */
export const NON_CLOCK_EVENTS: ReadonlySet<string> = new Set([
  'START',
  'READY',
  'CONNECT',
  'DISCONNECT',
  'DROP',
  'ERROR',
  'STOP',
  // algorithm notes (membership and failure detection), carrying clocks unchanged
  'MEMBER_DOWN',
  'MEMBER_UP',
  'SKIP',
]);

/** True when a row with this event name advanced the clocks. */
export function isClockEvent(event: string): boolean {
  return !NON_CLOCK_EVENTS.has(event);
}

/**
 * Event names the runtime itself writes in the `event` column of the log. Clock events advance the
 * clocks; every other row carries the clocks unchanged. Algorithms declare their own events and
 * notes in their modules; the full set of non-clock names (these plus every algorithm's notes) and
 * isClockEvent live in algorithms/registry.ts.
 */

/** Clock events of the runtime itself. Algorithms add their own (CS_ENTER, LEADER, ...). */
export const INTERNAL = 'INTERNAL';
export const SEND = 'SEND';
export const RECEIVE = 'RECEIVE';

/** The runtime's rows that do not advance any clock. Invariant: no algorithm uses these names. */
export const RUNTIME_EVENTS: readonly string[] = ['START', 'READY', 'CONNECT', 'DISCONNECT', 'DROP', 'ERROR', 'STOP'];

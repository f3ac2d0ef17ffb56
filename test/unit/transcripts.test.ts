/**
 * Algorithm transcripts (test/helpers/transcript.ts): each algorithm's protocol on a hand-written
 * schedule over the real engine, written out row by row (START rows left out). The transcripts are
 * the reviewed record of what each algorithm does; a change of behaviour shows as a changed line.
 * Beside each, the property the schedule demonstrates is asserted on its own.
 */
import { describe, it, expect } from 'vitest';
import { createLamportMutex } from '../../src/algorithms/mutex.js';
import { createRicartAgrawala } from '../../src/algorithms/ricartAgrawala.js';
import { createRingElection } from '../../src/algorithms/ringElection.js';
import { createBully } from '../../src/algorithms/bully.js';
import type { LogRow } from '../../src/core/logRow.js';
import { runTranscript, type TranscriptRun } from '../helpers/transcript.js';

const mutexOptions = { csProbability: 1, csTicks: 1, failureTimeoutMs: 60_000, retransmitMs: Infinity };
const electionOptions = { heartbeatMs: 1000, leaderTimeoutMs: 3000, ranks: new Map([[1, 10], [2, 30], [3, 20]]) };

const shown = (t: TranscriptRun): string => t.lines.filter((l) => !l.includes(' START ')).join('\n');
const copies = (rows: LogRow[], kind: string): number =>
  rows.filter((r) => r.event === 'SEND' && r.detail === `kind=${kind}`).reduce((n, r) => n + r.peer.split(';').length, 0);

describe('algorithm transcripts', () => {
  it('mutex (Lamport 1978), 3 machines: one entry costs 3(N−1) messages, entered only after every REPLY', () => {
    const t = runTranscript(() => createLamportMutex(mutexOptions), [1, 2, 3], `
      up all
      flush          # the link-up HELLOs: everyone has heard from everyone
      tick 1         # 1 requests (cs_probability=1)
      flush          # REQUEST to 2 and 3, their REPLYs; the second REPLY lets 1 enter
      tick 1 x2      # cs_ticks=1: the next tick 1 exits and RELEASEs; the one after, it requests again
      deliver 1>2 x2 # RELEASE and the new REQUEST reach 2
    `);
    expect(shown(t)).toMatchInlineSnapshot(`
      "1 L0 [0,0,0] CONNECT 2
      1 L1 [1,0,0] SEND 2 1-1 kind=HELLO
      1 L1 [1,0,0] CONNECT 3
      1 L2 [2,0,0] SEND 3 1-2 kind=HELLO
      2 L0 [0,0,0] CONNECT 1
      2 L1 [0,1,0] SEND 1 2-1 kind=HELLO
      2 L1 [0,1,0] CONNECT 3
      2 L2 [0,2,0] SEND 3 2-2 kind=HELLO
      3 L0 [0,0,0] CONNECT 1
      3 L1 [0,0,1] SEND 1 3-1 kind=HELLO
      3 L1 [0,0,1] CONNECT 2
      3 L2 [0,0,2] SEND 2 3-2 kind=HELLO
      2 L3 [1,3,0] RECEIVE 1 1-1 kind=HELLO
      3 L3 [2,0,3] RECEIVE 1 1-2 kind=HELLO
      1 L3 [3,1,0] RECEIVE 2 2-1 kind=HELLO
      3 L4 [2,2,4] RECEIVE 2 2-2 kind=HELLO
      1 L4 [4,1,1] RECEIVE 3 3-1 kind=HELLO
      2 L4 [1,4,2] RECEIVE 3 3-2 kind=HELLO
      1 L5 [5,1,1] SEND 2;3 1-3 kind=REQUEST ts=5
      1 L6 [6,1,1] CS_REQUEST ts=5
      2 L6 [5,5,2] RECEIVE 1 1-3 kind=REQUEST ts=5
      2 L7 [5,6,2] SEND 1 2-3 kind=REPLY ts=5
      3 L6 [5,2,5] RECEIVE 1 1-3 kind=REQUEST ts=5
      3 L7 [5,2,6] SEND 1 3-3 kind=REPLY ts=5
      1 L8 [7,6,2] RECEIVE 2 2-3 kind=REPLY ts=5
      1 L9 [8,6,6] RECEIVE 3 3-3 kind=REPLY ts=5
      1 L10 [9,6,6] CS_ENTER ts=5
      1 L11 [10,6,6] CS_EXIT ts=5
      1 L12 [11,6,6] SEND 2;3 1-4 kind=RELEASE ts=5
      1 L13 [12,6,6] SEND 2;3 1-5 kind=REQUEST ts=13
      1 L14 [13,6,6] CS_REQUEST ts=13
      2 L13 [11,7,6] RECEIVE 1 1-4 kind=RELEASE ts=5
      2 L14 [12,8,6] RECEIVE 1 1-5 kind=REQUEST ts=13
      2 L15 [12,9,6] SEND 1 2-4 kind=REPLY ts=13"
    `);
    const enter = t.rows.findIndex((r) => r.event === 'CS_ENTER');
    expect(t.rows.slice(0, enter).filter((r) => r.machine === 1 && r.detail === 'kind=REPLY ts=5')).toHaveLength(2);
    expect(copies(t.rows, 'REQUEST ts=5') + copies(t.rows, 'REPLY ts=5') + copies(t.rows, 'RELEASE ts=5')).toBe(3 * 2);
  });

  it('ricart-agrawala, 3 machines: two requests with the same timestamp; the lower id goes first, the other waits for its deferred REPLY', () => {
    const t = runTranscript(() => createRicartAgrawala(mutexOptions), [1, 2, 3], `
      up all
      flush          # the link-up HELLOs, as in the mutex transcript
      clear
      tick 2         # 2 and 1 both request, both at Lamport 5
      tick 1
      flush          # 2 replies to 1 (5,1) < (5,2); 1 defers its reply to 2; 3 replies to both
      tick 1         # 1 exits: the deferred REPLY goes to 2
      flush          # ... and 2 enters
    `);
    expect(shown(t)).toMatchInlineSnapshot(`
      "2 L5 [1,5,2] SEND 3;1 2-3 kind=REQUEST ts=5
      2 L6 [1,6,2] CS_REQUEST ts=5
      1 L5 [5,1,1] SEND 2;3 1-3 kind=REQUEST ts=5
      1 L6 [6,1,1] CS_REQUEST ts=5
      2 L7 [5,7,2] RECEIVE 1 1-3 kind=REQUEST ts=5
      2 L8 [5,8,2] SEND 1 2-4 kind=REPLY ts=5
      3 L6 [5,2,5] RECEIVE 1 1-3 kind=REQUEST ts=5
      3 L7 [5,2,6] SEND 1 3-3 kind=REPLY ts=5
      1 L7 [7,5,2] RECEIVE 2 2-3 kind=REQUEST ts=5
      1 L9 [8,8,2] RECEIVE 2 2-4 kind=REPLY ts=5
      3 L8 [5,5,7] RECEIVE 2 2-3 kind=REQUEST ts=5
      3 L9 [5,5,8] SEND 2 3-4 kind=REPLY ts=5
      1 L10 [9,8,6] RECEIVE 3 3-3 kind=REPLY ts=5
      1 L11 [10,8,6] CS_ENTER ts=5
      2 L10 [5,9,8] RECEIVE 3 3-4 kind=REPLY ts=5
      1 L12 [11,8,6] CS_EXIT ts=5
      1 L13 [12,8,6] SEND 2 1-4 kind=REPLY ts=5
      2 L14 [12,10,8] RECEIVE 1 1-4 kind=REPLY ts=5
      2 L15 [12,11,8] CS_ENTER ts=5"
    `);
    const at = (m: number, e: string): number => t.rows.findIndex((r) => r.machine === m && r.event === e);
    expect(at(1, 'CS_ENTER')).toBeGreaterThan(-1);
    expect(at(2, 'CS_ENTER')).toBeGreaterThan(at(1, 'CS_EXIT'));
  });

  it('ring election, 3 machines: one round around the ring elects the highest rank, everyone agrees', () => {
    const t = runTranscript(() => createRingElection(electionOptions), [1, 2, 3], `
      up all
      tick 1         # no leader yet: 1 starts an election to its successor 2
      flush          # ELECTION 1→2→3→1 collecting ranks, acknowledged hop by hop; NEW_LEADER from 1
    `);
    expect(shown(t)).toMatchInlineSnapshot(`
      "1 L0 [0,0,0] CONNECT 2
      1 L0 [0,0,0] CONNECT 3
      2 L0 [0,0,0] CONNECT 1
      2 L0 [0,0,0] CONNECT 3
      3 L0 [0,0,0] CONNECT 1
      3 L0 [0,0,0] CONNECT 2
      1 L1 [1,0,0] ELECTION initiator=1 rank=10 reason=startup
      1 L2 [2,0,0] SEND 2 1-1 kind=ELECTION initiator=1 rank=10 list=1:10
      2 L3 [2,1,0] RECEIVE 1 1-1 kind=ELECTION initiator=1 rank=10 list=1:10
      2 L4 [2,2,0] SEND 1 2-1 kind=ELECTION_ACK initiator=1
      2 L5 [2,3,0] SEND 3 2-2 kind=ELECTION initiator=1 rank=10 list=1:10;2:30
      1 L5 [3,2,0] RECEIVE 2 2-1 kind=ELECTION_ACK initiator=1
      3 L6 [2,3,1] RECEIVE 2 2-2 kind=ELECTION initiator=1 rank=10 list=1:10;2:30
      3 L7 [2,3,2] SEND 2 3-1 kind=ELECTION_ACK initiator=1
      3 L8 [2,3,3] SEND 1 3-2 kind=ELECTION initiator=1 rank=10 list=1:10;2:30;3:20
      2 L8 [2,4,2] RECEIVE 3 3-1 kind=ELECTION_ACK initiator=1
      1 L9 [4,3,3] RECEIVE 3 3-2 kind=ELECTION initiator=1 rank=10 list=1:10;2:30;3:20
      1 L10 [5,3,3] SEND 3 1-2 kind=ELECTION_ACK initiator=1
      1 L11 [6,3,3] SEND 2;3 1-3 kind=NEW_LEADER leader=2 rank=30 initiator=1
      1 L12 [7,3,3] LEADER 2 leader=2 rank=30
      2 L12 [6,5,3] RECEIVE 1 1-3 kind=NEW_LEADER leader=2 rank=30 initiator=1
      2 L13 [6,6,3] LEADER leader=2 rank=30
      3 L11 [5,3,4] RECEIVE 1 1-2 kind=ELECTION_ACK initiator=1
      3 L12 [6,3,5] RECEIVE 1 1-3 kind=NEW_LEADER leader=2 rank=30 initiator=1
      3 L13 [6,3,6] LEADER 2 leader=2 rank=30"
    `);
    for (const m of [1, 2, 3]) expect(t.rows.filter((r) => r.machine === m && r.event === 'LEADER').at(-1)!.detail).toBe('leader=2 rank=30');
  });

  it('bully, 3 machines: the highest rank answers every lower one and takes over', () => {
    const t = runTranscript(() => createBully(electionOptions), [1, 2, 3], `
      up all
      tick 1         # 1 starts: ELECTION to both (higher ranks)
      flush          # 2 and 3 ANSWER and start their own; 3 asks 2, 2 ANSWERs
      wait 3000
      tick 2         # no higher rank answered 2 within the timeout: it announces itself
      flush
    `);
    expect(shown(t)).toMatchInlineSnapshot(`
      "1 L0 [0,0,0] CONNECT 2
      1 L0 [0,0,0] CONNECT 3
      2 L0 [0,0,0] CONNECT 1
      2 L0 [0,0,0] CONNECT 3
      3 L0 [0,0,0] CONNECT 1
      3 L0 [0,0,0] CONNECT 2
      1 L1 [1,0,0] ELECTION initiator=1 rank=10 reason=startup
      1 L2 [2,0,0] SEND 2;3 1-1 kind=ELECTION initiator=1 rank=10 list=1:10
      2 L3 [2,1,0] RECEIVE 1 1-1 kind=ELECTION initiator=1 rank=10 list=1:10
      2 L4 [2,2,0] SEND 1 2-1 kind=ANSWER rank=30
      2 L5 [2,3,0] ELECTION initiator=2 rank=30 reason=bully
      3 L3 [2,0,1] RECEIVE 1 1-1 kind=ELECTION initiator=1 rank=10 list=1:10
      3 L4 [2,0,2] SEND 1 3-1 kind=ANSWER rank=20
      3 L5 [2,0,3] ELECTION initiator=3 rank=20 reason=bully
      3 L6 [2,0,4] SEND 2 3-2 kind=ELECTION initiator=3 rank=20 list=3:20
      1 L5 [3,2,0] RECEIVE 2 2-1 kind=ANSWER rank=30
      1 L6 [4,2,2] RECEIVE 3 3-1 kind=ANSWER rank=20
      2 L7 [2,4,4] RECEIVE 3 3-2 kind=ELECTION initiator=3 rank=20 list=3:20
      2 L8 [2,5,4] SEND 3 2-2 kind=ANSWER rank=30
      3 L9 [2,5,5] RECEIVE 2 2-2 kind=ANSWER rank=30
      2 L9 [2,6,4] SEND 3;1 2-3 kind=NEW_LEADER leader=2 rank=30 initiator=2
      2 L10 [2,7,4] LEADER leader=2 rank=30
      1 L10 [5,6,4] RECEIVE 2 2-3 kind=NEW_LEADER leader=2 rank=30 initiator=2
      1 L11 [6,6,4] LEADER 2 leader=2 rank=30
      3 L10 [2,6,6] RECEIVE 2 2-3 kind=NEW_LEADER leader=2 rank=30 initiator=2
      3 L11 [2,6,7] LEADER 2 leader=2 rank=30"
    `);
    for (const m of [1, 2, 3]) expect(t.rows.filter((r) => r.machine === m && r.event === 'LEADER').at(-1)!.detail).toContain('leader=2');
  });
});

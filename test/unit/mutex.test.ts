import { describe, expect, it } from 'vitest';
import type { Context, Effect, MessageContext, TickContext } from '../../src/core/algorithm.js';
import { Rng } from '../../src/core/rng.js';
import {
  canEnter,
  createLamportMutex,
  enqueueRequest,
  removeRequestsOf,
  type LamportMutexState,
} from '../../src/algorithms/mutex.js';
import { createRicartAgrawala, mustDefer, type RicartAgrawalaState } from '../../src/algorithms/ricartAgrawala.js';
import { compareRequests, describeMutexBody, parseMutexBody, type MutexBody, type RequestKey } from '../../src/algorithms/mutexCommon.js';
import { parseSharedFile, formatSharedLine } from '../../src/core/sharedFile.js';

/** A context for machine `self` of members 1..3 (peers in ring order after self). */
function ctxFor(self: number, over: Partial<TickContext & MessageContext> = {}): TickContext & MessageContext {
  const members = [1, 2, 3];
  const at = members.indexOf(self);
  const peers = [...members.slice(at + 1), ...members.slice(0, at)];
  const base: Context = { self, members, peers, now: 0, rng: new Rng(1), lamport: 0, connected: new Set(peers) };
  return { ...base, tick: 1, msgLamport: 0, msgId: 'x-1', ...over };
}

const ALWAYS = { csProbability: 1, csTicks: 2, failureTimeoutMs: 3000 };
const NEVER = { ...ALWAYS, csProbability: 0 };

type E = Effect<MutexBody>;
const sends = (effects: E[]) => effects.filter((e) => e.kind === 'send') as Extract<E, { kind: 'send' }>[];
const events = (effects: E[]) => effects.filter((e) => e.kind === 'event').map((e) => `${(e as { event: string }).event} ${(e as { detail?: string }).detail ?? ''}`.trim());
const notes = (effects: E[]) => effects.filter((e) => e.kind === 'note').map((e) => `${(e as { event: string }).event} ${(e as { peer?: number[] }).peer?.join(';')}`);

/** A Lamport machine 1 that has heard HELLO from 2 and 3 (clock at 10 afterwards). */
function syncedLamport(options = ALWAYS) {
  const alg = createLamportMutex(options);
  const s = alg.init(ctxFor(1));
  alg.onMessage(s, 2, { kind: 'HELLO' }, ctxFor(1, { msgLamport: 1, lamport: 2 }));
  alg.onMessage(s, 3, { kind: 'HELLO' }, ctxFor(1, { msgLamport: 1, lamport: 3 }));
  return { alg, s };
}

describe('request queue', () => {
  it('orders by (timestamp, machine id) and keeps one request per machine', () => {
    const q: RequestKey[] = [];
    enqueueRequest(q, { ts: 5, id: 2 });
    enqueueRequest(q, { ts: 3, id: 3 });
    enqueueRequest(q, { ts: 5, id: 1 });
    enqueueRequest(q, { ts: 9, id: 3 }); // replaces (3, 3)
    expect(q).toEqual([
      { ts: 5, id: 1 },
      { ts: 5, id: 2 },
      { ts: 9, id: 3 },
    ]);
    removeRequestsOf(q, 2, 4); // RELEASE(4) does not remove the request of ts 5
    expect(q.length).toBe(3);
    removeRequestsOf(q, 2, 5);
    expect(q.map((k) => k.id)).toEqual([1, 3]);
    expect(compareRequests({ ts: 1, id: 9 }, { ts: 2, id: 1 })).toBeLessThan(0);
    expect(compareRequests({ ts: 2, id: 1 }, { ts: 2, id: 9 })).toBeLessThan(0);
  });
});

describe("Lamport's mutual exclusion", () => {
  it('does not request before hearing from every peer (fresh-member rule)', () => {
    const alg = createLamportMutex(ALWAYS);
    const s = alg.init(ctxFor(1));
    expect(alg.onTick(s, ctxFor(1))).toEqual([]);
    alg.onMessage(s, 2, { kind: 'HELLO' }, ctxFor(1, { msgLamport: 1, lamport: 2 }));
    expect(alg.onTick(s, ctxFor(1, { lamport: 2 }))).toEqual([]);
    alg.onMessage(s, 3, { kind: 'HELLO' }, ctxFor(1, { msgLamport: 1, lamport: 3 }));
    expect(events(alg.onTick(s, ctxFor(1, { lamport: 3 })))).toEqual(['CS_REQUEST ts=4']);
  });

  it('sends REQUEST to all, then logs CS_REQUEST with the timestamp of that send, and queues itself', () => {
    const { alg, s } = syncedLamport();
    const fx = alg.onTick(s, ctxFor(1, { lamport: 10 }));
    expect(fx[0]).toEqual({ kind: 'send', to: [2, 3], body: { kind: 'REQUEST', ts: 11 } });
    expect(events(fx)).toEqual(['CS_REQUEST ts=11']);
    expect(s.phase).toBe('waiting');
    expect(s.myTs).toBe(11);
    expect(s.queue).toEqual([{ ts: 11, id: 1 }]);
  });

  it('enters only with a later-timestamped message from every peer and its request at the head', () => {
    const { alg, s } = syncedLamport();
    alg.onTick(s, ctxFor(1, { lamport: 10 })); // request ts 11
    // a REPLY from 2 stamped later than 11
    expect(events(alg.onMessage(s, 2, { kind: 'REPLY', ts: 11 }, ctxFor(1, { msgLamport: 13, lamport: 14 })))).toEqual([]);
    expect(canEnter(s, 1)).toBe(false);
    // 3's REQUEST with a larger timestamp counts as "later message" too, and queues behind us
    const fx = alg.onMessage(s, 3, { kind: 'REQUEST', ts: 12 }, ctxFor(1, { msgLamport: 12, lamport: 15 }));
    // the REPLY states our own outstanding request (req)
    expect(sends(fx)).toEqual([{ kind: 'send', to: [3], body: { kind: 'REPLY', ts: 12, req: 11 } }]);
    expect(events(fx)).toEqual(['CS_ENTER ts=11']);
    expect(s.phase).toBe('held');
    expect(s.queue).toEqual([
      { ts: 11, id: 1 },
      { ts: 12, id: 3 },
    ]);
  });

  it('a message stamped no later than the request does not count', () => {
    const { alg, s } = syncedLamport();
    alg.onTick(s, ctxFor(1, { lamport: 10 })); // ts 11
    alg.onMessage(s, 2, { kind: 'REPLY', ts: 11 }, ctxFor(1, { msgLamport: 13, lamport: 14 }));
    alg.onMessage(s, 3, { kind: 'HELLO' }, ctxFor(1, { msgLamport: 11, lamport: 15 }));
    expect(s.phase).toBe('waiting');
  });

  it('waits behind an earlier request until its RELEASE', () => {
    const { alg, s } = syncedLamport();
    alg.onMessage(s, 3, { kind: 'REQUEST', ts: 4 }, ctxFor(1, { msgLamport: 4, lamport: 5 }));
    alg.onTick(s, ctxFor(1, { lamport: 10 })); // ts 11
    alg.onMessage(s, 2, { kind: 'REPLY', ts: 11 }, ctxFor(1, { msgLamport: 12, lamport: 13 }));
    // 3 still holds its request ts 4, and its REPLY says so
    alg.onMessage(s, 3, { kind: 'REPLY', ts: 11, req: 4 }, ctxFor(1, { msgLamport: 12, lamport: 14 }));
    expect(s.phase).toBe('waiting');
    expect(canEnter(s, 1)).toBe(false);
    const fx = alg.onMessage(s, 3, { kind: 'RELEASE', ts: 4 }, ctxFor(1, { msgLamport: 15, lamport: 16 }));
    expect(events(fx)).toEqual(['CS_ENTER ts=11']);
  });

  it('holds for csTicks ticks, then logs CS_EXIT before sending RELEASE and dequeues itself', () => {
    const { alg, s } = syncedLamport();
    alg.onTick(s, ctxFor(1, { lamport: 10 }));
    alg.onMessage(s, 2, { kind: 'REPLY', ts: 11 }, ctxFor(1, { msgLamport: 12, lamport: 13 }));
    alg.onMessage(s, 3, { kind: 'REPLY', ts: 11 }, ctxFor(1, { msgLamport: 12, lamport: 14 }));
    expect(s.phase).toBe('held');
    expect(alg.onTick(s, ctxFor(1, { lamport: 15 }))).toEqual([]);
    const fx = alg.onTick(s, ctxFor(1, { lamport: 15 }));
    expect(fx).toEqual([
      { kind: 'event', event: 'CS_EXIT', detail: 'ts=11' },
      { kind: 'send', to: [2, 3], body: { kind: 'RELEASE', ts: 11 } },
    ]);
    expect(s.phase).toBe('idle');
    expect(s.queue).toEqual([]);
    expect(s.entries).toBe(1);
  });

  it('a REQUEST replaces an older one of the same machine; HELLO clears it', () => {
    const { alg, s } = syncedLamport(NEVER);
    alg.onMessage(s, 2, { kind: 'REQUEST', ts: 4 }, ctxFor(1, { msgLamport: 4, lamport: 5 }));
    alg.onMessage(s, 2, { kind: 'REQUEST', ts: 8 }, ctxFor(1, { msgLamport: 8, lamport: 9 }));
    expect(s.queue).toEqual([{ ts: 8, id: 2 }]);
    alg.onMessage(s, 2, { kind: 'HELLO' }, ctxFor(1, { msgLamport: 10, lamport: 11 }));
    expect(s.queue).toEqual([]);
  });

  it('drops a peer down for failureTimeoutMs and enters without it; it rejoins on link up', () => {
    const { alg, s } = syncedLamport();
    alg.onTick(s, ctxFor(1, { lamport: 10 })); // ts 11
    alg.onMessage(s, 2, { kind: 'REPLY', ts: 11 }, ctxFor(1, { msgLamport: 12, lamport: 13 }));
    alg.onMessage(s, 3, { kind: 'REQUEST', ts: 9 }, ctxFor(1, { msgLamport: 9, lamport: 14 })); // 3 is ahead of us
    alg.onPeerDown!(s, 3, ctxFor(1, { now: 1000, connected: new Set([2]) }));
    expect(events(alg.onTick(s, ctxFor(1, { now: 3999, lamport: 15, connected: new Set([2]) })))).toEqual([]);
    const fx = alg.onTick(s, ctxFor(1, { now: 4000, lamport: 15, connected: new Set([2]) }));
    expect(notes(fx)).toEqual(['MEMBER_DOWN 3']);
    expect(events(fx)).toEqual(['CS_ENTER ts=11']);
    expect(s.queue).toEqual([{ ts: 11, id: 1 }]);
    // link up again: MEMBER_UP, and the fresh member gets our outstanding request
    const up = alg.onPeerUp!(s, 3, ctxFor(1, { now: 9000, lamport: 16 }));
    expect(notes(up)).toEqual(['MEMBER_UP 3']);
    expect(sends(up)).toEqual([{ kind: 'send', to: [3], body: { kind: 'REQUEST', ts: 11 } }]);
    expect(s.membership.live.has(3)).toBe(true);
  });

  it('a short outage is not a failure: no MEMBER_DOWN, and link up re-sends state (HELLO when idle)', () => {
    const { alg, s } = syncedLamport(NEVER);
    alg.onPeerDown!(s, 2, ctxFor(1, { now: 0, connected: new Set([3]) }));
    expect(alg.onTick(s, ctxFor(1, { now: 2000, connected: new Set([3]) }))).toEqual([]);
    const up = alg.onPeerUp!(s, 2, ctxFor(1, { now: 2500 }));
    expect(up).toEqual([{ kind: 'send', to: [2], body: { kind: 'HELLO' } }]);
    expect(alg.onTick(s, ctxFor(1, { now: 10000 }))).toEqual([]);
  });

  it('a message from a dropped peer re-admits it', () => {
    const { alg, s } = syncedLamport(NEVER);
    alg.onPeerDown!(s, 2, ctxFor(1, { now: 0, connected: new Set([3]) }));
    alg.onTick(s, ctxFor(1, { now: 5000, connected: new Set([3]) }));
    expect(s.membership.live.has(2)).toBe(false);
    const fx = alg.onMessage(s, 2, { kind: 'REQUEST', ts: 30 }, ctxFor(1, { msgLamport: 30, lamport: 31, connected: new Set([3]) }));
    expect(notes(fx)).toEqual(['MEMBER_UP 2']);
    expect(sends(fx).map((e) => e.body.kind)).toEqual(['HELLO', 'REPLY']);
    expect(s.queue).toEqual([{ ts: 30, id: 2 }]);
    // its link is still down: the failure timer runs again
    expect(s.membership.downSince.has(2)).toBe(true);
  });

  it('a machine alone enters at once (no send, CS_REQUEST is the request event)', () => {
    const alg = createLamportMutex(ALWAYS);
    const ctx: TickContext = { self: 1, members: [1], peers: [], now: 0, rng: new Rng(1), lamport: 7, connected: new Set(), tick: 1 };
    const s: LamportMutexState = alg.init(ctx);
    expect(alg.onTick(s, ctx)).toEqual([
      { kind: 'event', event: 'CS_REQUEST', detail: 'ts=8' },
      { kind: 'event', event: 'CS_ENTER', detail: 'ts=8' },
    ]);
  });
});

describe('Ricart–Agrawala', () => {
  function syncedRa(options = ALWAYS) {
    const alg = createRicartAgrawala(options);
    const s: RicartAgrawalaState = alg.init(ctxFor(1));
    alg.onMessage(s, 2, { kind: 'HELLO' }, ctxFor(1, { msgLamport: 1, lamport: 2 }));
    alg.onMessage(s, 3, { kind: 'HELLO' }, ctxFor(1, { msgLamport: 1, lamport: 3 }));
    return { alg, s };
  }

  it('replies at once when idle, defers while inside or when its own request goes first', () => {
    const { alg, s } = syncedRa(NEVER);
    expect(sends(alg.onMessage(s, 2, { kind: 'REQUEST', ts: 5 }, ctxFor(1, { msgLamport: 5, lamport: 6 })))).toEqual([
      { kind: 'send', to: [2], body: { kind: 'REPLY', ts: 5 } },
    ]);
    s.phase = 'waiting';
    s.myTs = 7;
    expect(mustDefer(s, 1, 7, 2)).toBe(true); // (7,1) < (7,2)
    expect(mustDefer(s, 1, 6, 2)).toBe(false);
    s.phase = 'held';
    expect(mustDefer(s, 1, 1, 2)).toBe(true);
  });

  it('enters after every peer replied to the current request and answers the deferred on exit', () => {
    const { alg, s } = syncedRa();
    const req = alg.onTick(s, ctxFor(1, { lamport: 10 }));
    expect(req[0]).toEqual({ kind: 'send', to: [2, 3], body: { kind: 'REQUEST', ts: 11 } });
    expect(events(req)).toEqual(['CS_REQUEST ts=11']);
    alg.onMessage(s, 2, { kind: 'REPLY', ts: 11 }, ctxFor(1, { msgLamport: 12, lamport: 13 }));
    alg.onMessage(s, 3, { kind: 'REPLY', ts: 3 }, ctxFor(1, { msgLamport: 12, lamport: 14 })); // stale: ignored
    expect(s.phase).toBe('waiting');
    expect(alg.onMessage(s, 3, { kind: 'REQUEST', ts: 13 }, ctxFor(1, { msgLamport: 13, lamport: 15 }))).toEqual([]); // deferred
    const fx = alg.onMessage(s, 3, { kind: 'REPLY', ts: 11 }, ctxFor(1, { msgLamport: 14, lamport: 16 }));
    expect(events(fx)).toEqual(['CS_ENTER ts=11']);
    alg.onTick(s, ctxFor(1, { lamport: 17 }));
    expect(alg.onTick(s, ctxFor(1, { lamport: 17 }))).toEqual([
      { kind: 'event', event: 'CS_EXIT', detail: 'ts=11' },
      { kind: 'send', to: [3], body: { kind: 'REPLY', ts: 13 } },
    ]);
    expect(s.deferred.size).toBe(0);
  });
});

describe('wire bodies and the shared file format', () => {
  it('validates bodies and describes them for the log', () => {
    expect(parseMutexBody({ kind: 'REQUEST', ts: 5 })).toEqual({ kind: 'REQUEST', ts: 5 });
    expect(parseMutexBody({ kind: 'HELLO' })).toEqual({ kind: 'HELLO' });
    expect(parseMutexBody({ kind: 'REQUEST', ts: -1 })).toBeNull();
    expect(parseMutexBody({ kind: 'REPLY', ts: '5' })).toBeNull();
    expect(parseMutexBody({ kind: 'NOPE', ts: 1 })).toBeNull();
    expect(parseMutexBody(null)).toBeNull();
    expect(describeMutexBody({ kind: 'RELEASE', ts: 9 })).toBe('kind=RELEASE ts=9');
  });

  it('formats ENTER/LEAVE lines and parses them back', () => {
    const row = { event: 'CS_ENTER', machine: 2, lamport: 12, detail: 'ts=9', time: '2026-01-01T00:00:01.000Z', epoch_ms: 1767225601000 };
    const enter = formatSharedLine(row)!;
    expect(enter).toBe('ENTER machine=2 lamport=12 ts=9 time=2026-01-01T00:00:01.000Z epoch_ms=1767225601000\n');
    const leave = formatSharedLine({ ...row, event: 'CS_EXIT', lamport: 14 })!;
    expect(formatSharedLine({ ...row, event: 'SEND' })).toBeNull();
    const parsed = parseSharedFile(enter + leave + 'garbage\n');
    expect(parsed.lines.map((l) => `${l.kind}:${l.machine}:${l.ts}:${l.line}`)).toEqual(['ENTER:2:9:1', 'LEAVE:2:9:2']);
    expect(parsed.malformed).toEqual([3]);
  });
});

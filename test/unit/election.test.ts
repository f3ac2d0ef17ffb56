/**
 * Unit tests of the election state machines (ring and bully) driven by hand-made contexts, of the
 * shared pieces (ranks, bodies) and of the election checker on small hand-written logs.
 */
import { describe, expect, it } from 'vitest';
import { createBully } from '../../src/algorithms/bully.js';
import { describeElectionBody, outranks, parseElectionBody, seedRank, type ElectionBody, type ElectionState } from '../../src/algorithms/electionCommon.js';
import { createRingElection } from '../../src/algorithms/ringElection.js';
import { electionChecks, electionReport, parseFaultsCsv, type ElectionLog } from '../../src/analysis/electionChecks.js';
import type { Context, Effect } from '../../src/core/algorithm.js';
import { Rng } from '../../src/core/rng.js';

const MEMBERS = [1, 2, 3, 4];
const opts = (ranks: [number, number][] = [[1, 10], [2, 20], [3, 30], [4, 40]]) => ({ heartbeatMs: 1000, leaderTimeoutMs: 5000, ranks: new Map(ranks) });

function ctx(self: number, now: number, connected: number[] = MEMBERS.filter((m) => m !== self)): Context & { tick: number; msgLamport: number; msgId: string } {
  const at = MEMBERS.indexOf(self);
  return {
    self,
    members: MEMBERS,
    peers: [...MEMBERS.slice(at + 1), ...MEMBERS.slice(0, at)],
    now,
    rng: new Rng(self),
    lamport: 0,
    connected: new Set(connected),
    tick: 1,
    msgLamport: 0,
    msgId: 'x-1',
  };
}

const sends = (effects: Effect<ElectionBody>[]) => effects.filter((e) => e.kind === 'send') as Extract<Effect<ElectionBody>, { kind: 'send' }>[];
const events = (effects: Effect<ElectionBody>[]) => effects.filter((e) => e.kind !== 'send').map((e) => (e as { event: string }).event);

describe('ranks and bodies', () => {
  it('drawn ranks are distinct across machines whatever they draw', () => {
    const members = Array.from({ length: 12 }, (_, i) => i + 1);
    const ranks = members.map((id) => seedRank(500, id, members));
    expect(new Set(ranks).size).toBe(12);
    expect(seedRank(7, 3, [1, 2, 3])).toBe(73);
    expect(seedRank(7, 3, [1, 2, 3, 10])).toBe(703);
  });
  it('orders by rank, then id', () => {
    expect(outranks({ id: 1, rank: 5 }, { id: 2, rank: 4 })).toBe(true);
    expect(outranks({ id: 2, rank: 5 }, { id: 1, rank: 5 })).toBe(true);
    expect(outranks({ id: 1, rank: 5 }, { id: 1, rank: 5 })).toBe(false);
  });
  it('validates bodies from the wire and describes them', () => {
    const body: ElectionBody = { kind: 'ELECTION', initiator: 3, rank: 30, list: [[3, 30], [4, 40]] };
    expect(parseElectionBody(JSON.parse(JSON.stringify(body)))).toEqual(body);
    expect(describeElectionBody(body)).toBe('kind=ELECTION initiator=3 rank=30 list=3:30;4:40');
    expect(parseElectionBody({ kind: 'ELECTION', initiator: 3, rank: 30, list: [[3]] })).toBeNull();
    expect(parseElectionBody({ kind: 'NEW_LEADER', leader: -1, rank: 1, initiator: 1 })).toBeNull();
    expect(parseElectionBody({ kind: 'NOPE' })).toBeNull();
    expect(parseElectionBody(null)).toBeNull();
    expect(parseElectionBody({ kind: 'CHECK_LEADER' })).toEqual({ kind: 'CHECK_LEADER' });
  });
  it('logs the rank and timing in START, drawing the rank from the seed when the config has none', () => {
    const alg = createRingElection(opts([]));
    const s = alg.init(ctx(2, 0));
    expect(s.rankSource).toBe('seed');
    expect(s.rank % 10).toBe(2);
    expect(alg.startDetail!(s)).toMatch(/^rank=\d+ rank_source=seed heartbeat_ms=1000 leader_timeout_ms=5000$/);
  });
});

describe('ring election', () => {
  const alg = createRingElection(opts());

  it('a machine without a leader starts an election to its next live successor, skipping a down one', () => {
    const s = alg.init(ctx(1, 0));
    const out = alg.onTick(s, ctx(1, 100, [3, 4]));
    expect(events(out)).toEqual(['ELECTION', 'SKIP']);
    expect(out[1]).toMatchObject({ kind: 'note', event: 'SKIP', peer: [2] });
    expect(sends(out)).toEqual([{ kind: 'send', to: [3], body: { kind: 'ELECTION', initiator: 1, rank: 10, list: [[1, 10]] } }]);
    expect(s.electing).toBe(true);
  });

  it('skips a successor that does not ack (a paused process) and forwards to the next', () => {
    const s = alg.init(ctx(1, 0));
    alg.onTick(s, ctx(1, 100));
    expect(s.pending.map((p) => p.to)).toEqual([2]);
    const out = alg.onTick(s, ctx(1, 1200));
    expect(out[0]).toMatchObject({ kind: 'note', event: 'SKIP', peer: [2], detail: 'reason=no_ack initiator=1' });
    expect(sends(out)[0]!.to).toEqual([3]);
    // an ack clears the wait
    alg.onMessage(s, 3, { kind: 'ELECTION_ACK', initiator: 1 }, ctx(1, 1210));
    expect(s.pending).toEqual([]);
  });

  it('a receiver acks, appends itself and forwards; the token back at a listed machine elects the highest', () => {
    const s2 = alg.init(ctx(2, 0));
    const out = alg.onMessage(s2, 1, { kind: 'ELECTION', initiator: 1, rank: 10, list: [[1, 10]] }, ctx(2, 50));
    expect(sends(out)).toEqual([
      { kind: 'send', to: [1], body: { kind: 'ELECTION_ACK', initiator: 1 } },
      { kind: 'send', to: [3], body: { kind: 'ELECTION', initiator: 1, rank: 10, list: [[1, 10], [2, 20]] } },
    ]);
    const s1 = alg.init(ctx(1, 0));
    alg.onTick(s1, ctx(1, 10));
    const back = alg.onMessage(s1, 4, { kind: 'ELECTION', initiator: 1, rank: 10, list: [[1, 10], [2, 20], [3, 30], [4, 40]] }, ctx(1, 90));
    expect(sends(back)[1]).toEqual({ kind: 'send', to: [2, 3, 4], body: { kind: 'NEW_LEADER', leader: 4, rank: 40, initiator: 1 } });
    expect(back.at(-1)).toMatchObject({ kind: 'event', event: 'LEADER', detail: 'leader=4 rank=40', peer: [4] });
    expect(s1.leader).toBe(4);
  });

  it('suppresses an election of a lower initiator while forwarding a higher one', () => {
    const s = alg.init(ctx(2, 0));
    alg.onMessage(s, 1, { kind: 'ELECTION', initiator: 4, rank: 40, list: [[4, 40], [1, 10]] }, ctx(2, 10));
    const out = alg.onMessage(s, 1, { kind: 'ELECTION', initiator: 1, rank: 10, list: [[1, 10]] }, ctx(2, 20));
    expect(sends(out)).toEqual([{ kind: 'send', to: [1], body: { kind: 'ELECTION_ACK', initiator: 1 } }]);
  });

  it('checks the leader every heartbeat and declares it lost after the timeout', () => {
    const s = alg.init(ctx(1, 0));
    alg.onMessage(s, 4, { kind: 'NEW_LEADER', leader: 4, rank: 40, initiator: 4 }, ctx(1, 0));
    expect(sends(alg.onTick(s, ctx(1, 500)))).toEqual([]);
    expect(sends(alg.onTick(s, ctx(1, 1000)))).toEqual([{ kind: 'send', to: [4], body: { kind: 'CHECK_LEADER' } }]);
    alg.onMessage(s, 4, { kind: 'LEADER_ALIVE', leader: 4, rank: 40 }, ctx(1, 1010));
    expect(s.checkSince).toBeNull();
    alg.onTick(s, ctx(1, 2000));
    expect(s.checkSince).toBe(2000);
    expect(events(alg.onTick(s, ctx(1, 6900)))).toEqual([]);
    const lost = alg.onTick(s, ctx(1, 7000, [2, 3]));
    expect(events(lost).slice(0, 2)).toEqual(['LEADER_LOST', 'ELECTION']);
    expect(s.leader).toBeNull();
  });

  it('only the leader answers CHECK_LEADER', () => {
    const s4 = alg.init(ctx(4, 0));
    alg.onMessage(s4, 3, { kind: 'NEW_LEADER', leader: 4, rank: 40, initiator: 3 }, ctx(4, 0));
    expect(sends(alg.onMessage(s4, 1, { kind: 'CHECK_LEADER' }, ctx(4, 5)))).toEqual([{ kind: 'send', to: [1], body: { kind: 'LEADER_ALIVE', leader: 4, rank: 40 } }]);
    const s1 = alg.init(ctx(1, 0));
    expect(alg.onMessage(s1, 2, { kind: 'CHECK_LEADER' }, ctx(1, 5))).toEqual([]);
  });

  it('a machine announced a leader it outranks takes over with an election', () => {
    const s4 = alg.init(ctx(4, 0));
    const out = alg.onMessage(s4, 1, { kind: 'NEW_LEADER', leader: 3, rank: 30, initiator: 1 }, ctx(4, 0));
    expect(events(out)[0]).toBe('ELECTION');
    expect(out[0]).toMatchObject({ detail: 'initiator=4 rank=40 reason=outranks_leader' });
    expect(s4.leader).toBeNull();
  });

  it('the leader announces itself to a peer whose link comes up', () => {
    const s4 = alg.init(ctx(4, 0));
    alg.onMessage(s4, 3, { kind: 'NEW_LEADER', leader: 4, rank: 40, initiator: 3 }, ctx(4, 0));
    expect(alg.onPeerUp!(s4, 2, ctx(4, 10))).toEqual([{ kind: 'send', to: [2], body: { kind: 'NEW_LEADER', leader: 4, rank: 40, initiator: 4 } }]);
  });
});

describe('bully', () => {
  const alg = createBully(opts());

  it('sends ELECTION to higher machines only (ranks known), wins without an answer', () => {
    const s = alg.init(ctx(2, 0));
    const out = alg.onTick(s, ctx(2, 100));
    expect(sends(out)).toEqual([{ kind: 'send', to: [3, 4], body: { kind: 'ELECTION', initiator: 2, rank: 20, list: [[2, 20]] } }]);
    const win = alg.onTick(s, ctx(2, 1100, [1, 3]));
    expect(sends(win)).toEqual([{ kind: 'send', to: [3, 1], body: { kind: 'NEW_LEADER', leader: 2, rank: 20, initiator: 2 } }]);
    expect(events(win)).toEqual(['LEADER']);
  });

  it('with drawn ranks the first election goes to every peer', () => {
    const a = createBully(opts([]));
    const s = a.init(ctx(2, 0));
    expect(sends(a.onTick(s, ctx(2, 100)))[0]!.to).toEqual([3, 4, 1]);
  });

  it('a higher machine answers and starts its own election; an answered initiator waits', () => {
    const s3 = alg.init(ctx(3, 0));
    const out = alg.onMessage(s3, 2, { kind: 'ELECTION', initiator: 2, rank: 20, list: [[2, 20]] }, ctx(3, 10));
    expect(sends(out)[0]).toEqual({ kind: 'send', to: [2], body: { kind: 'ANSWER', rank: 30 } });
    expect(events(out)).toEqual(['ELECTION']);
    const s2 = alg.init(ctx(2, 0));
    alg.onTick(s2, ctx(2, 0));
    alg.onMessage(s2, 3, { kind: 'ANSWER', rank: 30 }, ctx(2, 20));
    expect(events(alg.onTick(s2, ctx(2, 2000)))).toEqual([]);
    expect(events(alg.onTick(s2, ctx(2, 5020)))).toEqual(['ELECTION']); // no NEW_LEADER in time: again
  });

  it('a lower machine ignores ELECTION from a higher one; a returning higher machine bullies', () => {
    const s1 = alg.init(ctx(1, 0));
    expect(alg.onMessage(s1, 3, { kind: 'ELECTION', initiator: 3, rank: 30, list: [[3, 30]] }, ctx(1, 5))).toEqual([]);
    const s4: ElectionState = alg.init(ctx(4, 0));
    const out = alg.onMessage(s4, 3, { kind: 'NEW_LEADER', leader: 3, rank: 30, initiator: 3 }, ctx(4, 5));
    expect(events(out)).toEqual(['ELECTION']);
  });
});

describe('election checker on hand-written logs', () => {
  const log = (machine: number, rows: [number, string, string][]): ElectionLog => ({
    file: `log_${machine}.csv`,
    machine,
    rows: rows.map(([t, event, detail], i) => ({ line: i + 2, epochMs: t, event, detail })),
  });
  const start = (rank: number) => `algorithm=election rank=${rank} heartbeat_ms=1000 leader_timeout_ms=5000`;

  it('passes a clean run and measures the recovery after the leader is killed', () => {
    const logs = [
      log(1, [[0, 'START', start(10)], [100, 'LEADER', 'leader=3 rank=30'], [12_000, 'LEADER_LOST', 'leader=3'], [12_100, 'LEADER', 'leader=2 rank=20'], [30_000, 'STOP', '']]),
      log(2, [[0, 'START', start(20)], [100, 'LEADER', 'leader=3 rank=30'], [12_050, 'LEADER', 'leader=2 rank=20'], [30_000, 'STOP', '']]),
      log(3, [[0, 'START', start(30)], [100, 'LEADER', 'leader=3 rank=30'], [6900, 'INTERNAL', '']]),
    ];
    const faults = parseFaultsCsv('time,epoch_ms,fault,machine,detail\n2026-01-01T00:00:07.000Z,7000,kill,3,spec=leader@7 who=leader\n');
    expect(faults).toEqual([{ line: 2, epochMs: 7000, fault: 'kill', machine: 3, detail: 'spec=leader@7 who=leader' }]);
    const checks = electionChecks(logs, faults);
    expect(checks.every((c) => c.ok), JSON.stringify(checks)).toBe(true);
    const rep = electionReport(logs, faults);
    expect(rep.recoveries).toMatchObject([{ machine: 3, ms: 5100, newLeader: 2, where: 'faults.csv:2' }]);
    // without faults.csv the kill is taken at the dead machine's last row
    expect(electionReport(logs, null).recoveries[0]).toMatchObject({ ms: 5200, where: 'log_3.csv:4' });
  });

  it('reports disagreement at the end and long windows of two leaders, with file:line', () => {
    const logs = [
      log(1, [[0, 'START', start(10)], [100, 'LEADER', 'leader=1 rank=10'], [30_000, 'STOP', '']]),
      log(2, [[0, 'START', start(20)], [100, 'LEADER', 'leader=2 rank=20'], [30_000, 'STOP', '']]),
    ];
    const [agreement, uniqueness] = electionChecks(logs, null);
    expect(agreement!.ok).toBe(false);
    expect(agreement!.examples[0]).toMatchObject({ where: 'log_1.csv:3' });
    expect(uniqueness!.ok).toBe(false);
    expect(uniqueness!.examples[0]!.where).toBe('log_1.csv:3, log_2.csv:3');
  });
});

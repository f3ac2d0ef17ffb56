/**
 * The machine engine's own invariants (runtime/engine.ts), checked on random schedules of a
 * scripted algorithm over a hand-driven FIFO network: every clock event advances Lamport by the
 * rules and the own vector entry by exactly 1, non-clock rows carry the clocks unchanged, a SEND
 * row is written before its message reaches the outbox, msg ids are `<self>-<seq>` with seq
 * strictly increasing, a multicast is one row, `queue_len` is the queue after the event, and in
 * one-per-tick mode a tick is either one RECEIVE or one onTick call.
 */
import { describe, it, expect } from 'vitest';
import type { Algorithm, Effect, ReceiveMode } from '../../src/core/algorithm.js';
import type { LogRow } from '../../src/core/logRow.js';
import { Rng } from '../../src/core/rng.js';
import type { Envelope, MachineId } from '../../src/core/types.js';
import { makeLayout } from '../../src/core/vector.js';
import { engineCluster } from '../helpers/transcript.js';
import { MachineEngine } from '../../src/runtime/engine.js';

type Body = { n: number };

/** Draws from the engine's own RNG what to do on a tick: a send to some peers, an own clock event, or nothing. */
function scripted(mode: ReceiveMode, calls: { ticks: number }): Algorithm<{ n: number }, Body> {
  return {
    name: 'scripted',
    receiveMode: mode,
    init: () => ({ n: 0 }),
    onTick(state, ctx) {
      calls.ticks++;
      const d = ctx.rng.int(1, 6);
      const out: Effect<Body>[] = [];
      if (d <= 2) {
        const to = ctx.peers.filter(() => ctx.rng.int(0, 1) === 1);
        out.push({ kind: 'send', to: to.length ? to : [ctx.peers[0]!], body: { n: ++state.n } });
      } else if (d === 3) out.push({ kind: 'event', event: 'WORK', detail: `n=${state.n}` });
      else if (d === 4) {
        out.push({ kind: 'event', event: 'WORK' }, { kind: 'send', to: [...ctx.peers], body: { n: ++state.n } });
      }
      return out;
    },
    onMessage(state, _from, body) {
      // every third message is answered at once: a send in the same call as the RECEIVE
      return body.n % 3 === 0 ? [{ kind: 'event', event: 'GOT' }] : [];
    },
    describe: (b) => `n=${b.n}`,
    parseBody: (raw) => (typeof (raw as Body)?.n === 'number' ? (raw as Body) : null),
  };
}

interface Journal {
  /** Every row and every outbox send of all machines, in the order the engines made them. */
  readonly entries: (
    | { kind: 'row'; row: LogRow }
    | { kind: 'send'; from: MachineId; to: MachineId; env: Envelope<unknown> }
    | { kind: 'arrive'; at: MachineId }
  )[];
}

function cluster(mode: ReceiveMode, seed: number, n = 3) {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const journal: Journal = { entries: [] };
  const down = new Set<string>(); // "a>b" links refused by the outbox
  const calls = new Map<MachineId, { ticks: number }>(ids.map((id) => [id, { ticks: 0 }]));
  const { layout, engines, links, clock } = engineCluster(ids, {
    algorithm: (id) => scripted(mode, calls.get(id)!),
    seed: (id) => seed * 31 + id,
    write: (row) => journal.entries.push({ kind: 'row', row }),
    refuse: (from, to, env) => {
      journal.entries.push({ kind: 'send', from, to, env });
      return down.has(`${from}>${to}`) ? ((to + seed) % 2 === 0 ? false : 'partitioned') : undefined;
    },
  });
  return { ids, layout, journal, links, down, calls, engines, advance: () => clock.now++ };
}

const parseVec = (text: string): number[] => text.split(';').map((p) => Number(p.slice(p.indexOf(':') + 1)));

describe('MachineEngine invariants on random schedules', () => {
  for (const mode of ['one-per-tick', 'on-arrival'] as const) {
    it(`${mode}: clock rules, row before send, msg ids, multicast rows, queue_len (40 seeds × 400 steps)`, () => {
      let received = 0;
      let multicasts = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const c = cluster(mode, seed);
        const rng = new Rng(seed);
        const tickOutcome: { id: MachineId; before: number; rowsBefore: number; queuedBefore: number }[] = [];
        for (const e of c.engines.values()) e.start('seed=1');
        for (let step = 0; step < 400; step++) {
          c.advance();
          const what = rng.int(0, 9);
          const id = c.ids[rng.int(0, c.ids.length - 1)]!;
          const e = c.engines.get(id)!;
          if (what <= 4) {
            tickOutcome.push({ id, before: c.calls.get(id)!.ticks, rowsBefore: c.journal.entries.length, queuedBefore: e.queueLength });
            e.tick();
            const t = tickOutcome.at(-1)!;
            const made = c.journal.entries.slice(t.rowsBefore);
            if (mode === 'one-per-tick' && t.queuedBefore > 0) {
              // a tick with a waiting message receives it and does not call onTick
              expect(c.calls.get(id)!.ticks).toBe(t.before);
              expect(made[0]).toMatchObject({ kind: 'row', row: { event: 'RECEIVE' } });
              expect(e.queueLength).toBe(t.queuedBefore - 1);
            } else expect(c.calls.get(id)!.ticks).toBe(t.before + 1);
          } else if (what <= 8) {
            const from = c.ids[rng.int(0, c.ids.length - 1)]!;
            const link = c.links.get(`${from}>${id}`);
            if (link?.length) {
              c.journal.entries.push({ kind: 'arrive', at: id });
              e.arrive(link.shift()!);
                          }
          } else {
            const peer = c.ids.find((p) => p !== id)!;
            const key = `${id}>${peer}`;
            if (c.down.has(key)) {
              c.down.delete(key);
              e.peerUp(peer, 'reason=test');
            } else {
              c.down.add(key);
              e.peerDown(peer, 'reason=test');
            }
          }
        }

        // row before send, and every send of a message is to a machine its SEND row names
        const sendRow = new Map<string, LogRow>();
        for (const entry of c.journal.entries) {
          if (entry.kind === 'row') {
            if (entry.row.event === 'SEND') sendRow.set(entry.row.msg_id, entry.row);
            continue;
          }
          if (entry.kind !== 'send') continue;
          const row = sendRow.get(entry.env.id);
          expect(row, `${entry.env.id} sent before its SEND row`).toBeDefined();
          expect(row!.peer.split(';').map(Number)).toContain(entry.to);
          expect(entry.env.lamport).toBe(row!.lamport);
          expect(entry.env.vector).toEqual(parseVec(row!.vector));
        }

        // per machine: clock rules, non-clock rows unchanged, ids increasing, multicast = one row
        for (const id of c.ids) {
          const mine = c.journal.entries.filter((x) => (x.kind === 'row' && x.row.machine === id) || (x.kind === 'arrive' && x.at === id));
          const rows = mine.flatMap((x) => (x.kind === 'row' ? [x.row] : []));
          // queue_len is the queue after the event: arrivals (one-per-tick mode queues them) less receives
          let q = 0;
          for (const x of mine) {
            if (x.kind === 'arrive') q += mode === 'one-per-tick' ? 1 : 0;
            else if (x.kind === 'row') {
              if (x.row.event === 'RECEIVE' && mode === 'one-per-tick') q--;
              expect(x.row.queue_len, `${x.row.event} queue_len`).toBe(q);
            }
          }
          expect(q).toBe(c.engines.get(id)!.queueLength);
          const own = c.layout.index.get(id)!;
          let lamport = 0;
          let vector = parseVec(rows[0]!.vector).map(() => 0);
          let lastSeq = 0;
          for (const r of rows) {
            const v = parseVec(r.vector);
            const clockEvent = !['START', 'CONNECT', 'DISCONNECT', 'DROP', 'ERROR', 'STOP'].includes(r.event);
            if (!clockEvent) {
              expect(r.lamport, `${r.event} keeps lamport`).toBe(lamport);
              expect(v).toEqual(vector);
            } else if (r.event === 'RECEIVE') {
              received++;
              const sent = sendRow.get(r.msg_id)!;
              expect(sent, `RECEIVE ${r.msg_id} has a SEND`).toBeDefined();
              expect(r.lamport).toBe(Math.max(lamport, sent.lamport) + 1);
              const sv = parseVec(sent.vector);
              const want = vector.map((x, i) => Math.max(x, sv[i]!));
              want[own]! += 1;
              expect(v).toEqual(want);
            } else {
              expect(r.lamport).toBe(lamport + 1);
              const want = [...vector];
              want[own]! += 1;
              expect(v).toEqual(want);
            }
            if (r.event === 'SEND') {
              const [who, seq] = r.msg_id.split('-').map(Number);
              expect(who).toBe(id);
              expect(seq).toBeGreaterThan(lastSeq);
              lastSeq = seq!;
              if (r.peer.includes(';')) multicasts++;
            }
            lamport = r.lamport;
            vector = v;
          }
        }
        // one SEND row per message, however many peers it went to
        const sendsById = c.journal.entries.filter((x) => x.kind === 'row' && x.row.event === 'SEND').length;
        expect(sendsById).toBe(sendRow.size);
      }
      expect(received).toBeGreaterThan(400); // the schedules did exercise receives
      expect(multicasts).toBeGreaterThan(40);
    });
  }

  it('a refused send (link down or a network fault) is a DROP row after its SEND row, with the reason', () => {
    const c = cluster('one-per-tick', 7);
    c.down.add('1>2');
    c.down.add('1>3');
    const e = c.engines.get(1)!;
    for (let i = 0; i < 50; i++) e.tick();
    const rows = c.journal.entries.flatMap((x) => (x.kind === 'row' ? [x.row] : []));
    const drops = rows.filter((r) => r.event === 'DROP');
    expect(drops.length).toBeGreaterThan(0);
    for (const d of drops) {
      const sendAt = rows.findIndex((r) => r.event === 'SEND' && r.msg_id === d.msg_id);
      expect(sendAt).toBeGreaterThanOrEqual(0);
      expect(rows.indexOf(d)).toBeGreaterThan(sendAt);
      expect(d.detail).toBe((Number(d.peer) + 7) % 2 === 0 ? 'reason=peer_down' : 'reason=partitioned');
    }
  });

  it('restore never moves the clocks or the message numbering backwards', () => {
    const c = cluster('one-per-tick', 3);
    const e = c.engines.get(2)!;
    e.restore(40, new Map([[1, 3], [2, 17], [3, 0]]), 9);
    e.restore(5, new Map([[2, 1]]), 2); // an older restore point changes nothing
    expect(e.clock.lamport).toBe(40);
    expect(e.lastSeq).toBe(9);
    for (let i = 0; i < 30 && !c.journal.entries.some((x) => x.kind === 'row' && x.row.event === 'SEND'); i++) e.tick();
    const send = c.journal.entries.find((x) => x.kind === 'row' && x.row.event === 'SEND');
    expect(send && send.kind === 'row' && send.row.msg_id).toBe('2-10');
  });

  it('refuses an algorithm that stamps a clock event with a non-clock name', () => {
    const bad: Algorithm<null, Body> = {
      name: 'bad',
      receiveMode: 'one-per-tick',
      init: () => null,
      onTick: () => [{ kind: 'event', event: 'CONNECT' }],
      onMessage: () => [],
      parseBody: () => null,
    };
    const e = new MachineEngine({
      self: 1, members: [1, 2], layout: makeLayout([1, 2]), algorithm: bad, rng: new Rng(1),
      sink: { write: () => {} }, outbox: { send: () => true }, clock: { epochMs: () => 0, sinceStartMs: () => 0 },
    });
    expect(() => e.tick()).toThrow(/non-clock name CONNECT/);
  });

  for (const mode of ['one-per-tick', 'on-arrival'] as const) {
    it(`${mode}: reload makes a used engine behave as a new one built around the stored state (the checker's reuse)`, () => {
      const ids = [1, 2, 3];
      const layout = makeLayout(ids);
      /** Every engine's draws come from `rng.inner`, so two engines can be given the same sequence. */
      class SwappableRng extends Rng {
        inner = new Rng(1);
        override int(lo: number, hi: number): number {
          return this.inner.int(lo, hi);
        }
      }
      const make = (init: { n: number } | null, view: ReadonlySet<MachineId>) => {
        const rows: LogRow[] = [];
        const sent: string[] = [];
        const rng = new SwappableRng(1);
        const base = scripted(mode, { ticks: 0 });
        const e = new MachineEngine({
          self: 2, members: ids, layout, algorithm: init ? { ...base, init: () => init } : base, rng,
          sink: { write: (r) => rows.push(r) },
          outbox: { send: (peer, env) => (sent.push(`${peer}:${env.id}:${env.lamport}:${env.vector.join(',')}:${JSON.stringify(env.body)}`), true) },
          clock: { epochMs: () => 0, sinceStartMs: () => 0 }, connectedView: view,
        });
        return { e, rows, sent, rng };
      };
      const env = (from: MachineId, k: number, lamport: number): Envelope<unknown> => ({ id: `${from}-${k}`, from, lamport, vector: from === 1 ? [k, 0, 0] : [0, 0, k], body: { n: k } });
      const drive = (x: ReturnType<typeof make>, seed: number) => {
        x.rng.inner = new Rng(seed);
        for (let i = 0; i < 40; i++) {
          if (i % 3 === 0) x.e.arrive(env(i % 2 ? 1 : 3, i, 5 * i));
          x.e.tick();
        }
        return { rows: x.rows.splice(0), sent: x.sent.splice(0), lamport: x.e.clock.lamport, vector: [...x.e.clock.vector], seq: x.e.lastSeq, queue: x.e.queueLength, ticks: x.e.tickCount, connected: [...x.e.connected] };
      };
      const used = make(null, new Set([1, 3]));
      drive(used, 7);
      used.e.arrive(env(1, 99, 500)); // left in the queue (one-per-tick) before the reload
      expect(used.e.clock.lamport).toBeGreaterThan(40); // the reload moves the clocks backwards
      const stored = { n: 5 };
      used.e.reload({ ...stored }, 40, [3, 9, 5], 12, new Set([3]));
      const fresh = make({ ...stored }, new Set([3]));
      fresh.e.restore(40, new Map([[1, 3], [2, 9], [3, 5]]), 12);
      used.rows.length = 0;
      used.sent.length = 0;
      fresh.rows.length = 0;
      for (const seed of [11, 12]) expect(drive(used, seed)).toEqual(drive(fresh, seed));
      expect(() => new MachineEngine({ self: 1, members: [1, 2], layout: makeLayout([1, 2]), algorithm: scripted(mode, { ticks: 0 }), rng: new Rng(1), sink: { write: () => {} }, outbox: { send: () => true }, clock: { epochMs: () => 0, sinceStartMs: () => 0 } }).reload({ n: 0 }, 0, [0, 0], 0, new Set())).toThrow(/owns its link state/);
    });
  }
});

/**
 * Network faults per link: the pure rules (selectors, one-way vs two-way partitions,
 * windows, last-match-wins, seeded fates), the commander wrappers, the FaultyTransport decorator
 * over a fake inner transport (FIFO under delay, late drops, blocks) and start-all's partition
 * schedule with fake timers and children.
 */
import { InvalidArgumentError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { delayRuleOption, lossRuleOption, partitionOption } from '../../src/cli/linkFaultOptions.js';
import { linkFaultChildArgs } from '../../src/cli/runArgv.js';
import { LabError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import type { Envelope, MachineId } from '../../src/core/types.js';
import { parseFaultsCsv } from '../../src/core/faultsFile.js';
import type { FaultEntry } from '../../src/runtime/faults/injector.js';
import {
  checkLinkFaultIds,
  decideLinkFate,
  delayFor,
  describePartition,
  isBlocked,
  lossFor,
  parseDelayRule,
  parsePartition as parseLinkPartition,
  parseLinkSelector,
  parseLossRule,
  partitionBlocks,
  partitionTimeline,
  partitionsActiveAt,
  selectorMatches,
} from '../../src/faults/link.js';
import { prepareLinkFaultRun } from '../../src/runtime/faults/linkSchedule.js';
import { parseLinkFaultsMessage } from '../../src/runtime/ipc.js';
import { FaultyTransport } from '../../src/runtime/net/linkFaults.js';
import type { Transport } from '../../src/runtime/transport.js';

const MEMBERS = [1, 2, 3, 4];

describe('link selectors', () => {
  it('parse ids, lists, ranges and wildcards into a canonical text', () => {
    expect(parseLinkSelector('1>2')).toEqual({ from: [1], to: [2], text: '1>2' });
    expect(parseLinkSelector(' 2,1 > 3 ')).toEqual({ from: [1, 2], to: [3], text: '1,2>3' });
    expect(parseLinkSelector('1-3>*')).toEqual({ from: [1, 2, 3], to: null, text: '1,2,3>*' });
    expect(parseLinkSelector('*>4')).toMatchObject({ from: null, to: [4] });
  });

  it('select directed links only', () => {
    const s = parseLinkSelector('1>2');
    expect(selectorMatches(s, 1, 2)).toBe(true);
    expect(selectorMatches(s, 2, 1)).toBe(false);
    expect(selectorMatches(parseLinkSelector('*>2'), 3, 2)).toBe(true);
  });

  it('reject malformed links with a message saying what is expected', () => {
    for (const bad of ['1', '1>2>3', 'a>2', '0>1', '3-1>2', '>2', '1>']) {
      expect(() => parseLinkSelector(bad), bad).toThrow(/": expected (a link|machine ranges)/);
    }
  });
});

describe('delay and loss rules', () => {
  it('apply to every link without a prefix, to the named link with one', () => {
    expect(parseDelayRule('uniform:1-20ms')).toMatchObject({ link: { text: '*>*' }, delay: { kind: 'uniform', minMs: 1, maxMs: 20 } });
    expect(parseDelayRule('1>2=uniform:10-50ms')).toMatchObject({ link: { from: [1], to: [2] }, delay: { kind: 'uniform', minMs: 10, maxMs: 50 } });
    expect(parseDelayRule('1>2=fixed:100ms').delay).toEqual({ kind: 'fixed', ms: 100 });
    expect(parseLossRule('0.01')).toMatchObject({ link: { text: '*>*' }, probability: 0.01 });
    expect(parseLossRule('2>3=0.2')).toMatchObject({ link: { from: [2], to: [3] }, probability: 0.2 });
    expect(parseLossRule('1').probability).toBe(1);
  });

  it('reject bad values', () => {
    for (const bad of ['uniform:20-1ms', 'slow', '1>2=', '1>2=uniform']) expect(() => parseDelayRule(bad), bad).toThrow(LabError);
    for (const bad of ['1.5', '-0.1', 'x', '2>3=', '2>3=1e-2', '']) expect(() => parseLossRule(bad), bad).toThrow(LabError);
  });

  it('the last matching rule wins', () => {
    const rules = {
      delays: [parseDelayRule('uniform:1-5ms'), parseDelayRule('1>2=fixed:100ms')],
      losses: [parseLossRule('2>*=0.5'), parseLossRule('0.1'), parseLossRule('2>3=0.9')],
    };
    expect(delayFor(rules, 1, 2)).toEqual({ kind: 'fixed', ms: 100 });
    expect(delayFor(rules, 2, 1)).toEqual({ kind: 'uniform', minMs: 1, maxMs: 5 });
    expect(lossFor(rules, 2, 3)).toBe(0.9);
    expect(lossFor(rules, 2, 1)).toBe(0.1);
    expect(lossFor({ delays: [], losses: [] }, 2, 1)).toBe(0);
  });
});

describe('partitions', () => {
  it('parse the two-way form with the simulator parser and the one-way form here', () => {
    expect(parseLinkPartition('1,2|3@10-20')).toEqual({ mode: 'two-way', groups: [[1, 2], [3]], fromMs: 10_000, toMs: 20_000, text: '1,2|3@10-20' });
    expect(parseLinkPartition('1,2>3@10s-20s')).toEqual({ mode: 'one-way', groups: [[1, 2], [3]], fromMs: 10_000, toMs: 20_000, text: '1,2>3@10s-20s' });
    expect(parseLinkPartition('1>2@500ms')).toMatchObject({ mode: 'one-way', fromMs: 500, toMs: Infinity });
  });

  it('reject bad partitions naming the text as written', () => {
    const bad: [string, RegExp][] = [
      ['1>2>3@1-2', /one >/],
      ['1|2>3@1-2', /one >/],
      ['1>2@5-3', /"1>2@5-3".*ends after it starts/],
      ['1,2>2@1-2', /"1,2>2@1-2".*at most one group/],
      ['1>2', /"1>2"/],
      ['1,2|x@1', /"1,2\|x@1"/],
    ];
    for (const [text, re] of bad) expect(() => parseLinkPartition(text), text).toThrow(re);
  });

  it('two-way blocks both directions between groups, the unnamed machines forming one more group', () => {
    const p = parseLinkPartition('1,2|3@1-2');
    const blocks = partitionBlocks(p, MEMBERS);
    expect(describePartition(p, MEMBERS)).toBe('1,2|3|4');
    for (const [a, b] of [[1, 3], [3, 1], [2, 3], [3, 2], [1, 4], [4, 3]] as const) expect(isBlocked(blocks, a, b), `${a}>${b}`).toBe(true);
    for (const [a, b] of [[1, 2], [2, 1]] as const) expect(isBlocked(blocks, a, b), `${a}>${b}`).toBe(false);
  });

  it('one-way blocks only from the left group to the right one', () => {
    const p = parseLinkPartition('1,2>3@1-2');
    const blocks = partitionBlocks(p, MEMBERS);
    expect(describePartition(p, MEMBERS)).toBe('1,2>3');
    expect(isBlocked(blocks, 1, 3)).toBe(true);
    expect(isBlocked(blocks, 2, 3)).toBe(true);
    expect(isBlocked(blocks, 3, 1)).toBe(false);
    expect(isBlocked(blocks, 3, 2)).toBe(false);
    expect(isBlocked(blocks, 1, 4)).toBe(false);
    expect(isBlocked(blocks, 4, 3)).toBe(false);
  });

  it('windows include their start and exclude their end; no end lasts forever', () => {
    const a = parseLinkPartition('1|2@1-2');
    const b = parseLinkPartition('1>3@2');
    expect(partitionsActiveAt([a, b], 999)).toEqual([]);
    expect(partitionsActiveAt([a, b], 1000)).toEqual([a]);
    expect(partitionsActiveAt([a, b], 2000)).toEqual([b]);
    expect(partitionsActiveAt([a, b], 1e9)).toEqual([b]);
  });

  it('the timeline is in time order, heals before starts at one instant, no heal without an end', () => {
    const a = parseLinkPartition('1|2@1-2');
    const b = parseLinkPartition('1>3@2');
    expect(partitionTimeline([b, a]).map((c) => `${c.kind}@${c.atMs}:${c.partition.text}`)).toEqual(['partition@1000:1|2@1-2', 'heal@2000:1|2@1-2', 'partition@2000:1>3@2']);
  });

  it('ids are checked against the config', () => {
    expect(() => checkLinkFaultIds([1, 2, 3], { partitions: [parseLinkPartition('1|4@1-2')] })).toThrow(/--partition "1\|4@1-2": machine 4 is not in the config/);
    expect(() => checkLinkFaultIds([1, 2, 3], { delays: [parseDelayRule('1>9=fixed:1ms')] })).toThrow(/--delay .*machine 9/);
    expect(() => checkLinkFaultIds([1, 2, 3], { losses: [parseLossRule('*>3=0.5')], delays: [parseDelayRule('fixed:1ms')] })).not.toThrow();
  });
});

describe('the fate of a message', () => {
  const rules = { delays: [parseDelayRule('1>2=uniform:50-80ms')], losses: [parseLossRule('2>3=0.5')] };

  it('a blocked link drops as partitioned without drawing', () => {
    const rng = new Rng(1);
    const before = new Rng(1).float();
    expect(decideLinkFate(rules, true, 2, 3, rng)).toEqual({ drop: 'partitioned' });
    expect(rng.float()).toBe(before);
  });

  it('loss drops about p of the copies on its link only; delay stays in its bounds', () => {
    const rng = new Rng(42);
    let lost = 0;
    for (let i = 0; i < 4000; i++) {
      const v = decideLinkFate(rules, false, 2, 3, rng);
      if (v.drop === 'injected_loss') lost++;
      else expect(v).toEqual({ drop: null, delayMs: 0 });
    }
    expect(lost / 4000).toBeGreaterThan(0.45);
    expect(lost / 4000).toBeLessThan(0.55);
    for (let i = 0; i < 1000; i++) {
      const v = decideLinkFate(rules, false, 1, 2, rng);
      expect(v.drop).toBeNull();
      if (v.drop === null) {
        expect(v.delayMs).toBeGreaterThanOrEqual(50);
        expect(v.delayMs).toBeLessThanOrEqual(80);
      }
      expect(decideLinkFate(rules, false, 3, 2, rng)).toEqual({ drop: null, delayMs: 0 });
    }
  });

  it('the same seed gives the same fates', () => {
    const run = (seed: number): string[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 200 }, (_, i) => JSON.stringify(decideLinkFate(rules, false, i % 2 ? 1 : 2, i % 2 ? 2 : 3, rng)));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});

describe('commander wrappers and IPC messages', () => {
  it('collect repeatable flags and turn errors into InvalidArgumentError', () => {
    const d = delayRuleOption('1>2=fixed:5ms', delayRuleOption('uniform:1-2ms', undefined));
    expect(d.map((r) => r.text)).toEqual(['uniform:1-2ms', '1>2=fixed:5ms']);
    expect(() => lossRuleOption('2', undefined)).toThrow(InvalidArgumentError);
    expect(() => partitionOption('1>2>3@1', undefined)).toThrow(InvalidArgumentError);
    expect(linkFaultChildArgs({ delay: d, loss: lossRuleOption('0.1', undefined), partition: partitionOption('1|2@1-2', undefined) })).toEqual([
      '--delay',
      'uniform:1-2ms',
      '--delay',
      '1>2=fixed:5ms',
      '--loss',
      '0.1',
    ]);
  });

  it('validate link-faults messages', () => {
    expect(parseLinkFaultsMessage({ type: 'link-faults', blocks: [{ from: [1], to: [2, 3] }], partitions: ['1>2,3@1'] })).toEqual({
      type: 'link-faults',
      blocks: [{ from: [1], to: [2, 3] }],
      partitions: ['1>2,3@1'],
    });
    expect(parseLinkFaultsMessage({ type: 'go' })).toBeNull();
    expect(parseLinkFaultsMessage({ type: 'link-faults', blocks: [{ from: ['x'], to: [2] }] })).toBeNull();
    expect(parseLinkFaultsMessage(null)).toBeNull();
  });

  it('faults.csv with network fault kinds still parses for the election checker', () => {
    const text = [
      'time,epoch_ms,fault,machine,detail',
      '2026-01-01T00:00:00.000Z,1000,delay,,link=1>2 spec=uniform:10-50ms since=start',
      '2026-01-01T00:00:00.000Z,1000,loss,,link=*>* p=0.1 since=start',
      '2026-01-01T00:00:01.000Z,2000,partition,,"spec=1,2|3@1-2 mode=two-way groups=1,2|3 active=1"',
      '2026-01-01T00:00:02.000Z,3000,heal,,"spec=1,2|3@1-2 mode=two-way groups=1,2|3 active=0"',
      '2026-01-01T00:00:03.000Z,4000,kill,2,spec=2@3 signal=SIGKILL',
    ].join('\n');
    const records = parseFaultsCsv(text);
    expect(records.map((r) => [r.fault, r.machine])).toEqual([
      ['delay', null],
      ['loss', null],
      ['partition', null],
      ['heal', null],
      ['kill', 2],
    ]);
  });
});

/** A fake inner transport: records writes; `down` peers refuse. */
function fakeInner(): Transport & { writes: string[]; down: Set<MachineId> } {
  const writes: string[] = [];
  const down = new Set<MachineId>();
  return {
    writes,
    down,
    listen: () => Promise.resolve(),
    connectAll: () => {},
    isUp: (p) => !down.has(p),
    send: (peer, env) => {
      if (down.has(peer)) return false;
      writes.push(`${env.id}>${peer}`);
      return true;
    },
    close: () => Promise.resolve(),
  };
}

const env = (seq: number): Envelope<unknown> => ({ id: `1-${seq}`, from: 1, lamport: seq, vector: new Map(), body: {} }) as unknown as Envelope<unknown>;

describe('FaultyTransport', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = (rules: { delays?: string[]; losses?: string[]; partitions?: string[] }, inner = fakeInner()) => {
    const t = new FaultyTransport({
      self: 1,
      members: [1, 2, 3],
      inner,
      rules: { delays: (rules.delays ?? []).map(parseDelayRule), losses: (rules.losses ?? []).map(parseLossRule) },
      partitions: (rules.partitions ?? []).map(parseLinkPartition),
      rng: new Rng(5),
      now: () => Date.now(),
    });
    return { t, inner };
  };

  it('passes straight through without rules', () => {
    const { t, inner } = make({});
    expect(t.send(2, env(1))).toBe(true);
    inner.down.add(3);
    expect(t.send(3, env(2))).toBe(false);
    expect(inner.writes).toEqual(['1-1>2']);
  });

  it('delays writes and keeps FIFO per link even when a later message draws a shorter delay', () => {
    const { t, inner } = make({ delays: ['1>2=uniform:10-100ms'] });
    for (let i = 1; i <= 50; i++) expect(t.send(2, env(i))).toBe(true);
    expect(t.send(3, env(99))).toBe(true); // not delayed
    expect(inner.writes).toEqual(['1-99>3']);
    vi.advanceTimersByTime(9);
    expect(inner.writes).toEqual(['1-99>3']);
    vi.advanceTimersByTime(200);
    expect(inner.writes).toEqual(['1-99>3', ...Array.from({ length: 50 }, (_, i) => `1-${i + 1}>2`)]);
    expect(t.delayedCount).toBe(0);
  });

  it('a message sent without delay waits behind delayed ones on its link', () => {
    const inner = fakeInner();
    const { t } = make({ delays: ['1>2=fixed:50ms'] }, inner);
    t.send(2, env(1));
    // the next send has no delay rule any more (as if start-all changed it): still FIFO
    (t as unknown as { rules: unknown }).rules = { delays: [], losses: [] };
    t.send(2, env(2));
    expect(inner.writes).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(inner.writes).toEqual(['1-1>2', '1-2>2']);
  });

  it('reports a delayed message whose link went down as a late drop, after a sink is set', () => {
    const { t, inner } = make({ delays: ['fixed:20ms'] });
    t.send(2, env(1));
    inner.down.add(2);
    vi.advanceTimersByTime(25);
    const drops: string[] = [];
    t.setDropSink((peer, e, detail) => drops.push(`${e.id}>${peer} ${detail}`));
    expect(drops).toEqual(['1-1>2 reason=peer_down after_delay_ms=20']);
  });

  it('returns the drop reason for loss and partitions; one-way blocks only its direction', () => {
    const lossy = make({ losses: ['1>2=1'] }).t;
    expect(lossy.send(2, env(1))).toBe('injected_loss');
    expect(lossy.send(3, env(2))).toBe(true);

    const { t, inner } = make({ partitions: ['1>3@1-2'] });
    expect(t.send(3, env(1))).toBe(true); // windows count from READY: not ready yet
    t.markReady();
    vi.advanceTimersByTime(1000);
    expect(t.send(3, env(2))).toBe('partitioned');
    expect(t.send(2, env(3))).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(t.send(3, env(4))).toBe(true);
    expect(inner.writes).toEqual(['1-1>3', '1-3>2', '1-4>3']);

    const other = make({ partitions: ['3>1@0-5'] }).t; // blocks what 3 sends, not what 1 sends
    other.markReady();
    expect(other.send(3, env(1))).toBe(true);
  });

  it('applies the blocks start-all sends and lifts them when replaced', () => {
    const { t } = make({});
    t.setBlocks(partitionBlocks(parseLinkPartition('1,2|3@0-1'), [1, 2, 3]));
    expect(t.send(3, env(1))).toBe('partitioned');
    expect(t.send(2, env(2))).toBe(true);
    t.setBlocks([]);
    expect(t.send(3, env(3))).toBe(true);
  });

  it('close() discards what is still delayed and fires nothing later', async () => {
    const { t, inner } = make({ delays: ['fixed:20ms'] });
    t.send(2, env(1));
    await t.close();
    vi.advanceTimersByTime(100);
    expect(inner.writes).toEqual([]);
  });
});

describe("start-all's partition schedule", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the set in force to every live child at each change, records it, and re-sends to a restarted child', () => {
    const entries: FaultEntry[] = [];
    const sent: [MachineId, unknown][] = [];
    const alive = new Set([1, 2, 3]);
    const run = prepareLinkFaultRun({
      members: [1, 2, 3],
      delays: [parseDelayRule('1>2=fixed:5ms')],
      losses: [],
      partitions: [parseLinkPartition('1,2|3@1-2'), parseLinkPartition('3>1@1.5')],
      print: () => {},
      openLog: () => ({ path: 'faults.csv', record: (e) => entries.push(e) }),
      now: () => Date.now(),
    })!;
    run.start({ message: (id, msg) => (sent.push([id, msg]), true), isAlive: (id) => alive.has(id) });
    expect(entries.map((e) => e.fault)).toEqual(['delay']);
    vi.advanceTimersByTime(1000);
    expect(sent.map(([id]) => id)).toEqual([1, 2, 3]);
    expect(isBlocked(run.blocks, 1, 3)).toBe(true);
    expect(isBlocked(run.blocks, 3, 2)).toBe(true);
    alive.delete(2);
    vi.advanceTimersByTime(500);
    expect(sent.slice(3).map(([id]) => id)).toEqual([1, 3]);
    run.onMessage(2, { type: 'listening' });
    expect(sent.at(-1)).toEqual([2, { type: 'link-faults', blocks: run.blocks, partitions: ['1,2|3@1-2', '3>1@1.5'] }]);
    vi.advanceTimersByTime(500);
    expect(run.blocks).toEqual([{ from: [3], to: [1] }]);
    expect(entries.map((e) => `${e.fault}:${e.machine}`)).toEqual(['delay:null', 'partition:null', 'partition:null', 'heal:null']);
    expect(entries[1]!.detail).toBe('spec=1,2|3@1-2 mode=two-way groups=1,2|3 active=1');
    run.stop();
    vi.advanceTimersByTime(10_000);
    expect(entries).toHaveLength(4);
  });

  it('is null without network faults and rejects unknown ids', () => {
    const base = { members: [1, 2], delays: [], losses: [], partitions: [], print: () => {}, openLog: () => ({ path: '', record: () => {} }) };
    expect(prepareLinkFaultRun(base)).toBeNull();
    expect(() => prepareLinkFaultRun({ ...base, partitions: [parseLinkPartition('1|3@1')] })).toThrow(/machine 3 is not in the config/);
  });
});

/**
 * The fault flags: parsing (`<who>@<time>`, pauses `<who>@<t1>-<t2>`), scheduling, the commander
 * wrapper, the leader view and the injector's decisions (with fake processes).
 */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { faultOption } from '../../src/cli/faultSpec.js';
import { FaultInjector, LeaderView, type FaultEntry } from '../../src/runtime/faults/injector.js';
import { FaultSpecError, parseFaultSpec, parseFaultTimeMs, schedulePlan } from '../../src/faults/process.js';

describe('fault spec parser', () => {
  it('accepts seconds with or without a unit', () => {
    expect(parseFaultTimeMs('8')).toBe(8000);
    expect(parseFaultTimeMs('8s')).toBe(8000);
    expect(parseFaultTimeMs('1.5s')).toBe(1500);
    expect(parseFaultTimeMs('.5')).toBe(500);
    expect(parseFaultTimeMs('500ms')).toBe(500);
    expect(parseFaultTimeMs('2m')).toBe(120_000);
    for (const bad of ['', '-1', 's', '1h', '1e3', 'x']) expect(parseFaultTimeMs(bad), bad).toBeNull();
  });

  it('parses kills, restarts and pauses of ids and of the leader', () => {
    expect(parseFaultSpec('kill', 'leader@8')).toEqual({ kind: 'kill', who: 'leader', atMs: 8000, text: 'leader@8' });
    expect(parseFaultSpec('restart', '2@9s')).toEqual({ kind: 'restart', who: 2, atMs: 9000, text: '2@9s' });
    expect(parseFaultSpec('kill', 'LEADER@0.5')).toMatchObject({ who: 'leader', atMs: 500 });
    expect(parseFaultSpec('pause', '3@5-9.5s')).toEqual({ kind: 'pause', who: 3, atMs: 5000, untilMs: 9500, text: '3@5-9.5s' });
  });

  it('rejects bad specs with a message saying what is expected', () => {
    const bad: [Parameters<typeof parseFaultSpec>[0], string, RegExp][] = [
      ['kill', '3', /missing @/],
      ['kill', 'x@3', /not a machine id/],
      ['kill', '0@3', /not a machine id/],
      ['kill', '3@', /bad time/],
      ['kill', '3@soon', /bad time/],
      ['pause', '3@5', /start and an end/],
      ['pause', '3@9-5', /end must come after/],
      ['restart', '3@-1', /bad time/],
    ];
    for (const [kind, text, re] of bad) {
      expect(() => parseFaultSpec(kind, text), text).toThrow(FaultSpecError);
      expect(() => parseFaultSpec(kind, text), text).toThrow(re);
    }
    expect(() => parseFaultSpec('kill', 'leader@3', false)).toThrow(/not available/);
    // the simulator's spelling
    expect(parseFaultSpec('crash', '2@5s', false)).toEqual({ kind: 'crash', who: 2, atMs: 5000, text: '2@5s' });
    expect(schedulePlan([parseFaultSpec('crash', '2@5s', false)], [1, 2])[0]!.action).toBe('kill');
    expect(() => parseFaultSpec('crash', '2@5s-6s', false)).toThrow(/--crash "2@5s-6s": bad time \(expected <id>@<seconds>, e.g. 3@8\)/);
  });

  it('the commander wrapper collects repeated flags and raises InvalidArgumentError', () => {
    const parse = faultOption('kill');
    const specs = parse('2@3', parse('leader@8', undefined));
    expect(specs.map((s) => s.text)).toEqual(['leader@8', '2@3']);
    expect(() => parse('nope', undefined)).toThrow(InvalidArgumentError);
  });

  it('schedules in time order, a pause as pause + resume, and rejects ids not in the config', () => {
    const plan = schedulePlan([parseFaultSpec('kill', 'leader@8'), parseFaultSpec('pause', '2@3-8'), parseFaultSpec('restart', 'leader@16')], [1, 2, 3]);
    expect(plan.map((a) => `${a.action}:${a.who}@${a.atMs}`)).toEqual(['pause:2@3000', 'kill:leader@8000', 'resume:2@8000', 'restart:leader@16000']);
    expect(() => schedulePlan([parseFaultSpec('kill', '7@1')], [1, 2, 3])).toThrow(/machine 7 is not in the config/);
  });
});

describe('leader view', () => {
  it('picks the leader most live machines follow, among live machines', () => {
    const v = new LeaderView();
    const alive = new Set([1, 2, 3, 4]);
    v.update(1, 4);
    v.update(2, 4);
    v.update(3, 3);
    v.update(4, 4);
    expect(v.current((id) => alive.has(id))).toBe(4);
    alive.delete(4);
    expect(v.current((id) => alive.has(id))).toBe(3);
    v.update(3, null);
    expect(v.current((id) => alive.has(id))).toBeNull();
  });
});

describe('fault injector', () => {
  function rig(flags: [Parameters<typeof parseFaultSpec>[0], string][]) {
    const alive = new Set([1, 2, 3]);
    const signals: string[] = [];
    const records: FaultEntry[] = [];
    const printed: string[] = [];
    const leaders = new LeaderView();
    for (const id of [1, 2, 3]) leaders.update(id, 3);
    const plan = schedulePlan(
      flags.map(([k, t]) => parseFaultSpec(k, t)),
      [1, 2, 3],
    );
    const inj = new FaultInjector(plan, {
      signal: (id, s) => {
        signals.push(`${s}:${id}`);
        if (s === 'SIGKILL') alive.delete(id);
        return true;
      },
      restart: (id) => {
        signals.push(`restart:${id}`);
        alive.add(id);
      },
      isAlive: (id) => alive.has(id),
      print: (l) => printed.push(l),
      now: () => 1000,
      log: { record: (e) => records.push(e) },
      leaders,
    });
    return { inj, plan, signals, records, printed };
  }

  it('kills the leader, restarts the machine killed as leader, pauses and resumes', () => {
    const r = rig([['kill', 'leader@1'], ['restart', 'leader@2'], ['pause', '1@3-4']]);
    for (const a of r.plan) r.inj.apply(a);
    expect(r.signals).toEqual(['SIGKILL:3', 'restart:3', 'SIGSTOP:1', 'SIGCONT:1']);
    expect(r.records.map((e) => `${e.fault}:${e.machine}`)).toEqual(['kill:3', 'restart:3', 'pause:1', 'resume:1']);
    expect(r.records[0]!.detail).toBe('spec=leader@1 who=leader signal=SIGKILL');
    expect(r.printed[0]).toMatch(/kill machine 3 \(the leader\)/);
  });

  it('records what it cannot do as skipped', () => {
    const r = rig([['restart', 'leader@1'], ['kill', '2@2'], ['kill', '2@3']]);
    for (const a of r.plan) r.inj.apply(a);
    expect(r.records.map((e) => `${e.fault}:${e.machine ?? ''}`)).toEqual(['skipped:', 'kill:2', 'skipped:2']);
    expect(r.records[0]!.detail).toMatch(/reason=no_leader_killed/);
  });

  it('stop() resumes paused machines and nothing fires afterwards', () => {
    const r = rig([['pause', '2@1-5'], ['kill', '1@2']]);
    r.inj.apply(r.plan[0]!);
    r.inj.stop();
    r.inj.apply(r.plan[1]!);
    expect(r.signals).toEqual(['SIGSTOP:2', 'SIGCONT:2']);
  });
});

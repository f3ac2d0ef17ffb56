/**
 * Process faults: parsing the fault flags shared by start-all and simulate (`--kill 3@8 --restart
 * leader@15s --pause 2@5-9`; the simulator's `--crash 2@5s` is a kill), and turning them into a
 * time-ordered schedule of actions. Pure: no timers, no processes (start-all's injector and the
 * simulator each apply a schedule).
 *
 * Grammar: `<who>@<time>` or, for pauses, `<who>@<time>-<time>`. `<who>` is a machine id or
 * `leader` (resolved when the fault fires). `<time>` is a non-negative number of seconds with an
 * optional unit: `8`, `8s`, `1.5s`, `500ms`, `2m`.
 */
import { parseTimeMs } from './time.js';
import { LabError } from '../core/errors.js';
import type { MachineId } from '../core/types.js';

/** What a flag asks for. `crash` is the simulator's name for `kill` (scheduled as a kill). */
export type FaultKind = 'kill' | 'crash' | 'restart' | 'pause';

/** A machine, or whichever machine is the leader when the fault fires. */
export type FaultTarget = MachineId | 'leader';

/** One parsed flag. Invariant: `untilMs` is set iff kind is 'pause', and then `untilMs > atMs`. */
export interface FaultSpec {
  readonly kind: FaultKind;
  readonly who: FaultTarget;
  readonly atMs: number;
  readonly untilMs?: number;
  /** The flag's value as written (for messages and faults.csv). */
  readonly text: string;
}

/** A bad fault flag value; the message says what was expected. */
export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

/** Parses a fault time (seconds by default; see time.ts), rounded to whole ms. Null when malformed. */
export function parseFaultTimeMs(text: string): number | null {
  const ms = parseTimeMs(text);
  return ms === null ? null : Math.round(ms);
}

/** Parses `<who>`: a positive integer id or `leader`. */
export function parseFaultTarget(text: string): FaultTarget | null {
  const t = text.trim().toLowerCase();
  if (t === 'leader') return 'leader';
  if (!/^\d+$/.test(t)) return null;
  const id = Number(t);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * Parses one flag value. Throws FaultSpecError naming the flag and the expected shape.
 * `allowLeader` false (the simulator, which has no leader view) rejects `leader`.
 */
export function parseFaultSpec(kind: FaultKind, text: string, allowLeader = true): FaultSpec {
  const flag = `--${kind}`;
  const shape = kind === 'pause' ? '<id|leader>@<start>-<end>, e.g. 2@5-9 or leader@5s-9.5s' : '<id|leader>@<seconds>, e.g. 3@8 or leader@8s';
  const fail = (why: string): never => {
    throw new FaultSpecError(`${flag} "${text}": ${why} (expected ${allowLeader ? shape : shape.replace(/\|leader/g, '').replace(/ or leader@[^ ]+/, '')})`);
  };
  const at = text.indexOf('@');
  if (at < 0) fail('missing @');
  const who = parseFaultTarget(text.slice(0, at));
  if (who === null) fail(`"${text.slice(0, at)}" is not a machine id${allowLeader ? ' or "leader"' : ''}`);
  if (who === 'leader' && !allowLeader) fail('"leader" is not available here');
  const when = text.slice(at + 1);
  if (kind === 'pause') {
    const dash = when.indexOf('-');
    if (dash < 0) fail('a pause needs a start and an end');
    const from = parseFaultTimeMs(when.slice(0, dash));
    const to = parseFaultTimeMs(when.slice(dash + 1));
    if (from === null || to === null) fail('bad time');
    if (to! <= from!) fail('the end must come after the start');
    return { kind, who: who!, atMs: from!, untilMs: to!, text };
  }
  const ms = parseFaultTimeMs(when);
  if (ms === null) fail('bad time');
  return { kind, who: who!, atMs: ms!, text };
}

/** One step of a schedule: a pause becomes a `pause` and a `resume` step. */
export interface FaultAction {
  readonly atMs: number;
  readonly action: 'kill' | 'restart' | 'pause' | 'resume';
  readonly who: FaultTarget;
  /** Index of the flag in the plan (a resume refers to its pause by it). */
  readonly index: number;
  readonly spec: FaultSpec;
}

/**
 * Checks the plan against the config's ids and orders it. Invariant: actions sorted by time; at the
 * same instant, in flag order, a resume after everything else. Throws FaultSpecError for an id not in
 * the config.
 */
export function schedulePlan(specs: readonly FaultSpec[], members: readonly MachineId[]): FaultAction[] {
  const actions: FaultAction[] = [];
  specs.forEach((spec, index) => {
    if (spec.who !== 'leader' && !members.includes(spec.who)) {
      throw new FaultSpecError(`--${spec.kind} "${spec.text}": machine ${spec.who} is not in the config (ids: ${members.join(', ')})`);
    }
    actions.push({ atMs: spec.atMs, action: spec.kind === 'crash' ? 'kill' : spec.kind, who: spec.who, index, spec });
    if (spec.kind === 'pause') actions.push({ atMs: spec.untilMs!, action: 'resume', who: spec.who, index, spec });
  });
  const rank = (a: FaultAction): number => (a.action === 'resume' ? 1 : 0);
  return actions.sort((a, b) => a.atMs - b.atMs || rank(a) - rank(b) || a.index - b.index);
}

/** A machine and an instant (ms), e.g. a crash or a restart in the simulator. */
export interface MachineAt {
  readonly id: MachineId;
  readonly atMs: number;
}

/**
 * Checks crash/restart schedules against the machines of the run: known ids, and per machine a
 * strict alternation crash, restart, crash, ... in time order (no restart of a running machine,
 * no crash of a crashed one). Throws LabError INVALID_OPTION.
 */
export function validateFaults(ids: readonly MachineId[], crashes: readonly MachineAt[], restarts: readonly MachineAt[]): void {
  const known = new Set(ids);
  const all = [...crashes.map((c) => ({ ...c, kind: 'crash' as const })), ...restarts.map((r) => ({ ...r, kind: 'restart' as const }))];
  for (const f of all) {
    if (!known.has(f.id)) throw new LabError('INVALID_OPTION', `--${f.kind} ${f.id}@${f.atMs}ms: machine ${f.id} is not in the run`);
  }
  all.sort((a, b) => a.atMs - b.atMs || (a.kind === b.kind ? 0 : a.kind === 'crash' ? -1 : 1));
  const down = new Set<MachineId>();
  for (const f of all) {
    if (f.kind === 'crash') {
      if (down.has(f.id)) throw new LabError('INVALID_OPTION', `--crash ${f.id}@${f.atMs}ms: machine ${f.id} is already down then`);
      down.add(f.id);
    } else {
      if (!down.has(f.id)) throw new LabError('INVALID_OPTION', `--restart ${f.id}@${f.atMs}ms: machine ${f.id} is not down then (crash it first)`);
      down.delete(f.id);
    }
  }
}

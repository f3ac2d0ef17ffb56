/**
 * Parsers for the simulator's network and fault specs, as given on the `simulate` command line:
 *   times       `5` or `5s` (seconds), `500ms`, `1.5s`, `2m` (minutes)
 *   --delay     `uniform:1-20ms`, `fixed:5ms`, `exp:10ms` (mean; unit defaults to ms)
 *   --crash     `2@5s`      machine 2 crashes (like SIGKILL) at virtual 5 s
 *   --restart   `2@9s`      machine 2 comes back at 9 s, continuing its log and clocks
 *   --partition `1,2|3@10s-20s`, `1-50|51-100@5s` (no end: until the run ends)
 * Pure: every failure is a LabError INVALID_OPTION naming the offending text. The `simulate`
 * command parses --crash/--restart with the fault-flag parser shared with start-all
 * (cli/faultSpec.ts, runtime/faults/plan.ts); times use runtime/faults/timeSpec.ts.
 */
import { parseTimeMs } from '../faults/timeSpec.js';
import { LabError } from '../../core/errors.js';
import type { MachineId } from '../../core/types.js';

/** How long a message spends on the wire, in virtual ms. */
export type DelaySpec =
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'exp'; readonly meanMs: number };

/** A machine and a virtual instant (ms), e.g. a crash or a restart. */
export interface MachineAt {
  readonly id: MachineId;
  readonly atMs: number;
}

/**
 * A partition: during [fromMs, toMs) every link between machines of different groups is down.
 * Invariant: groups are disjoint and non-empty; machines named in no group form one more group
 * together (added by {@link resolvePartitionGroups}).
 */
export interface PartitionSpec {
  readonly groups: readonly (readonly MachineId[])[];
  readonly fromMs: number;
  /** Infinity when the spec gave no end. */
  readonly toMs: number;
  /** The spec as written (for replay commands and messages). */
  readonly text: string;
}

function bad(what: string, text: string, expected: string): LabError {
  return new LabError('INVALID_OPTION', `${what} "${text}": expected ${expected}`);
}

/** Parses `--delay`: `uniform:A-B[unit]`, `fixed:D[unit]`, `exp:MEAN[unit]` (unit default ms). */
export function parseDelaySpec(text: string): DelaySpec {
  const expected = '"uniform:1-20ms", "fixed:5ms" or "exp:10ms"';
  const colon = text.indexOf(':');
  if (colon < 0) throw bad('--delay', text, expected);
  const kind = text.slice(0, colon).trim();
  const arg = text.slice(colon + 1).trim();
  if (kind === 'fixed' || kind === 'exp') {
    const ms = parseTimeMs(arg, 'ms');
    if (ms === null) throw bad('--delay', text, expected);
    if (kind === 'exp' && ms <= 0) throw bad('--delay', text, 'a positive mean');
    return kind === 'fixed' ? { kind, ms } : { kind, meanMs: ms };
  }
  if (kind === 'uniform') {
    // the unit, when given once at the end, applies to both bounds: `1-20ms`
    const m = /^(.+?)-(.+?)(ms|s|m)?$/.exec(arg);
    if (!m) throw bad('--delay', text, expected);
    const unit = (m[3] ?? 'ms') as 'ms' | 's';
    const lo = parseTimeMs(/[a-z]$/.test(m[1]!) ? m[1]! : m[1]! + unit, 'ms');
    const hi = parseTimeMs(m[2]! + unit, 'ms');
    if (lo === null || hi === null) throw bad('--delay', text, expected);
    if (lo > hi) throw bad('--delay', text, 'min ≤ max');
    return { kind, minMs: lo, maxMs: hi };
  }
  throw bad('--delay', text, expected);
}

/** Formats a delay spec back to its canonical text (replay commands). */
export function formatDelaySpec(d: DelaySpec): string {
  if (d.kind === 'uniform') return `uniform:${d.minMs}-${d.maxMs}ms`;
  if (d.kind === 'fixed') return `fixed:${d.ms}ms`;
  return `exp:${d.meanMs}ms`;
}

/** Parses one group (`1,2,5-9`) into ids, in the order written. */
function parseGroup(text: string, whole: string): MachineId[] {
  const out: MachineId[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw bad('--partition', whole, 'groups like "1,2|3" or "1-50|51-100" before the @');
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a < 1 || b < a) throw bad('--partition', whole, 'machine ranges lo-hi with 1 ≤ lo ≤ hi');
    for (let id = a; id <= b; id++) out.push(id);
  }
  return out;
}

/** Parses `--partition GROUPS@FROM[-TO]`, e.g. `1,2|3@10s-20s`. */
export function parsePartitionSpec(text: string): PartitionSpec {
  const at = text.lastIndexOf('@');
  if (at < 0) throw bad('--partition', text, '<groups>@<from>[-<to>], e.g. 1,2|3@10s-20s');
  const groups = text
    .slice(0, at)
    .split('|')
    .map((g) => parseGroup(g, text));
  const window = text.slice(at + 1);
  const dash = window.indexOf('-');
  const fromMs = parseTimeMs(dash < 0 ? window : window.slice(0, dash));
  const toMs = dash < 0 ? Infinity : parseTimeMs(window.slice(dash + 1));
  if (fromMs === null || toMs === null) throw bad('--partition', text, 'a window like @10s-20s or @10s');
  if (toMs <= fromMs) throw bad('--partition', text, 'a window that ends after it starts');
  const seen = new Set<MachineId>();
  for (const g of groups) {
    for (const id of g) {
      if (seen.has(id)) throw bad('--partition', text, 'each machine in at most one group');
      seen.add(id);
    }
  }
  return { groups, fromMs, toMs, text };
}

/**
 * The partition's groups over all `ids`: the written groups plus, when some machine is named in
 * none, one more group of all such machines. Throws when a group names an unknown machine.
 */
export function resolvePartitionGroups(p: PartitionSpec, ids: readonly MachineId[]): MachineId[][] {
  const known = new Set(ids);
  const named = new Set<MachineId>();
  for (const g of p.groups) {
    for (const id of g) {
      if (!known.has(id)) throw new LabError('INVALID_OPTION', `--partition "${p.text}": machine ${id} is not in the run`);
      named.add(id);
    }
  }
  const rest = ids.filter((id) => !named.has(id));
  const groups = p.groups.map((g) => [...g]);
  if (rest.length) groups.push(rest);
  return groups;
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

/**
 * Link faults: parsing the `--delay`, `--loss` and `--partition` flags (run-machine, start-all and,
 * for partitions, simulate), and deciding what happens to one message on one directed link. Pure:
 * no timers, no sockets, no clock; randomness only from the Rng passed in. The TCP decorator
 * (runtime/net/linkFaults.ts) applies the decisions; start-all (runtime/faults/linkSchedule.ts)
 * drives partition windows over IPC; the simulator (runtime/sim) applies two-way partitions to its
 * links.
 *
 * Grammar (a link is directed: `1>2` is what machine 1 sends to machine 2):
 *   --delay     [<link>=]<delay>        delay as the simulator writes it: `uniform:10-50ms`,
 *                                       `fixed:5ms`, `exp:10ms`; e.g. `1>2=uniform:10-50ms`
 *   --loss      [<link>=]<p>            probability in [0, 1] that a copy is lost, e.g. `2>3=0.2`
 *   <link>      <side>><side>           a side is `*` (any machine) or ids and ranges `1,2,5-9`
 *   --partition <g>|<g>[|...]@<from>[-<to>]   two-way: no message between different groups (machines
 *                                       named in no group form one more group), e.g. `1,2|3@10-20`
 *               <g>><g>@<from>[-<to>]  one-way: messages from the left group to the right one are
 *                                       blocked, the other direction flows, e.g. `1,2>3@10-20`
 * Times are seconds by default (`10`, `10s`, `500ms`, `2m`); without an end the partition lasts to
 * the end of the run. Delays use the grammar of delay.ts, times that of time.ts, ids that of
 * idRanges.ts.
 */
import { LabError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { MachineId } from '../core/types.js';
import { type DelaySpec, delayModel, formatDelaySpec, parseDelaySpec } from './delay.js';
import { parseIdRanges } from './idRanges.js';
import { parseTimeMs } from './time.js';

/**
 * Which directed links a rule covers. Invariant: a null side means every machine; a listed side is
 * non-empty, sorted and without duplicates.
 */
export interface LinkSelector {
  readonly from: readonly MachineId[] | null;
  readonly to: readonly MachineId[] | null;
  /** Canonical text, `*>*` for every link. */
  readonly text: string;
}

/** Every link. */
export const ALL_LINKS: LinkSelector = { from: null, to: null, text: '*>*' };

/** A delay rule: messages on the selected links are written after a delay drawn from `delay`. */
export interface DelayRule {
  readonly link: LinkSelector;
  readonly delay: DelaySpec;
  /** The flag value as written (passed on to children, shown in faults.csv). */
  readonly text: string;
}

/** A loss rule: each message copy on the selected links is dropped with `probability`. */
export interface LossRule {
  readonly link: LinkSelector;
  /** In [0, 1]. */
  readonly probability: number;
  readonly text: string;
}

/**
 * A partition window, the one partition type of every driver. Two-way: `groups` as written (≥ 1
 * group; machines named in no group form one more group when resolved, see
 * {@link resolvePartitionGroups}); every link between different groups is down during
 * [fromMs, toMs). One-way: exactly two groups, `groups[0]` → `groups[1]` blocked. Invariant: groups
 * are disjoint and non-empty; `fromMs < toMs` (toMs is Infinity without an end).
 */
export interface Partition {
  readonly mode: 'two-way' | 'one-way';
  readonly groups: readonly (readonly MachineId[])[];
  readonly fromMs: number;
  readonly toMs: number;
  /** The flag value as written (replay commands, messages, faults.csv). */
  readonly text: string;
}

/** A two-way partition as the simulator's links take it: a {@link Partition} whose mode may be left out. */
export type TwoWayPartition = Omit<Partition, 'mode'> & { readonly mode?: 'two-way' };

/** True for a two-way partition. */
export function isTwoWay(p: Partition): p is Partition & { readonly mode: 'two-way' } {
  return p.mode === 'two-way';
}

/** A set of blocked directed links: every message from a machine in `from` to one in `to`. */
export interface LinkBlock {
  readonly from: readonly MachineId[];
  readonly to: readonly MachineId[];
}

/** The rules a machine applies to what it sends (partitions are handled separately, as blocks). */
export interface LinkRules {
  readonly delays: readonly DelayRule[];
  readonly losses: readonly LossRule[];
}

/** Why a message was not written: the `reason=` of its DROP row. */
export type FaultDropReason = 'partitioned' | 'injected_loss';

/**
 * What happens to one message copy on one link: dropped (with the reason) or written after
 * `delayMs` (0: at once).
 */
export type LinkVerdict = { readonly drop: FaultDropReason } | { readonly drop: null; readonly delayMs: number };

function invalid(flag: string, text: string, expected: string): LabError {
  return new LabError('INVALID_OPTION', `${flag} "${text}": expected ${expected}`);
}

/** Parses one side of a link: `*`, or ids and ranges `1,2,5-9`. Null for `*`. */
function parseSide(side: string, flag: string, whole: string): MachineId[] | null {
  const t = side.trim();
  if (t === '*') return null;
  const ids = parseIdRanges(t, 100_000);
  if (ids === 'syntax') throw invalid(flag, whole, 'a link like 1>2, 1,2>3, 1-3>* or *>2 before the =');
  if (ids === 'range') throw invalid(flag, whole, 'machine ranges lo-hi with 1 ≤ lo ≤ hi');
  return [...new Set(ids)].sort((a, b) => a - b);
}

function sideText(side: readonly MachineId[] | null): string {
  return side === null ? '*' : side.join(',');
}

/** Parses a link selector `<side>><side>`. Throws LabError INVALID_OPTION naming `flag`. */
export function parseLinkSelector(text: string, flag = '--delay', whole = text): LinkSelector {
  const gt = text.indexOf('>');
  if (gt < 0 || text.indexOf('>', gt + 1) >= 0) throw invalid(flag, whole, 'a link like 1>2 (from>to) before the =');
  const from = parseSide(text.slice(0, gt), flag, whole);
  const to = parseSide(text.slice(gt + 1), flag, whole);
  return { from, to, text: `${sideText(from)}>${sideText(to)}` };
}

/** True when the directed link `from → to` is selected. */
export function selectorMatches(sel: LinkSelector, from: MachineId, to: MachineId): boolean {
  return (sel.from === null || sel.from.includes(from)) && (sel.to === null || sel.to.includes(to));
}

/** Splits `[<link>=]<value>`; no `=` means every link. */
function splitRule(text: string, flag: string): { link: LinkSelector; value: string } {
  const eq = text.indexOf('=');
  if (eq < 0) return { link: ALL_LINKS, value: text.trim() };
  return { link: parseLinkSelector(text.slice(0, eq), flag, text), value: text.slice(eq + 1).trim() };
}

/** Parses a `--delay` value, e.g. `uniform:1-20ms` or `1>2=fixed:100ms`. Throws LabError INVALID_OPTION. */
export function parseDelayRule(text: string): DelayRule {
  const { link, value } = splitRule(text, '--delay');
  let delay: DelaySpec;
  try {
    delay = parseDelaySpec(value);
  } catch (e) {
    if (e instanceof LabError) throw invalid('--delay', text, '[<link>=]<delay> with a delay like uniform:1-20ms, fixed:5ms or exp:10ms, e.g. 1>2=uniform:10-50ms');
    throw e;
  }
  return { link, delay, text };
}

/** Parses a `--loss` value, e.g. `0.01` or `2>3=0.2`. Throws LabError INVALID_OPTION. */
export function parseLossRule(text: string): LossRule {
  const { link, value } = splitRule(text, '--loss');
  const p = /^(\d+(?:\.\d+)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (!(p >= 0 && p <= 1)) throw invalid('--loss', text, '[<link>=]<p> with p a probability in [0, 1], e.g. 0.01 or 2>3=0.2');
  return { link, probability: p, text };
}

/** Parses the two-way form `GROUPS@FROM[-TO]`, e.g. `1,2|3@10s-20s`. */
function parseTwoWay(text: string): Omit<Partition, 'mode'> {
  const at = text.lastIndexOf('@');
  if (at < 0) throw invalid('--partition', text, '<groups>@<from>[-<to>], e.g. 1,2|3@10s-20s');
  const groups = text
    .slice(0, at)
    .split('|')
    .map((g) => {
      const ids = parseIdRanges(g);
      if (ids === 'syntax') throw invalid('--partition', text, 'groups like "1,2|3" or "1-50|51-100" before the @');
      if (ids === 'range') throw invalid('--partition', text, 'machine ranges lo-hi with 1 ≤ lo ≤ hi');
      return ids;
    });
  const window = text.slice(at + 1);
  const dash = window.indexOf('-');
  const fromMs = parseTimeMs(dash < 0 ? window : window.slice(0, dash));
  const toMs = dash < 0 ? Infinity : parseTimeMs(window.slice(dash + 1));
  if (fromMs === null || toMs === null) throw invalid('--partition', text, 'a window like @10s-20s or @10s');
  if (toMs <= fromMs) throw invalid('--partition', text, 'a window that ends after it starts');
  const seen = new Set<MachineId>();
  for (const g of groups) {
    for (const id of g) {
      if (seen.has(id)) throw invalid('--partition', text, 'each machine in at most one group');
      seen.add(id);
    }
  }
  return { groups, fromMs, toMs, text };
}

/**
 * Parses a two-way `--partition` value only (`1,2|3@10s-20s`), as the simulator's links take it.
 * Throws LabError INVALID_OPTION naming the text.
 */
export function parsePartitionSpec(text: string): Partition & { readonly mode: 'two-way' } {
  return { mode: 'two-way', ...parseTwoWay(text) };
}

/**
 * Parses a `--partition` value: two-way `1,2|3@10-20` or one-way `1,2>3@10-20`. Throws LabError
 * INVALID_OPTION naming the text as written.
 */
export function parsePartition(text: string): Partition {
  const at = text.lastIndexOf('@');
  const head = at < 0 ? text : text.slice(0, at);
  const oneWay = head.includes('>');
  if (oneWay && (head.includes('|') || head.indexOf('>') !== head.lastIndexOf('>'))) {
    throw invalid('--partition', text, 'either groups split by | (two-way) or one > (one-way: from>to)');
  }
  // the one-way form is the two-way form with its two groups read as from and to
  const asTwoWay = oneWay ? text.replace('>', '|') : text;
  let parsed;
  try {
    parsed = parseTwoWay(asTwoWay);
  } catch (e) {
    if (e instanceof LabError) throw new LabError('INVALID_OPTION', e.message.replace(`"${asTwoWay}"`, `"${text}"`) + ' (e.g. 1,2|3@10-20 or one-way 1,2>3@10-20)');
    throw e;
  }
  if (oneWay && parsed.groups.length !== 2) throw invalid('--partition', text, 'a one-way partition like 1,2>3@10-20');
  return { mode: oneWay ? 'one-way' : 'two-way', groups: parsed.groups, fromMs: parsed.fromMs, toMs: parsed.toMs, text };
}

/**
 * The partition's groups over all `ids`: the written groups plus, when some machine is named in
 * none, one more group of all such machines. Throws LabError INVALID_OPTION when a group names an
 * unknown machine.
 */
export function resolvePartitionGroups(p: Pick<Partition, 'groups' | 'text'>, ids: readonly MachineId[]): MachineId[][] {
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

/** The ids a rule names (to check them against the config). */
function namedIds(rule: LinkSelector | Partition): MachineId[] {
  if ('groups' in rule) return rule.groups.flat();
  return [...(rule.from ?? []), ...(rule.to ?? [])];
}

/**
 * Checks every machine a rule names against the run's members. Throws LabError INVALID_OPTION
 * naming the first flag with an unknown id.
 */
export function checkLinkFaultIds(
  members: readonly MachineId[],
  rules: { readonly delays?: readonly DelayRule[]; readonly losses?: readonly LossRule[]; readonly partitions?: readonly Partition[] },
): void {
  const known = new Set(members);
  const check = (flag: string, text: string, ids: readonly MachineId[]): void => {
    const unknown = ids.find((id) => !known.has(id));
    if (unknown !== undefined) throw new LabError('INVALID_OPTION', `${flag} "${text}": machine ${unknown} is not in the config (ids: ${members.join(', ')})`);
  };
  for (const r of rules.delays ?? []) check('--delay', r.text, namedIds(r.link));
  for (const r of rules.losses ?? []) check('--loss', r.text, namedIds(r.link));
  for (const p of rules.partitions ?? []) check('--partition', p.text, namedIds(p));
}

/**
 * The directed links a partition blocks among `members`. Two-way: every ordered pair of distinct
 * groups (after adding the unnamed machines as one more group). One-way: groups[0] → groups[1].
 */
export function partitionBlocks(p: Partition, members: readonly MachineId[]): LinkBlock[] {
  if (p.mode === 'one-way') return [{ from: [...p.groups[0]!], to: [...p.groups[1]!] }];
  const groups = resolvePartitionGroups(p, members);
  const blocks: LinkBlock[] = [];
  for (let a = 0; a < groups.length; a++) {
    for (let b = 0; b < groups.length; b++) if (a !== b) blocks.push({ from: groups[a]!, to: groups[b]! });
  }
  return blocks;
}

/** The groups of a partition as text for logs and messages: `1,2|3` (resolved) or `1,2>3`. */
export function describePartition(p: Partition, members: readonly MachineId[]): string {
  if (p.mode === 'one-way') return `${p.groups[0]!.join(',')}>${p.groups[1]!.join(',')}`;
  return resolvePartitionGroups(p, members)
    .map((g) => g.join(','))
    .join('|');
}

/** True when some block covers the directed link `from → to`. */
export function isBlocked(blocks: readonly LinkBlock[], from: MachineId, to: MachineId): boolean {
  for (const b of blocks) if (b.from.includes(from) && b.to.includes(to)) return true;
  return false;
}

/** The partitions in force `tMs` after the origin: fromMs ≤ t < toMs. */
export function partitionsActiveAt(partitions: readonly Partition[], tMs: number): Partition[] {
  return partitions.filter((p) => p.fromMs <= tMs && tMs < p.toMs);
}

/** A partition starting (`partition`) or ending (`heal`) at `atMs` after the origin. */
export interface PartitionChange {
  readonly atMs: number;
  readonly kind: 'partition' | 'heal';
  readonly partition: Partition;
}

/**
 * Every start and end of the partitions, in time order (at one instant: heals first, then starts,
 * each in flag order). Partitions without an end have no heal.
 */
export function partitionTimeline(partitions: readonly Partition[]): PartitionChange[] {
  const changes: (PartitionChange & { order: number })[] = [];
  partitions.forEach((p, i) => {
    changes.push({ atMs: p.fromMs, kind: 'partition', partition: p, order: i });
    if (Number.isFinite(p.toMs)) changes.push({ atMs: p.toMs, kind: 'heal', partition: p, order: i });
  });
  const rank = (c: PartitionChange): number => (c.kind === 'heal' ? 0 : 1);
  return changes.sort((a, b) => a.atMs - b.atMs || rank(a) - rank(b) || a.order - b.order).map(({ order: _o, ...c }) => c);
}

/** The delay spec of the last `--delay` rule covering `from → to`, or null. */
export function delayFor(rules: LinkRules, from: MachineId, to: MachineId): DelaySpec | null {
  for (let i = rules.delays.length - 1; i >= 0; i--) if (selectorMatches(rules.delays[i]!.link, from, to)) return rules.delays[i]!.delay;
  return null;
}

/** The loss probability of the last `--loss` rule covering `from → to`, or 0. */
export function lossFor(rules: LinkRules, from: MachineId, to: MachineId): number {
  for (let i = rules.losses.length - 1; i >= 0; i--) if (selectorMatches(rules.losses[i]!.link, from, to)) return rules.losses[i]!.probability;
  return 0;
}

/**
 * Decides the fate of one message copy on `from → to`. Order: a blocked link drops it as
 * `partitioned` (no random draw); else a loss rule with p > 0 draws once and may drop it as
 * `injected_loss`; else a delay rule draws its delay (uniform and exp draw once, fixed draws
 * nothing). Invariant: the same rules, blocks and Rng state give the same verdict and leave the
 * Rng in the same state (runs replay from their seed).
 */
export function decideLinkFate(rules: LinkRules, blocked: boolean, from: MachineId, to: MachineId, rng: Rng): LinkVerdict {
  if (blocked) return { drop: 'partitioned' };
  const p = lossFor(rules, from, to);
  if (p > 0 && rng.chance(p)) return { drop: 'injected_loss' };
  const delay = delayFor(rules, from, to);
  if (delay === null) return { drop: null, delayMs: 0 };
  return { drop: null, delayMs: Math.max(0, delayModel(delay)(rng)) };
}

/** Text of a delay rule for faults.csv: `link=1>2 spec=uniform:10-50ms`. */
export function describeDelayRule(r: DelayRule): string {
  return `link=${r.link.text} spec=${formatDelaySpec(r.delay)}`;
}

/** Text of a loss rule for faults.csv: `link=2>3 p=0.2`. */
export function describeLossRule(r: LossRule): string {
  return `link=${r.link.text} p=${r.probability}`;
}

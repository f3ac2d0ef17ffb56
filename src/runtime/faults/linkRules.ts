/**
 * Network faults per link, as rules: parsing the `--delay`, `--loss` and `--partition`
 * flags of run-machine and start-all, and deciding what happens to one message on one directed
 * link. Pure: no timers, no sockets, no clock; randomness only from the Rng passed in. The TCP
 * decorator (runtime/net/linkFaults.ts) applies the decisions; start-all (linkSchedule.ts) drives
 * partition windows over IPC.
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
 * the end of the run. Delay and partition texts are parsed by the simulator's own parsers
 * (runtime/sim/specs.ts); the one-way form is parsed here by rewriting it to the two-way form.
 */
import { LabError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { MachineId } from '../../core/types.js';
import { delayModel } from '../sim/network.js';
import { type DelaySpec, formatDelaySpec, parseDelaySpec, parsePartitionSpec, resolvePartitionGroups } from '../sim/specs.js';

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
 * A partition window. Two-way: `groups` as written (≥ 1 group; unnamed machines form one more group
 * when resolved). One-way: exactly two groups, `groups[0]` → `groups[1]` blocked. Invariant: groups
 * are disjoint and non-empty; `fromMs < toMs` (toMs is Infinity without an end).
 */
export interface LinkPartition {
  readonly mode: 'two-way' | 'one-way';
  readonly groups: readonly (readonly MachineId[])[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly text: string;
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
  const ids = new Set<MachineId>();
  for (const part of t.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw invalid(flag, whole, 'a link like 1>2, 1,2>3, 1-3>* or *>2 before the =');
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || hi < lo || hi - lo > 100_000) throw invalid(flag, whole, 'machine ranges lo-hi with 1 ≤ lo ≤ hi');
    for (let id = lo; id <= hi; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
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

/**
 * Parses a `--partition` value: two-way `1,2|3@10-20` (the simulator's syntax and parser) or
 * one-way `1,2>3@10-20`. Throws LabError INVALID_OPTION naming the text as written.
 */
export function parseLinkPartition(text: string): LinkPartition {
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
    parsed = parsePartitionSpec(asTwoWay);
  } catch (e) {
    if (e instanceof LabError) throw new LabError('INVALID_OPTION', e.message.replace(`"${asTwoWay}"`, `"${text}"`) + ' (e.g. 1,2|3@10-20 or one-way 1,2>3@10-20)');
    throw e;
  }
  if (oneWay && parsed.groups.length !== 2) throw invalid('--partition', text, 'a one-way partition like 1,2>3@10-20');
  return { mode: oneWay ? 'one-way' : 'two-way', groups: parsed.groups, fromMs: parsed.fromMs, toMs: parsed.toMs, text };
}

/** The ids a rule names (to check them against the config). */
function namedIds(rule: LinkSelector | LinkPartition): MachineId[] {
  if ('groups' in rule) return rule.groups.flat();
  return [...(rule.from ?? []), ...(rule.to ?? [])];
}

/**
 * Checks every machine a rule names against the run's members. Throws LabError INVALID_OPTION
 * naming the first flag with an unknown id.
 */
export function checkLinkFaultIds(
  members: readonly MachineId[],
  rules: { readonly delays?: readonly DelayRule[]; readonly losses?: readonly LossRule[]; readonly partitions?: readonly LinkPartition[] },
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
export function partitionBlocks(p: LinkPartition, members: readonly MachineId[]): LinkBlock[] {
  if (p.mode === 'one-way') return [{ from: [...p.groups[0]!], to: [...p.groups[1]!] }];
  const groups = resolvePartitionGroups({ groups: p.groups, fromMs: p.fromMs, toMs: p.toMs, text: p.text }, members);
  const blocks: LinkBlock[] = [];
  for (let a = 0; a < groups.length; a++) {
    for (let b = 0; b < groups.length; b++) if (a !== b) blocks.push({ from: groups[a]!, to: groups[b]! });
  }
  return blocks;
}

/** The groups of a partition as text for logs and messages: `1,2|3` (resolved) or `1,2>3`. */
export function describePartition(p: LinkPartition, members: readonly MachineId[]): string {
  if (p.mode === 'one-way') return `${p.groups[0]!.join(',')}>${p.groups[1]!.join(',')}`;
  return resolvePartitionGroups({ groups: p.groups, fromMs: p.fromMs, toMs: p.toMs, text: p.text }, members)
    .map((g) => g.join(','))
    .join('|');
}

/** True when some block covers the directed link `from → to`. */
export function isBlocked(blocks: readonly LinkBlock[], from: MachineId, to: MachineId): boolean {
  for (const b of blocks) if (b.from.includes(from) && b.to.includes(to)) return true;
  return false;
}

/** The partitions in force `tMs` after the origin: fromMs ≤ t < toMs. */
export function partitionsActiveAt(partitions: readonly LinkPartition[], tMs: number): LinkPartition[] {
  return partitions.filter((p) => p.fromMs <= tMs && tMs < p.toMs);
}

/** A partition starting (`partition`) or ending (`heal`) at `atMs` after the origin. */
export interface PartitionChange {
  readonly atMs: number;
  readonly kind: 'partition' | 'heal';
  readonly partition: LinkPartition;
}

/**
 * Every start and end of the partitions, in time order (at one instant: heals first, then starts,
 * each in flag order). Partitions without an end have no heal.
 */
export function partitionTimeline(partitions: readonly LinkPartition[]): PartitionChange[] {
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

/**
 * The IPC message start-all sends a child when the partitions in force change: the complete set of
 * blocked directed links from now on (it replaces the previous set) and the partitions' texts.
 */
export interface LinkFaultsMessage {
  readonly type: 'link-faults';
  readonly blocks: readonly LinkBlock[];
  readonly partitions: readonly string[];
}

function isIdList(v: unknown): v is MachineId[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) > 0);
}

/** Validates an IPC message as a {@link LinkFaultsMessage}; null when it is something else. */
export function parseLinkFaultsMessage(msg: unknown): LinkFaultsMessage | null {
  const m = msg as { type?: unknown; blocks?: unknown; partitions?: unknown } | null;
  if (!m || typeof m !== 'object' || m.type !== 'link-faults' || !Array.isArray(m.blocks)) return null;
  const blocks: LinkBlock[] = [];
  for (const b of m.blocks as unknown[]) {
    const bb = b as { from?: unknown; to?: unknown } | null;
    if (!bb || !isIdList(bb.from) || !isIdList(bb.to)) return null;
    blocks.push({ from: bb.from, to: bb.to });
  }
  const partitions = Array.isArray(m.partitions) ? m.partitions.filter((t): t is string => typeof t === 'string') : [];
  return { type: 'link-faults', blocks, partitions };
}

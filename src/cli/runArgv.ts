/**
 * Run settings back to command-line arguments: the one serializer behind start-all's `run-machine`
 * argv for each machine and simulate's replay commands. Each flag is written by one entry of FLAGS;
 * each command has its own order of flags (ORDER), the order it has always printed them in.
 *
 * Invariant: the written command runs with the settings it was written from, as far as the command
 * reads them: resolved values are written explicitly, so a child never re-reads defaults differently.
 */
import { formatDelaySpec, type DelaySpec } from '../faults/delay.js';
import type { RawLinkFaultOptions } from './linkFaultOptions.js';
import { algorithmModule } from '../algorithms/registry.js';
import { BUILTIN, flagOf, reads, type RawRunOptions, type RunSettings } from './runOptions.js';
import type { MachineId } from '../core/types.js';

/** A value given on the command line as written there (fault specs, link rules, partitions). */
interface Written {
  readonly text: string;
}

/** The argv of a start-all child, after `run-machine <id>`: the values passed through as given. */
export interface MachineArgvOptions {
  readonly command: 'run-machine';
  /** --config as given. */
  readonly config: string;
  readonly fastTicks: boolean | undefined;
  /** --secret-file as given: the path only, never the secret (argv is visible to every user). */
  readonly secretFile: string | undefined;
  /** Delay and loss rules are passed on; partitions are not (start-all times them, over IPC). */
  readonly links: RawLinkFaultOptions;
  /** The machine's own seed; undefined: no --seed. */
  readonly seed: number | undefined;
}

/** The argv of a simulate replay, after `lamport-lab simulate`: one seed of a simulate run. */
export interface SimulateArgvOptions {
  readonly command: 'simulate';
  readonly machines: number;
  /** Virtual seconds written when the settings name no duration (a replay always names it). */
  readonly defaultDurationSec: number;
  readonly fastTicks: boolean | undefined;
  readonly delay: DelaySpec;
  /** Written when above 0. */
  readonly loss: number | undefined;
  readonly partitions: readonly Written[] | undefined;
  readonly crash: readonly Written[] | undefined;
  readonly kill: readonly Written[] | undefined;
  readonly pause: readonly Written[] | undefined;
  readonly restart: readonly Written[] | undefined;
  readonly connectRows: number | undefined;
  /** Re-run the check of this one seed (with the test-only bug, if named); false: write its logs. */
  readonly check: false | { readonly injectBug: string | undefined };
  readonly seed: number;
}

export type RunArgvOptions = MachineArgvOptions | SimulateArgvOptions;

type FlagName =
  | 'config' | 'machines' | 'algorithm' | 'max-tick-rate' | 'min-tick-rate' | 'tick-rate' | 'fast-ticks' | 'internal-max'
  | 'duration' | 'log-dir' | 'quiet' | 'algorithm-options' | 'shared-file' | 'secret-file' | 'allow-any-host'
  | 'hello-timeout' | 'max-queue' | 'delay' | 'loss' | 'partition' | 'crash' | 'kill' | 'pause' | 'restart'
  | 'connect-rows' | 'check' | 'seed';

/** `[flag, value]`, or nothing when the value is undefined. */
const valued = (flag: string, v: string | number | undefined): string[] => (v === undefined ? [] : [flag, String(v)]);
/** The flag once per value, in the order given. */
const each = (flag: string, items: readonly Written[] | undefined): string[] => (items ?? []).flatMap((i) => [flag, i.text]);
const bare = (flag: string, on: boolean | undefined): string[] => (on ? [flag] : []);

/** How each flag is written from the settings and the command's own values; [] leaves it out. */
const FLAGS: Record<FlagName, (s: RunSettings, o: RunArgvOptions) => string[]> = {
  config: (_, o) => (o.command === 'run-machine' ? ['--config', o.config] : []),
  machines: (_, o) => (o.command === 'simulate' ? ['--machines', String(o.machines)] : []),
  algorithm: (s) => ['--algorithm', s.algorithm],
  'max-tick-rate': (s) => ['--max-tick-rate', String(s.maxTickRate)],
  'min-tick-rate': (s) => ['--min-tick-rate', String(s.minTickRate)],
  'tick-rate': (s) => valued('--tick-rate', s.tickRate),
  'fast-ticks': (_, o) => bare('--fast-ticks', o.fastTicks),
  'internal-max': (s) => ['--internal-max', String(s.internalMax)],
  // a machine without a duration runs until stopped; a simulation always has one
  duration: (s, o) => valued('--duration', s.durationSec ?? (o.command === 'simulate' ? o.defaultDurationSec : undefined)),
  // a replay names the log directory only to write logs there, and only when not the default
  'log-dir': (s, o) => (o.command === 'run-machine' || (!o.check && s.logDir !== BUILTIN.logDir) ? ['--log-dir', s.logDir] : []),
  quiet: (s) => bare('--quiet', s.quiet),
  'algorithm-options': (s) => algorithmOptionArgs(s),
  'shared-file': (s) => (reads(s.algorithm, 'sharedFile') ? ['--shared-file', s.sharedFile] : []),
  'secret-file': (_, o) => (o.command === 'run-machine' ? valued('--secret-file', o.secretFile) : []),
  'allow-any-host': (s) => bare('--allow-any-host', s.allowAnyHost),
  'hello-timeout': (s) => valued('--hello-timeout', s.helloTimeoutMs === undefined ? undefined : s.helloTimeoutMs / 1000),
  'max-queue': (s) => ['--max-queue', String(s.maxQueue)],
  delay: (_, o) => (o.command === 'run-machine' ? each('--delay', o.links.delay) : ['--delay', formatDelaySpec(o.delay)]),
  loss: (_, o) => (o.command === 'run-machine' ? each('--loss', o.links.loss) : o.loss ? ['--loss', String(o.loss)] : []),
  partition: (_, o) => (o.command === 'simulate' ? each('--partition', o.partitions) : []),
  crash: (_, o) => (o.command === 'simulate' ? each('--crash', o.crash) : []),
  kill: (_, o) => (o.command === 'simulate' ? each('--kill', o.kill) : []),
  pause: (_, o) => (o.command === 'simulate' ? each('--pause', o.pause) : []),
  restart: (_, o) => (o.command === 'simulate' ? each('--restart', o.restart) : []),
  'connect-rows': (_, o) => (o.command === 'simulate' ? valued('--connect-rows', o.connectRows) : []),
  check: (_, o) => (o.command === 'simulate' && o.check ? ['--check', '--seeds', '1', ...valued('--inject-bug', o.check.injectBug || undefined)] : []),
  seed: (_, o) => valued('--seed', o.seed),
};

/** run-machine's flags from the run settings (childArgs), before the link faults and the seed. */
const MACHINE_SETTINGS: readonly FlagName[] = [
  'config', 'algorithm', 'max-tick-rate', 'min-tick-rate', 'internal-max', 'log-dir', 'tick-rate', 'fast-ticks', 'duration',
  'quiet', 'algorithm-options', 'shared-file', 'secret-file', 'allow-any-host', 'hello-timeout', 'max-queue',
];

/** The flags each command takes, in the order they are written. */
const ORDER: Record<RunArgvOptions['command'], readonly FlagName[]> = {
  'run-machine': [...MACHINE_SETTINGS, 'delay', 'loss', 'seed'],
  simulate: [
    'machines', 'algorithm', 'duration', 'max-tick-rate', 'tick-rate', 'fast-ticks', 'internal-max', 'delay', 'loss', 'partition',
    'crash', 'kill', 'pause', 'restart', 'connect-rows', 'algorithm-options', 'check', 'log-dir', 'seed',
  ],
};

const write = (names: readonly FlagName[], s: RunSettings, o: RunArgvOptions): string[] => names.flatMap((name) => FLAGS[name](s, o));

/**
 * The argv (unquoted, without the program and command names) that runs `o.command` with these
 * resolved settings: every resolved value explicit, flags in the command's fixed order.
 */
export function runSettingsToArgv(s: RunSettings, o: RunArgvOptions): string[] {
  return write(ORDER[o.command], s, o);
}

/** run-machine's options as start-all passes them through from its own command line. */
function machineOptions(raw: RawRunOptions & RawLinkFaultOptions, seed: number | undefined): MachineArgvOptions {
  return { command: 'run-machine', config: raw.config, fastTicks: raw.fastTicks, secretFile: raw.secretFile, links: raw, seed };
}

/** A start-all child's argv after `run-machine <id>`, running with the machine's own seed. */
export function machineArgv(raw: RawRunOptions & RawLinkFaultOptions, s: RunSettings, seed: number): string[] {
  return runSettingsToArgv(s, machineOptions(raw, seed));
}

/**
 * A start-all pack's argv after `run-pack <ids>`: run-machine's flags without --seed, then
 * `--seeds id:seed,...` with each machine's own seed.
 */
export function packArgv(raw: RawRunOptions & RawLinkFaultOptions, s: RunSettings, seeds: ReadonlyMap<MachineId, number>): string[] {
  return [...runSettingsToArgv(s, machineOptions(raw, undefined)), '--seeds', [...seeds].map(([id, seed]) => `${id}:${seed}`).join(',')];
}

/**
 * The run-settings part of a start-all child's argv: machineArgv without the link faults and the
 * seed. Never the secret itself, only --secret-file's path (LAMPORT_LAB_SECRET is inherited).
 */
export function childArgs(raw: RawRunOptions, s: RunSettings): string[] {
  return write(MACHINE_SETTINGS, s, machineOptions(raw, undefined));
}

/**
 * The link-fault part of a start-all child's argv: the delay and loss rules (they apply from the
 * child's start). Partitions are not passed on: start-all times them from "all ready" over IPC.
 */
export function linkFaultChildArgs(raw: RawLinkFaultOptions): string[] {
  return [...each('--delay', raw.delay), ...each('--loss', raw.loss)];
}

/**
 * The resolved algorithm-specific options as command-line arguments, only those the chosen
 * algorithm reads (the others would be refused, see checkAlgorithmOptions). Without --shared-file.
 */
export function algorithmOptionArgs(s: Pick<RunSettings, 'algorithm' | 'algorithmOptions'>): string[] {
  const args: string[] = [];
  for (const spec of algorithmModule(s.algorithm)?.options ?? []) {
    if (spec.field === undefined) continue;
    const v = s.algorithmOptions[spec.field];
    args.push(flagOf(spec), String(spec.value.kind === 'seconds' ? v / 1000 : v));
  }
  return args;
}

/**
 * Options shared by the commands that run machines (run-machine, start-all): their commander
 * definitions and their resolution against config.json defaults (command line > config > built-in).
 */
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { LabError } from '../core/errors.js';
import { SHARED_FILE_NAME } from '../core/sharedFile.js';
import type { Config } from '../config/schema.js';
import {
  type AlgorithmOptionSpec,
  type AlgorithmOptions,
  ALGORITHM_OPTIONS,
  DEFAULT_ALGORITHM_OPTIONS,
  algorithmModule,
  algorithmNames,
  algorithmsReading,
  optionFieldValue,
} from '../algorithms/registry.js';
import { intIn, integer, nonEmptyPath, numberIn, seconds } from './parsers.js';
import { SECRET_ENV, resolveSecret } from './secret.js';
import { DEFAULT_MAX_QUEUE } from '../runtime/engine.js';
// network faults; their raw values are RawLinkFaultOptions (linkFaultOptions.ts), not here:
// `simulate` extends RawRunOptions with its own --delay/--loss/--partition
import { LINK_FAULT_HELP, delayRuleOption, lossRuleOption, partitionOption } from './linkFaultOptions.js';

/** Built-in defaults of options that config.json may override. */
export const BUILTIN = {
  algorithm: 'workload',
  maxTickRate: 6,
  internalMax: 10,
  logDir: 'logs',
  stagger: 0,
} as const;

/** The model's tick-rate range; --fast-ticks lifts the upper bound for benchmarks. */
export const MODEL_MAX_TICK_RATE = 6;
export const FAST_MAX_TICK_RATE = 10000;

/** The commander parser of an algorithm option's value kind (none for a path). */
function parserOf(spec: AlgorithmOptionSpec): ((value: string) => number) | undefined {
  const v = spec.value;
  switch (v.kind) {
    case 'number':
      return numberIn(v.min, v.max);
    case 'int':
      return intIn(v.min);
    case 'seconds':
      return seconds;
    case 'path':
      return undefined;
  }
}

/**
 * Adds the algorithms' options as their modules declare them (registry ALGORITHM_OPTIONS, in
 * that order), but those in `except`. Help line: `${description} (default ${defaultText ?? default})`.
 */
export function addAlgorithmOptions(cmd: Command, except: readonly AlgorithmOptionSpec['key'][] = []): Command {
  for (const spec of ALGORITHM_OPTIONS) {
    if (except.includes(spec.key)) continue;
    const help = `${spec.description} (default ${spec.defaultText ?? String(spec.default)})`;
    const parse = parserOf(spec);
    if (parse) cmd.option(spec.flags, help, parse);
    else cmd.option(spec.flags, help);
  }
  return cmd;
}

/** Adds the options every machine-running command takes. */
export function addRunOptions(cmd: Command): Command {
  cmd
    .option('-c, --config <path>', 'config file', 'config.json')
    .option('--algorithm <name>', `algorithm to run (${algorithmNames().join(', ')}; default ${BUILTIN.algorithm})`)
    .option('--max-tick-rate <n>', `upper bound of the random tick rate, 1..${MODEL_MAX_TICK_RATE} (default ${BUILTIN.maxTickRate})`, intIn(1, MODEL_MAX_TICK_RATE))
    .option('--min-tick-rate <n>', `lower bound of the random tick rate, 1..${MODEL_MAX_TICK_RATE} (default 1)`, intIn(1, MODEL_MAX_TICK_RATE))
    .option('--tick-rate <n>', `fixed tick rate per second, 1..${MODEL_MAX_TICK_RATE} (1..${FAST_MAX_TICK_RATE} with --fast-ticks)`, integer)
    .option('--fast-ticks', 'allow --tick-rate above the model range (benchmarks)')
    .option('--internal-max <n>', `event draw range 1..n: 1-3 send, the rest internal (default ${BUILTIN.internalMax})`, intIn(1, 1000))
    .option('--seed <n>', 'seed for all randomness (default: random, printed)', intIn(0, 2147483646))
    .option('--duration <s>', 'stop after this many seconds of ticking', seconds)
    .option('--log-dir <dir>', `directory for log_<id>.csv (default ${BUILTIN.logDir})`, nonEmptyPath)
    .option('-q, --quiet', 'do not print a line per event');
  return addAlgorithmOptions(cmd)
    .option('--secret-file <path>', `file holding the cluster's shared secret; peers must prove they know it (or set ${SECRET_ENV})`)
    .option('--allow-any-host', 'accept a peer connecting from any address, not only from its configured host')
    .option('--hello-timeout <s>', 'seconds an incoming connection may take to identify itself (default 5)', seconds)
    .option('--max-queue <n>', `most messages waiting in a machine's network queue; more are refused and logged as DROP reason=queue_full (default ${DEFAULT_MAX_QUEUE})`, intIn(1))
    // network faults, injected by the transport
    .option('--delay <spec>', LINK_FAULT_HELP.delay, delayRuleOption)
    .option('--loss <spec>', LINK_FAULT_HELP.loss, lossRuleOption)
    .option('--partition <spec>', LINK_FAULT_HELP.partition, partitionOption);
}

/** Raw values as commander parsed them (undefined when not given). */
export interface RawRunOptions {
  config: string;
  algorithm?: string;
  maxTickRate?: number;
  minTickRate?: number;
  tickRate?: number;
  fastTicks?: boolean;
  internalMax?: number;
  seed?: number;
  duration?: number;
  logDir?: string;
  quiet?: boolean;
  csProbability?: number;
  csTicks?: number;
  sharedFile?: string;
  failureTimeout?: number;
  heartbeat?: number;
  leaderTimeout?: number;
  secretFile?: string;
  allowAnyHost?: boolean;
  helloTimeout?: number;
  maxQueue?: number;
}

/** Options after merging command line, config defaults and built-ins. */
export interface RunSettings {
  readonly algorithm: string;
  readonly maxTickRate: number;
  readonly minTickRate: number;
  readonly tickRate: number | undefined;
  readonly internalMax: number;
  readonly seed: number | undefined;
  readonly durationSec: number | undefined;
  readonly logDir: string;
  readonly quiet: boolean;
  readonly sharedFile: string;
  readonly algorithmOptions: AlgorithmOptions;
  /** Shared secret from --secret-file or LAMPORT_LAB_SECRET (never empty); undefined: no authentication. */
  readonly secret: Buffer | undefined;
  readonly allowAnyHost: boolean;
  readonly helloTimeoutMs: number | undefined;
  /** Bound of the network queue (--max-queue, config `maxQueue`, default DEFAULT_MAX_QUEUE). */
  readonly maxQueue: number;
}

/**
 * Refuses a tick rate outside the limit that applies: the model's 1..6, or 1..10000 with
 * --fast-ticks. Throws LabError INVALID_OPTION stating that limit.
 */
export function checkTickRate(tickRate: number | undefined, fastTicks: boolean): void {
  if (tickRate === undefined) return;
  if (fastTicks) {
    if (tickRate < 1 || tickRate > FAST_MAX_TICK_RATE) {
      throw new LabError('INVALID_OPTION', `--tick-rate ${tickRate} is outside 1..${FAST_MAX_TICK_RATE} ticks/s (the limit with --fast-ticks)`);
    }
  } else if (tickRate < 1 || tickRate > MODEL_MAX_TICK_RATE) {
    throw new LabError(
      'INVALID_OPTION',
      `--tick-rate ${tickRate} is outside the model's 1..${MODEL_MAX_TICK_RATE} ticks/s` + (tickRate > MODEL_MAX_TICK_RATE ? ` (add --fast-ticks for benchmarks, up to ${FAST_MAX_TICK_RATE})` : ''),
    );
  }
}

/** An option's flag without its argument, e.g. `--cs-probability`. */
/** An algorithm option's long flag (`--cs-ticks`). */
export const flagOf = (spec: AlgorithmOptionSpec): string => spec.flags.split(' ')[0]!;

/** True when the algorithm's module declares the option `key`. */
/** Whether the algorithm reads the option `key` (its module declares it). */
export function reads(algorithm: string, key: AlgorithmOptionSpec['key']): boolean {
  return algorithmModule(algorithm)?.options.some((o) => o.key === key) ?? false;
}

/**
 * Refuses an algorithm option given on the command line with an algorithm that does not read it
 * (e.g. `--cs-probability` with workload): it would be silently ignored. config.json `defaults`
 * are not checked (one config serves every algorithm). Unknown algorithm names are left to the
 * registry's own error. Throws LabError INVALID_OPTION naming the option and its algorithms.
 */
export function checkAlgorithmOptions(raw: RawRunOptions, algorithm: string): void {
  if (!algorithmNames().includes(algorithm)) return;
  for (const spec of ALGORITHM_OPTIONS) {
    const owners = algorithmsReading(spec.key);
    const flag = flagOf(spec);
    if (raw[spec.key] === undefined || owners.includes(algorithm)) continue;
    throw new LabError(
      'INVALID_OPTION',
      `${flag} is an option of --algorithm ${owners.join(' or ')}, not of ${algorithm} (drop it, or choose one of those algorithms)`,
    );
  }
}

/** Merges options; command line wins over config.json `defaults`, which win over built-ins. */
export function resolveRunSettings(raw: RawRunOptions, config: Config): RunSettings {
  const d = config.defaults ?? {};
  if (raw.logDir !== undefined && raw.logDir.trim() === '') throw new LabError('INVALID_OPTION', '--log-dir must not be empty (name a directory, e.g. logs)');
  const algorithm = raw.algorithm ?? d.algorithm ?? BUILTIN.algorithm;
  checkAlgorithmOptions(raw, algorithm);
  const tickRate = raw.tickRate ?? d.tickRate;
  checkTickRate(tickRate, raw.fastTicks ?? false);
  const logDir = raw.logDir ?? d.logDir ?? BUILTIN.logDir;
  const maxTickRate = raw.maxTickRate ?? d.maxTickRate ?? BUILTIN.maxTickRate;
  const minTickRate = raw.minTickRate ?? d.minTickRate ?? 1;
  if (minTickRate > maxTickRate) {
    throw new LabError('INVALID_OPTION', `--min-tick-rate ${minTickRate} is above --max-tick-rate ${maxTickRate}`);
  }
  const ranks = new Map<number, number>();
  for (const m of config.machines) if (m.rank !== undefined) ranks.set(m.id, m.rank);
  // every declared option resolves (command line > config > the module's default), whatever the algorithm
  const fields: Record<string, number> = {};
  for (const spec of ALGORITHM_OPTIONS) {
    if (spec.field === undefined) continue;
    const v = (raw[spec.key] ?? d[spec.key]) as number | undefined;
    fields[spec.field] = v === undefined ? DEFAULT_ALGORITHM_OPTIONS[spec.field] : optionFieldValue(spec, v);
  }
  const algorithmOptions: AlgorithmOptions = {
    ...DEFAULT_ALGORITHM_OPTIONS,
    ...fields,
    internalMax: raw.internalMax ?? d.internalMax ?? DEFAULT_ALGORITHM_OPTIONS.internalMax,
    ranks,
  };
  algorithmModule(algorithm)?.validate?.(algorithmOptions);
  return {
    algorithm,
    maxTickRate,
    minTickRate,
    tickRate,
    internalMax: raw.internalMax ?? d.internalMax ?? BUILTIN.internalMax,
    seed: raw.seed,
    durationSec: raw.duration,
    logDir,
    quiet: raw.quiet ?? false,
    sharedFile: raw.sharedFile ?? d.sharedFile ?? `${logDir}/${SHARED_FILE_NAME}`,
    algorithmOptions,
    secret: resolveSecret(raw.secretFile),
    allowAnyHost: raw.allowAnyHost ?? false,
    helloTimeoutMs: raw.helloTimeout === undefined ? undefined : Math.round(raw.helloTimeout * 1000),
    maxQueue: raw.maxQueue ?? d.maxQueue ?? DEFAULT_MAX_QUEUE,
  };
}

/** A fresh random seed, when none was given (printed and logged so the run can be replayed). */
export function randomSeed(): number {
  return randomInt(1, 2147483646);
}

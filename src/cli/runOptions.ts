/**
 * Options shared by the commands that run machines (run-machine, start-all): their commander
 * definitions and their resolution against config.json defaults (command line > config > built-in).
 */
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { LabError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { type AlgorithmOptions, DEFAULT_ALGORITHM_OPTIONS, algorithmNames } from '../algorithms/registry.js';
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

/** Adds the options every machine-running command takes. */
export function addRunOptions(cmd: Command): Command {
  return cmd
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
    .option('-q, --quiet', 'do not print a line per event')
    .option('--cs-probability <p>', 'mutex: chance an idle machine requests per tick (default 0.2)', numberIn(0, 1))
    .option('--cs-ticks <n>', 'mutex: ticks the critical section is held (default 2)', intIn(1))
    .option('--shared-file <path>', 'mutex: shared resource file (default <log-dir>/critical_section.log)')
    .option('--failure-timeout <s>', 'mutex: seconds a peer may be unreachable before it is dropped (default 3)', seconds)
    .option('--heartbeat <s>', 'election: seconds between leader checks (default 1)', seconds)
    .option('--leader-timeout <s>', 'election: seconds without an answer before an election (default 5)', seconds)
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

/** The algorithms that read the mutex options and the election options. */
export const MUTEX_ALGORITHMS: readonly string[] = ['mutex', 'ricart-agrawala'];
export const ELECTION_ALGORITHMS: readonly string[] = ['election', 'bully'];

/** Algorithm-specific command-line options: raw key, flag, and the algorithms that read it. */
const ALGORITHM_SPECIFIC: ReadonlyArray<readonly [keyof RawRunOptions, string, readonly string[]]> = [
  ['csProbability', '--cs-probability', MUTEX_ALGORITHMS],
  ['csTicks', '--cs-ticks', MUTEX_ALGORITHMS],
  ['sharedFile', '--shared-file', MUTEX_ALGORITHMS],
  ['failureTimeout', '--failure-timeout', MUTEX_ALGORITHMS],
  ['heartbeat', '--heartbeat', ELECTION_ALGORITHMS],
  ['leaderTimeout', '--leader-timeout', ELECTION_ALGORITHMS],
];

/**
 * Refuses an algorithm option given on the command line with an algorithm that does not read it
 * (e.g. `--cs-probability` with workload): it would be silently ignored. config.json `defaults`
 * are not checked (one config serves every algorithm). Unknown algorithm names are left to the
 * registry's own error. Throws LabError INVALID_OPTION naming the option and its algorithms.
 */
export function checkAlgorithmOptions(raw: RawRunOptions, algorithm: string): void {
  if (!algorithmNames().includes(algorithm)) return;
  for (const [key, flag, owners] of ALGORITHM_SPECIFIC) {
    if (raw[key] === undefined || owners.includes(algorithm)) continue;
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
  const sec = (v: number | undefined, fallbackMs: number): number => (v === undefined ? fallbackMs : Math.round(v * 1000));
  const heartbeatMs = sec(raw.heartbeat ?? d.heartbeat, DEFAULT_ALGORITHM_OPTIONS.heartbeatMs);
  const leaderTimeoutMs = sec(raw.leaderTimeout ?? d.leaderTimeout, DEFAULT_ALGORITHM_OPTIONS.leaderTimeoutMs);
  if (ELECTION_ALGORITHMS.includes(algorithm) && leaderTimeoutMs <= heartbeatMs) {
    throw new LabError(
      'INVALID_OPTION',
      `--leader-timeout ${leaderTimeoutMs / 1000} s must exceed --heartbeat ${heartbeatMs / 1000} s (a leader would be presumed lost between two checks)`,
    );
  }
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
    sharedFile: raw.sharedFile ?? d.sharedFile ?? `${logDir}/critical_section.log`,
    algorithmOptions: {
      internalMax: raw.internalMax ?? d.internalMax ?? DEFAULT_ALGORITHM_OPTIONS.internalMax,
      csProbability: raw.csProbability ?? d.csProbability ?? DEFAULT_ALGORITHM_OPTIONS.csProbability,
      csTicks: raw.csTicks ?? d.csTicks ?? DEFAULT_ALGORITHM_OPTIONS.csTicks,
      failureTimeoutMs: sec(raw.failureTimeout ?? d.failureTimeout, DEFAULT_ALGORITHM_OPTIONS.failureTimeoutMs),
      heartbeatMs,
      leaderTimeoutMs,
      ranks,
    },
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

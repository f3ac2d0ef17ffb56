/**
 * `lamport-lab simulate`: N machines (ids 1..N in ring order) of any algorithm in one process under
 * virtual time, over a seeded in-memory network with delays, loss, partitions, crashes and
 * restarts (runtime/sim). Writes the same log_<id>.csv files as a real run (or none with
 * --no-logs) and prints a summary; `--check --seeds K` runs K seeds in memory through the analysis
 * invariants and prints a replay command for every seed that fails (exit 1).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { partitionOption, requireDelayUnit } from '../linkFaultOptions.js';
import { createAlgorithm } from '../../algorithms/registry.js';
import { usesSharedResource } from '../../runtime/host/rowPipeline.js';
import { LabError } from '../../core/errors.js';
import type { LogRow } from '../../core/logRow.js';
import type { MachineId } from '../../core/types.js';
import { archiveRun } from '../../runtime/log/archive.js';
import { checkSeeds } from '../../runtime/sim/check.js';
import { DISCARD_SINK, SimLogDir } from '../../runtime/sim/logSinks.js';
import { DEFAULT_CONNECT_ROWS_UP_TO, type SimulationOptions, runSimulation } from '../../runtime/sim/simulation.js';
import { type DelaySpec, delayModel, formatDelaySpec, parseDelaySpec } from '../../faults/delay.js';
import { isTwoWay, type Partition, resolvePartitionGroups } from '../../faults/link.js';
import { type FaultSpec, FaultSpecError, type MachineAt, validateFaults } from '../../faults/process.js';
import { checkScenario, scenarioOf, type Scenario } from '../../faults/scenario.js';
import { EXIT_FAILED, EXIT_OK } from '../exitCodes.js';
import { faultHelp, faultOption } from '../faultSpec.js';
import type { SetExit } from '../program.js';
import { intIn, integer, nonEmptyPath, numberIn, seconds } from '../parsers.js';
import { BUILTIN, addAlgorithmOptions, FAST_MAX_TICK_RATE, MODEL_MAX_TICK_RATE, randomSeed, resolveRunSettings, type RawRunOptions, type RunSettings } from '../runOptions.js';
import { table } from '../../analysis/format.js';
import { runSettingsToArgv } from '../runArgv.js';

/** Most machines `--machines` accepts. */
export const MAX_SIM_MACHINES = 10_000;
/** Virtual seconds simulated when --duration is not given. */
export const DEFAULT_SIM_DURATION_SEC = 60;
/** Seeds `--check` runs when --seeds is not given. */
export const DEFAULT_CHECK_SEEDS = 100;
/** Environment variable that enables test-only options (--inject-bug). */
export const TEST_HOOKS_ENV = 'LAMPORT_LAB_TEST_HOOKS';

/** The simulated network's delay when --delay is not given. */
export const DEFAULT_SIM_DELAY: DelaySpec = parseDelaySpec('uniform:1-20ms');

/** `--delay` of simulate: a delay spec with its unit (cli/linkFaultOptions.ts requireDelayUnit). */
function delaySpecOption(text: string): DelaySpec {
  try {
    requireDelayUnit(text);
    return parseDelaySpec(text);
  } catch (e) {
    if (e instanceof LabError) throw new InvalidArgumentError(e.message.replace(/^--[\w-]+ /, '') + '.');
    throw e;
  }
}

/** Raw simulate options as commander parses them. */
export interface RawSimulateOptions extends Omit<RawRunOptions, 'config' | 'quiet' | 'sharedFile'> {
  machines: number;
  delay: DelaySpec;
  loss?: number;
  partition?: Partition[];
  /** Parsed by the fault-flag parser shared with start-all (cli/faultSpec.ts); never `leader` here. */
  crash?: FaultSpec[];
  kill?: FaultSpec[];
  pause?: FaultSpec[];
  restart?: FaultSpec[];
  logs: boolean;
  check?: boolean;
  seeds?: number;
  connectRows?: number;
  injectBug?: string;
}

/** Where the command prints (stdout and stderr lines). */
export interface SimulateIo {
  out(line: string): void;
  err(line: string): void;
}

const stdio: SimulateIo = {
  out: (line) => {
    if (process.stdout.writable) process.stdout.write(line + '\n');
  },
  err: (line) => process.stderr.write(line + '\n'),
};

/** Quotes an argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:@,=+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function fmtMs(ms: number): string {
  return `${+(ms / 1000).toFixed(3)}s`;
}

/**
 * The command line that replays one seed of these options exactly. `check`: re-run the check of
 * that one seed (includes a test-only --inject-bug); otherwise: write its logs, to analyse.
 * Invariant: running it gives the same rows as the run it describes.
 */
export function replayCommand(raw: RawSimulateOptions, s: RunSettings, seed: number, check = false): string {
  const args = runSettingsToArgv(s, {
    command: 'simulate',
    machines: raw.machines,
    defaultDurationSec: DEFAULT_SIM_DURATION_SEC,
    fastTicks: raw.fastTicks,
    delay: raw.delay,
    loss: raw.loss,
    partitions: raw.partition,
    crash: raw.crash,
    kill: raw.kill,
    pause: raw.pause,
    restart: raw.restart,
    connectRows: raw.connectRows,
    check: check && { injectBug: raw.injectBug },
    seed,
  });
  return ['lamport-lab', 'simulate', ...args].map(shellQuote).join(' ');
}

/**
 * Test-only row corruption, enabled with LAMPORT_LAB_TEST_HOOKS=1, to prove that --check catches a
 * broken run. `lamport-skip`: on seeds divisible by 3, machine 1's first RECEIVE row claims one
 * more than the Lamport rule allows.
 */
function tamperFor(name: string | undefined): ((seed: number, rows: Map<MachineId, LogRow[]>) => void) | undefined {
  if (name === undefined) return undefined;
  if (name !== 'lamport-skip') throw new LabError('INVALID_OPTION', `--inject-bug "${name}": the only test bug is lamport-skip`);
  return (seed, rows) => {
    if (seed % 3 !== 0) return;
    const list = rows.get(1) ?? [];
    const i = list.findIndex((r) => r.event === 'RECEIVE');
    if (i >= 0) list[i] = { ...list[i]!, lamport: list[i]!.lamport + 1 };
  };
}

/** The scenario of simulate's fault flags: crashes and kills are both kills, in that order. */
export function simulateScenario(raw: RawSimulateOptions): Scenario {
  return scenarioOf({ process: [...(raw.crash ?? []), ...(raw.kill ?? []), ...(raw.restart ?? []), ...(raw.pause ?? [])], partitions: raw.partition ?? [] });
}

/** Process faults of one kind as machine@time (allowLeader=false in the parser guarantees numeric targets). */
function machineTimes(s: Scenario, kinds: readonly FaultSpec['kind'][]): MachineAt[] {
  return s.process.filter((f) => kinds.includes(f.kind)).map((f) => ({ id: f.who as MachineId, atMs: f.atMs }));
}

/**
 * What the simulator applies of a scenario: kills as crashes, restarts, pauses, two-way partitions.
 * Throws LabError INVALID_OPTION for a one-way partition (the simulated links are two-way).
 */
function simulatedFaults(s: Scenario): Pick<SimulationOptions, 'crashes' | 'restarts' | 'pauses' | 'partitions'> {
  const oneWay = s.partitions.find((p) => p.mode === 'one-way');
  if (oneWay) throw new LabError('INVALID_OPTION', `--partition "${oneWay.text}": the simulator takes two-way partitions only (groups split by |)`);
  return {
    crashes: machineTimes(s, ['crash', 'kill']),
    restarts: machineTimes(s, ['restart']),
    pauses: s.process.filter((f) => f.kind === 'pause').map((f) => ({ id: f.who as MachineId, atMs: f.atMs, untilMs: f.untilMs! })),
    partitions: s.partitions.filter(isTwoWay),
  };
}

/**
 * Runs `simulate` with parsed options; returns the exit status. Throws LabError for bad options
 * (unknown algorithm, faults naming machines outside 1..N, --restart of a running machine, ...).
 */
export function runSimulateCommand(raw: RawSimulateOptions, io: SimulateIo = stdio): number {
  if (raw.injectBug !== undefined && process.env[TEST_HOOKS_ENV] !== '1') {
    throw new LabError('INVALID_OPTION', `--inject-bug is a test-only option (set ${TEST_HOOKS_ENV}=1)`);
  }
  const n = raw.machines;
  const scenario = simulateScenario(raw);
  const faults = simulatedFaults(scenario);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const settings = resolveRunSettings({ ...raw, config: '' }, { machines: [{ id: 1, host: 'sim', port: 1 }] });
  const algorithm = (): ReturnType<typeof createAlgorithm> => createAlgorithm(settings.algorithm, settings.algorithmOptions);
  algorithm(); // validates the name before anything runs
  validateFaults(ids, faults.crashes!, faults.restarts!); // ... and the faults, before any file is touched
  for (const p of faults.partitions!) resolvePartitionGroups(p, ids);
  try {
    checkScenario(scenario, ids); // the ids of --kill/--pause too
  } catch (e) {
    throw e instanceof FaultSpecError ? new LabError('INVALID_OPTION', e.message) : e;
  }
  const durationMs = Math.round((settings.durationSec ?? DEFAULT_SIM_DURATION_SEC) * 1000);
  const sim: Omit<SimulationOptions, 'seed' | 'sink'> = {
    ids,
    algorithm,
    maxTickRate: settings.maxTickRate,
    tickRate: settings.tickRate,
    delay: delayModel(raw.delay),
    loss: raw.loss ?? 0,
    durationMs,
    ...faults,
    connectRowsUpTo: raw.connectRows ?? DEFAULT_CONNECT_ROWS_UP_TO,
  };
  const baseSeed = settings.seed ?? randomSeed();
  const what = `${n} machine${n === 1 ? '' : 's'}, algorithm ${settings.algorithm}, ${fmtMs(durationMs)} virtual`;

  if (raw.check) {
    const seeds = raw.seeds ?? DEFAULT_CHECK_SEEDS;
    if (baseSeed + seeds - 1 > 2147483646) throw new LabError('INVALID_OPTION', `--seed ${baseSeed} + --seeds ${seeds} goes past the largest seed 2147483646`);
    io.out(`simulate --check: seeds ${baseSeed}..${baseSeed + seeds - 1} (replay the batch with --seed ${baseSeed} --seeds ${seeds}), ${what} each, no files written`);
    const t0 = performance.now();
    const result = checkSeeds({
      simulation: sim,
      firstSeed: baseSeed,
      seeds,
      tamper: tamperFor(raw.injectBug),
      onSeed: (seed, failure) => {
        if (!failure) return;
        io.out(`FAIL seed ${seed}: ${failure.failed.map((c) => `${c.name} (${c.violations})`).join(', ')}`);
        for (const c of failure.failed) {
          const ex = c.examples[0];
          if (ex) io.out(`  ${c.name}: ${ex.where}: ${ex.message}`);
        }
        io.out(`  replay: ${replayCommand(raw, settings, seed, true)}`);
        io.out(`  logs:   ${replayCommand(raw, settings, seed)} && lamport-lab analyze --log-dir ${shellQuote(settings.logDir)}`);
      },
    });
    const wall = (performance.now() - t0) / 1000;
    const rate = Math.round(result.events / Math.max(wall, 1e-9));
    io.out(
      `simulate --check: ${result.seedsRun} seeds, ${result.failures.length} failed; ${result.events} events, ${result.rows} rows in ${wall.toFixed(2)} s wall (${rate} events/s)`,
    );
    return result.failures.length ? EXIT_FAILED : EXIT_OK;
  }

  if (raw.injectBug !== undefined) throw new LabError('INVALID_OPTION', '--inject-bug only applies with --check');
  let logDir: SimLogDir | null = null;
  io.out(`simulate: ${what}, seed ${baseSeed} (replay with --seed ${baseSeed}), ${raw.logs ? `logs in ${settings.logDir}/` : 'no logs'}`);
  if (raw.logs) {
    const archived = archiveRun(settings.logDir);
    if (archived.length) io.out(`simulate: earlier logs moved to ${archived.join(', ')}`);
    logDir = new SimLogDir(settings.logDir, ids);
  }
  const dir = logDir;
  const t0 = performance.now();
  // the mutex algorithms' shared resource: critical_section.log beside the logs, as in a real run
  const shared = dir && usesSharedResource(settings.algorithm) ? dir.sharedResource() : undefined;
  const result = runSimulation({ ...sim, seed: baseSeed, sink: dir ? (id) => dir.sink(id) : () => DISCARD_SINK, ...(shared ? { sharedResource: shared } : {}) });
  const wall = (performance.now() - t0) / 1000;
  dir?.close();
  const c = (e: string): number => result.counts.get(e) ?? 0;
  const rate = Math.round(result.events / Math.max(wall, 1e-9));
  if (n <= 20) {
    const names = [...result.counts.keys()].filter((e) => !['START', 'READY', 'STOP', 'CONNECT', 'DISCONNECT'].includes(e)).sort();
    const rows = result.machines.map((m) => [
      m.id,
      m.tickRate,
      ...names.map((e) => m.engine.counts.get(e) ?? 0),
      m.engine.clock.lamport,
      m.engine.maxQueue,
      m.crashed ? 'crashed' : m.starts > 1 ? `restarted x${m.starts - 1}` : 'ran',
    ]);
    io.out('');
    io.out(table(['machine', 'tick_rate', ...names.map((e) => e.toLowerCase()), 'lamport', 'max_queue', 'status'], rows));
    if (result.machines.some((m) => m.starts > 1)) io.out('(counts and max_queue of restarted machines: since their last restart)');
    io.out('');
  }
  io.out(
    `simulate: ${n} machines, ${fmtMs(result.virtualMs)} virtual, ${result.events} events in ${wall.toFixed(3)} s wall (${rate} events/s); ` +
      `messages: ${c('SEND')} sends, ${result.copies} copies on the wire, ${result.delivered} delivered, ${c('DROP')} drops, ${result.lost} lost, ${result.pendingAtEnd} queued at end (in flight or in a receive queue when the run stopped)` +
      (dir ? `; ${dir.rows} rows` : ''),
  );
  io.out(`simulate: seed ${baseSeed}`);
  return EXIT_OK;
}

/** Registers `simulate` on the program. */
export function registerSimulate(program: Command, setExit: SetExit): void {
  const cmd = program
    .command('simulate')
    .description('run N machines in one process under virtual time over a seeded in-memory network (fast, deterministic)')
    .option('--machines <n>', `number of machines, ids 1..n in ring order (1..${MAX_SIM_MACHINES})`, intIn(1, MAX_SIM_MACHINES), 3)
    .option('--algorithm <name>', `algorithm to run (default ${BUILTIN.algorithm})`)
    .option('--duration <s>', `virtual seconds to simulate (default ${DEFAULT_SIM_DURATION_SEC})`, seconds)
    .option('--seed <n>', 'seed for all randomness (default: random, printed)', intIn(0, 2147483646))
    .option('--max-tick-rate <n>', `upper bound of the random tick rate, 1..${MODEL_MAX_TICK_RATE} (default ${BUILTIN.maxTickRate})`, intIn(1, MODEL_MAX_TICK_RATE))
    .option('--tick-rate <n>', `fixed tick rate per second, 1..${MODEL_MAX_TICK_RATE} (1..${FAST_MAX_TICK_RATE} with --fast-ticks)`, integer)
    .option('--fast-ticks', 'allow --tick-rate above the model range')
    .option('--internal-max <n>', `event draw range 1..n: 1-3 send, the rest internal (default ${BUILTIN.internalMax})`, intIn(1, 1000))
    .addOption(
      new Option('--delay <spec>', 'message delay: uniform:A-Bms, fixed:Dms or exp:Mms (mean); the unit (ms, s, m) is required')
        .argParser(delaySpecOption)
        .default(DEFAULT_SIM_DELAY, formatDelaySpec(DEFAULT_SIM_DELAY)),
    )
    .option('--loss <p>', 'probability each message copy is lost in flight', numberIn(0, 1))
    .option('--partition <spec>', 'links between groups down in a window, e.g. "1,2|3@10s-20s" (repeatable; unnamed machines form one more group)', partitionOption)
    .option('--crash <id@time>', 'crash a machine like SIGKILL, e.g. 2@5s (repeatable)', faultOption('crash', false))
    .option('--kill <id@time>', `${faultHelp('kill', false)}; in virtual time, as --crash`, faultOption('kill', false))
    .option('--pause <id@start-end>', `${faultHelp('pause', false)}; in virtual time: no ticks, no deliveries meanwhile`, faultOption('pause', false))
    .option('--restart <id@time>', 'restart a crashed machine, continuing its log and clocks, e.g. 2@9s (repeatable)', faultOption('restart', false))
    .option('--log-dir <dir>', `directory for log_<id>.csv (default ${BUILTIN.logDir}; earlier runs are archived)`, nonEmptyPath)
    .option('--no-logs', 'write no log files (fastest; summary only)')
    .option('--check', 'run many seeds in memory and check every invariant; exit 1 if any seed fails')
    .option('--seeds <n>', `with --check: how many seeds, from --seed on (default ${DEFAULT_CHECK_SEEDS})`, intIn(1))
    .option('--connect-rows <n>', `log a CONNECT row per peer at startup only up to n machines (default ${DEFAULT_CONNECT_ROWS_UP_TO})`, intIn(0, MAX_SIM_MACHINES));
  // the algorithms' options as their modules declare them; no shared resource file in memory
  addAlgorithmOptions(cmd, ['sharedFile'])
    // test-only (needs LAMPORT_LAB_TEST_HOOKS=1): corrupts rows so tests can prove --check fails
    .addOption(new Option('--inject-bug <name>').hideHelp())
    .addHelpText(
      'after',
      `
Network semantics: per-link FIFO; --loss drops copies silently (analysis counts them as lost); a
link is down while either end is crashed or a partition separates them: sends on it are DROP rows,
both ends log DISCONNECT when it goes down (messages in flight on it are lost) and CONNECT when it
comes back. A crash writes no STOP row and loses the machine's queue; a restart continues the log
with a new START row, the same tick rate, and the clocks and msg numbering where they were.
Above --connect-rows machines, startup logs READY peers=N-1 instead of N-1 CONNECT rows per machine.
Times in specs: 5 or 5s (seconds), 500ms, 2m. Virtual time starts at 2026-01-01T00:00:00Z.`,
    )
    .action((raw: RawSimulateOptions) => {
      setExit(runSimulateCommand(raw));
    });
}

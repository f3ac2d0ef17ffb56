/**
 * `lamport-lab check`: the model checker (src/check) on the algorithms' own code. Explores every
 * interleaving of ticks, deliveries and (with --faults) crashes, restarts, losses and partitions
 * up to --depth / --max-states, checks the properties in every state, and on a violation writes
 * the counterexample as a run: log_<id>.csv (same schema; earlier logs in --out are archived
 * first), faults.csv when it has faults, and trace.txt (one numbered step per line), so analyze,
 * report and export open it. Exit 0 when the explored space holds, 1 on a violation, 2 on bad input.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { type AlgorithmOptions, DEFAULT_ALGORITHM_OPTIONS, algorithmNames } from '../../algorithms/registry.js';
import { FAULTS_FILE, FAULT_COLUMNS, faultCells } from '../../core/faultsFile.js';
import { LabError } from '../../core/errors.js';
import type { MachineId } from '../../core/types.js';
import { STRATEGIES, type ExploreStats, type Strategy } from '../../check/explore.js';
import { DEFAULT_DEPTH, DEFAULT_MAX_STATES, DEFAULT_TICK_MS, parseFaults, runCheck, type CheckResult } from '../../check/run.js';
import { archiveFiles, archiveRun } from '../../runtime/log/archive.js';
import { LOG_HEADER, formatRow } from '../../runtime/log/csvLog.js';
import { EXIT_FAILED, EXIT_OK } from '../exitCodes.js';
import type { SetExit } from '../program.js';
import { intIn, numberIn, seconds } from '../parsers.js';

interface RawCheckOptions {
  algorithm: string;
  machines: number;
  depth: number;
  faults: string;
  maxFaults: number;
  maxStates: number;
  strategy: Strategy;
  out: string;
  seed: number;
  walks?: number;
  maxRequests?: number;
  tickMs: number;
  csProbability?: number;
  csTicks?: number;
  failureTimeout?: number;
  heartbeat?: number;
  leaderTimeout?: number;
  retransmitMs?: number;
  json?: boolean;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function algorithmOptions(raw: RawCheckOptions, n: number): AlgorithmOptions {
  const d = DEFAULT_ALGORITHM_OPTIONS;
  // ranks are fixed to the machine ids (the highest id ranks highest): the rank draw is not explored
  const ranks = new Map<number, number>(Array.from({ length: n }, (_, i) => [i + 1, i + 1]));
  return {
    ...d,
    csProbability: raw.csProbability ?? d.csProbability,
    csTicks: raw.csTicks ?? d.csTicks,
    failureTimeoutMs: raw.failureTimeout !== undefined ? Math.round(raw.failureTimeout * 1000) : d.failureTimeoutMs,
    heartbeatMs: raw.heartbeat !== undefined ? Math.round(raw.heartbeat * 1000) : d.heartbeatMs,
    leaderTimeoutMs: raw.leaderTimeout !== undefined ? Math.round(raw.leaderTimeout * 1000) : d.leaderTimeoutMs,
    ...(raw.retransmitMs !== undefined ? { retransmitMs: raw.retransmitMs } : {}),
    ranks,
  };
}

/** Writes the counterexample into `dir` (earlier run files archived first); returns the files written. */
function writeCounterexample(dir: string, result: CheckResult): string[] {
  const cx = result.counterexample!;
  const archived = existsSync(dir) ? archiveRun(dir) : [];
  const tracePath = join(dir, 'trace.txt');
  if (existsSync(tracePath)) archiveFiles(dir, [tracePath]);
  const written: string[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    for (const [id, rows] of cx.rows) {
      const path = join(dir, `log_${id}.csv`);
      writeFileSync(path, LOG_HEADER + rows.map(formatRow).join(''));
      written.push(path);
    }
    if (cx.faults.length) {
      const path = join(dir, FAULTS_FILE);
      writeFileSync(path, stringify([[...FAULT_COLUMNS], ...cx.faults.map((f) => faultCells(f))]));
      written.push(path);
    }
    writeFileSync(tracePath, cx.trace.join('\n') + '\n');
    written.push(tracePath);
  } catch (e) {
    throw new LabError('IO_ERROR', `cannot write the counterexample into ${dir} (${(e as Error).message})`);
  }
  if (archived.length) process.stderr.write(`check: earlier logs moved to ${archived.join(', ')}\n`);
  return written;
}

function statsLine(s: ExploreStats): string {
  return `${fmt(s.distinct)} distinct states, ${fmt(s.explored)} expanded, ${fmt(s.transitions)} transitions, depth ${s.depthReached}`;
}

/** Runs `check` with parsed options; returns the exit status. */
export function runCheckCommand(raw: RawCheckOptions): number {
  if (!algorithmNames().includes(raw.algorithm)) {
    throw new LabError('INVALID_OPTION', `unknown algorithm "${raw.algorithm}" (choose from: ${algorithmNames().join(', ')})`);
  }
  const faults = parseFaults(raw.faults, raw.maxFaults);
  const tty = process.stderr.isTTY === true && !raw.json;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let progressShown = false;
  const result = runCheck({
    algorithm: raw.algorithm,
    machines: raw.machines,
    algorithmOptions: algorithmOptions(raw, raw.machines),
    faults,
    strategy: raw.strategy,
    maxDepth: raw.depth,
    maxStates: raw.maxStates,
    tickMs: raw.tickMs,
    seed: raw.seed,
    ...(raw.walks !== undefined ? { walks: raw.walks } : {}),
    ...(raw.maxRequests !== undefined ? { maxRequests: raw.maxRequests } : {}),
    now: () => performance.now(),
    ...(tty
      ? {
          onProgress: (p: ExploreStats) => {
            progressShown = true;
            process.stderr.write(`\rcheck: ${statsLine(p)}, frontier ${fmt(p.frontier)}, ${fmt(p.statesPerSec)} states/s ...\x1b[K`);
          },
        }
      : {}),
  });
  if (progressShown) process.stderr.write('\r\x1b[K');
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const s = result.stats;
  const faultText = raw.faults === 'none' ? 'none' : `${raw.faults} (at most ${raw.maxFaults})`;
  let written: string[] = [];
  if (result.counterexample) written = writeCounterexample(raw.out, result);
  if (raw.json) {
    process.stdout.write(
      JSON.stringify(
        {
          algorithm: raw.algorithm,
          machines: raw.machines,
          faults: faultText,
          strategy: raw.strategy,
          ...s,
          wallSeconds: wallS,
          cpuSeconds: cpuS,
          statesPerCpuSecond: s.distinct / Math.max(cpuS, 1e-9),
          peakRssMiB,
          properties: result.properties.names,
          abstraction: result.abstraction.notes,
          violation: result.violation ? { ...result.violation.finding, steps: result.violation.path.length } : null,
          written,
        },
        null,
        2,
      ) + '\n',
    );
    return result.violation ? EXIT_FAILED : EXIT_OK;
  }
  const out = (line: string): void => {
    process.stdout.write(line + '\n');
  };
  const bound = raw.maxRequests !== undefined ? `, at most ${raw.maxRequests} requests per machine` : '';
  out(`check: ${raw.algorithm}, ${raw.machines} machines, faults ${faultText}, ${raw.strategy}, tick ${raw.tickMs} ms${bound}, depth ≤ ${raw.depth}, at most ${fmt(raw.maxStates)} states`);
  const how =
    s.stoppedBy === 'exhausted'
      ? 'exhausted: yes (every reachable abstract state explored)'
      : s.stoppedBy === 'violation'
        ? 'stopped at the first violation'
        : s.stoppedBy === 'depth'
          ? `exhausted: no (states at depth ${raw.depth} not expanded)`
          : s.stoppedBy === 'max-states'
            ? `exhausted: no (stopped at --max-states ${fmt(raw.maxStates)})`
            : `exhausted: no (random walks)`;
  out(`check: ${statsLine(s)}; ${how}`);
  out(`check: ${wallS.toFixed(2)} s (CPU ${cpuS.toFixed(2)} s), ${fmt(s.distinct / Math.max(wallS, 1e-9))} states/s (${fmt(s.distinct / Math.max(cpuS, 1e-9))} per CPU second), peak RSS ${peakRssMiB.toFixed(0)} MiB`);
  out(`check: abstraction: ${result.abstraction.notes.join('; ')}; no symmetry reduction (machine ids break ties)`);
  if (!result.violation) {
    out(`check: every property holds on the explored space: ${result.properties.names.map((p) => p.name).join(', ')}`);
    out('check: not checked: liveness (that every request is granted, that every election ends)');
    return EXIT_OK;
  }
  const v = result.violation;
  out(`check: VIOLATION ${v.finding.property}: ${v.finding.message} (after ${v.path.length} steps)`);
  const replayed = result.counterexample!.finding;
  if (!replayed || replayed.property !== v.finding.property) out(`check: warning: the replay ended in ${replayed ? replayed.property : 'no violation'} (please report)`);
  out(`check: counterexample: ${written.join(', ')}`);
  out(`check: see it with: lamport-lab analyze --log-dir ${raw.out}   (or report / export --format shiviz)`);
  return EXIT_FAILED;
}

export function registerCheck(program: Command, setExit: SetExit): void {
  program
    .command('check')
    .description('model-check an algorithm: explore every interleaving (and fault) on its own code; a violation is written as a run')
    .addOption(new Option('--algorithm <name>', 'algorithm to check').choices(algorithmNames()).default('mutex'))
    .option('--machines <n>', 'number of machines, ids 1..n (2..8)', intIn(2, 8), 3)
    .option('--depth <d>', `most steps from the start (default ${DEFAULT_DEPTH})`, intIn(0), DEFAULT_DEPTH)
    .option('--faults <list>', 'none, or a comma list of crash (and restart), partition (and heal), drop', 'none')
    .option('--max-faults <k>', 'most fault steps (crash, drop, partition) along one run', intIn(0, 100), 1)
    .option('--max-states <k>', `stop after this many distinct states (default ${DEFAULT_MAX_STATES})`, intIn(1), DEFAULT_MAX_STATES)
    .addOption(new Option('--strategy <s>', 'bfs (a shortest counterexample), dfs, random-walk').choices([...STRATEGIES]).default('bfs'))
    .option('--out <dir>', 'where a counterexample goes (log_<id>.csv, trace.txt; earlier run files are archived)', 'logs')
    .option('--seed <n>', 'random-walk: seed of the walks', intIn(0, 2147483646), 1)
    .option('--walks <n>', 'random-walk: most walks (default 1000)', intIn(1))
    .option('--max-requests <k>', 'mutex algorithms: each machine requests at most k times (a bound that makes the space finite)', intIn(0))
    .option('--tick-ms <ms>', `virtual ms one tick stands for (default ${DEFAULT_TICK_MS})`, numberIn(1, 60_000), DEFAULT_TICK_MS)
    .option('--cs-probability <p>', 'mutex: chance an idle machine requests per tick; both outcomes are explored when 0 < p < 1 (default 0.2)', numberIn(0, 1))
    .option('--cs-ticks <n>', 'mutex: ticks the critical section is held (default 2)', intIn(1))
    .option('--failure-timeout <s>', 'mutex: seconds a peer may be unreachable before it is dropped (default 3)', seconds)
    .option('--retransmit-ms <ms>', 'mutex: re-send a REQUEST after this many ms without progress (default: off in check, see README)', numberIn(1, 3_600_000))
    .option('--heartbeat <s>', 'election: seconds between leader checks (default 1)', seconds)
    .option('--leader-timeout <s>', 'election: seconds without an answer before an election (default 5)', seconds)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
The model: states are every machine's algorithm state and clocks, the messages in flight per
directed link (FIFO) and which links are up; steps are a machine's tick (time passes only by
ticks: ctx.now = ticks × --tick-ms, so machines run at any relative speed), the delivery of a
link's head message, and with --faults a crash or restart, the loss of a link's head message, a
partition or its heal. Every random draw is explored (both outcomes of a chance, every value of an
int). Ranks of election machines are their ids. Exit 0: every property holds on the explored
space; 1: a violation (counterexample written to --out); 2: bad input.`,
    )
    .action((raw: RawCheckOptions) => {
      setExit(runCheckCommand(raw));
    });
}

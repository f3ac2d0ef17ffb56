/**
 * What a report header needs to make a run reproducible: the seeds, tick rates, algorithm and its
 * options from the START rows, the run's date and duration, the fault windows (faults.csv, or the
 * gaps a crash leaves in a log), and the command line that replays the run. Pure.
 *
 * The run's base seed is not logged, only each machine's `deriveSeed(base, id)`; deriveSeed is a
 * bijection up to its final `% (2^31 − 1)`, so the base seed is recovered exactly by inverting it
 * and checking the candidate against every machine's seed.
 */
import { parseDetail } from '../core/logRow.js';
import { Rng, deriveSeed } from '../core/rng.js';
import type { MachineId } from '../core/types.js';
import type { FaultRecord } from './electionChecks.js';
import { peerListIncludes, type Run } from './run.js';

/** One machine's first START row. */
export interface MachineStart {
  readonly id: MachineId;
  readonly seed: number | null;
  readonly tickRate: number | null;
  /** Number of START rows (restarts + 1). */
  readonly starts: number;
}

/** A time window of a fault, epoch ms. `to` null: still in force at the end of the run. */
export interface FaultWindow {
  readonly kind: 'kill' | 'pause' | 'partition';
  /** null for a partition (it concerns links, not one machine). */
  readonly machine: MachineId | null;
  readonly from: number;
  readonly to: number | null;
  /** e.g. `kill m2 (spec 2@5)`, `partition 1,2|3`. */
  readonly label: string;
  /** Where the window comes from: faults.csv, or a crash gap in the machine's own log. */
  readonly source: 'faults.csv' | 'log';
}

export interface RunInfo {
  readonly algorithm: string | null;
  /** 'simulate' when the START rows say mode=simulated, 'start-all' otherwise. */
  readonly command: 'simulate' | 'start-all';
  readonly machines: readonly MachineStart[];
  /** The seed given to start-all / simulate, recovered from the machines' seeds; null if none fits. */
  readonly baseSeed: number | null;
  /** epoch ms of the first row and of the last row. */
  readonly startEpochMs: number;
  readonly endEpochMs: number;
  /** Ticking time: from the last machine's first START to the first clean STOP (ms). */
  readonly durationMs: number;
  readonly faults: readonly FaultWindow[];
  /** The command line that replays the run (as far as the logs record it). */
  readonly replay: string;
  /** What the replay command could not recover from the logs. */
  readonly notes: readonly string[];
}

// ---- inverting deriveSeed (core/rng.ts) ----
const GOLDEN = 0x9e3779b9;
const M1 = 0x85ebca6b;
const M2 = 0xc2b2ae35;
const LABEL_MUL = 0x27d4eb2d;

/** Multiplicative inverse of an odd number modulo 2^32 (Newton iteration). */
function inverseOdd(a: number): number {
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, (2 - Math.imul(a, x)) | 0);
  return x;
}
const M1_INV = inverseOdd(M1);
const M2_INV = inverseOdd(M2);

/** Inverse of core/rng.ts's splitmix32 (a bijection on 32-bit values). */
export function unsplitmix32(y: number): number {
  let z = y | 0;
  z = z ^ (z >>> 16);
  z = Math.imul(z, M2_INV);
  z = z ^ (z >>> 13) ^ (z >>> 26);
  z = Math.imul(z, M1_INV);
  z = z ^ (z >>> 16);
  return ((z - GOLDEN) | 0) >>> 0;
}

/** Every seed s in 0..2147483646 with deriveSeed(s, label) === derived. */
export function seedsDeriving(derived: number, label: number): number[] {
  const out: number[] = [];
  for (let v = derived; v < 2 ** 32; v += 2147483647) {
    const inner = (unsplitmix32(v) ^ Math.imul(label | 0, LABEL_MUL)) >>> 0;
    const s = unsplitmix32(inner);
    if (s <= 2147483646 && deriveSeed(s, label) === derived) out.push(s);
  }
  return out;
}

/** The base seed every machine's seed derives from (by machine id), or null. */
export function recoverBaseSeed(machines: readonly { id: MachineId; seed: number | null }[]): number | null {
  const known = machines.filter((m): m is { id: MachineId; seed: number } => m.seed !== null);
  if (known.length === 0) return null;
  const first = known[0]!;
  for (const s of seedsDeriving(first.seed, first.id)) if (known.every((m) => deriveSeed(s, m.id) === m.seed)) return s;
  return null;
}

/** The tick-rate flags that give every machine its logged rate from its seed (setupMachine's draw). */
function tickRateFlags(machines: readonly MachineStart[]): string[] | null {
  const known = machines.filter((m) => m.seed !== null && m.tickRate !== null);
  if (known.length === 0) return [];
  const fits = (min: number, max: number): boolean => known.every((m) => new Rng(m.seed!).int(min, max) === m.tickRate);
  if (fits(1, 6)) return [];
  for (let max = 6; max >= 1; max--) for (let min = 1; min <= max; min++) if (fits(min, max)) return [...(min !== 1 ? ['--min-tick-rate', String(min)] : []), ...(max !== 6 ? ['--max-tick-rate', String(max)] : [])];
  const rate = known[0]!.tickRate!;
  if (known.every((m) => m.tickRate === rate)) return ['--tick-rate', String(rate), ...(rate > 6 ? ['--fast-ticks'] : [])];
  return null;
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function secondsText(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/**
 * Fault windows: from faults.csv when given (kill → restart or end, pause → resume or end,
 * partition → heal or end), else from the logs alone (a machine is down from its last row before a
 * restart's START, or before a log that ends without STOP, to that START or the end).
 */
export function faultWindows(run: Run, faults: readonly FaultRecord[] | null, endEpochMs: number): FaultWindow[] {
  const out: FaultWindow[] = [];
  if (faults) {
    const openKill = new Map<MachineId, { from: number; spec: string }>();
    const openPause = new Map<MachineId, { from: number; spec: string }>();
    let partitionFrom: number | null = null;
    let partitionSpecs: string[] = [];
    for (const f of faults) {
      const d = parseDetail(f.detail);
      const spec = d.get('spec') ?? '';
      if (f.fault === 'kill' && f.machine !== null) openKill.set(f.machine, { from: f.epochMs, spec });
      else if (f.fault === 'restart' && f.machine !== null) {
        const k = openKill.get(f.machine);
        if (k) out.push({ kind: 'kill', machine: f.machine, from: k.from, to: f.epochMs, label: `kill m${f.machine} (${k.spec})`, source: 'faults.csv' });
        openKill.delete(f.machine);
      } else if (f.fault === 'pause' && f.machine !== null) openPause.set(f.machine, { from: f.epochMs, spec });
      else if (f.fault === 'resume' && f.machine !== null) {
        const p = openPause.get(f.machine);
        if (p) out.push({ kind: 'pause', machine: f.machine, from: p.from, to: f.epochMs, label: `pause m${f.machine} (${p.spec})`, source: 'faults.csv' });
        openPause.delete(f.machine);
      } else if (f.fault === 'partition') {
        const active = Number(d.get('active') ?? '1');
        if (partitionFrom === null) partitionFrom = f.epochMs;
        if (!partitionSpecs.includes(spec)) partitionSpecs.push(spec);
        if (active === 0) partitionFrom = null;
      } else if (f.fault === 'heal') {
        const active = Number(d.get('active') ?? '0');
        if (active === 0 && partitionFrom !== null) {
          out.push({ kind: 'partition', machine: null, from: partitionFrom, to: f.epochMs, label: `partition ${partitionSpecs.join(' + ')}`, source: 'faults.csv' });
          partitionFrom = null;
          partitionSpecs = [];
        }
      }
    }
    for (const [m, k] of openKill) out.push({ kind: 'kill', machine: m, from: k.from, to: null, label: `kill m${m} (${k.spec})`, source: 'faults.csv' });
    for (const [m, p] of openPause) out.push({ kind: 'pause', machine: m, from: p.from, to: null, label: `pause m${m} (${p.spec})`, source: 'faults.csv' });
    if (partitionFrom !== null) out.push({ kind: 'partition', machine: null, from: partitionFrom, to: null, label: `partition ${partitionSpecs.join(' + ')}`, source: 'faults.csv' });
  } else {
    run.machines.forEach((log, m) => {
      const { length, event, epochMs } = run.cols[m]!;
      for (let i = 1; i < length; i++) {
        if (event[i] === 'START' && event[i - 1] !== 'STOP') {
          const from = crashInstant(run, log.machine, epochMs[i - 1]!, epochMs[i]!);
          out.push({ kind: 'kill', machine: log.machine, from, to: epochMs[i]!, label: `m${log.machine} down (crash gap in ${log.file})`, source: 'log' });
        }
      }
      const last = length - 1;
      if (length > 0 && event[last] !== 'STOP' && epochMs[last]! < endEpochMs) {
        out.push({ kind: 'kill', machine: log.machine, from: crashInstant(run, log.machine, epochMs[last]!, Infinity), to: null, label: `m${log.machine} down (log ends without STOP)`, source: 'log' });
      }
    });
  }
  return out.sort((a, b) => a.from - b.from);
}

/**
 * When a machine whose log stops at `lastRow` crashed: the first DISCONNECT from it that a peer
 * logged in [lastRow, before), else its last row.
 */
function crashInstant(run: Run, machine: MachineId, lastRow: number, before: number): number {
  let best = Infinity;
  const id = String(machine);
  run.machines.forEach((log, m) => {
    if (log.machine === machine) return;
    const { length, event, epochMs, peer } = run.cols[m]!;
    for (let i = 0; i < length; i++) {
      const t = epochMs[i]!;
      if (event[i] === 'DISCONNECT' && t >= lastRow && t < before && t < best && peerListIncludes(peer[i]!, id)) best = t;
    }
  });
  return best === Infinity ? lastRow : best;
}

/** Flags for the faults of faults.csv, as start-all takes them (each spec once). */
function faultFlags(faults: readonly FaultRecord[]): string[] {
  const flags: string[] = [];
  const seen = new Set<string>();
  const add = (flag: string, value: string): void => {
    const key = `${flag} ${value}`;
    if (value === '' || seen.has(key)) return;
    seen.add(key);
    flags.push(flag, value);
  };
  for (const f of faults) {
    const d = parseDetail(f.detail);
    const spec = d.get('spec') ?? '';
    switch (f.fault) {
      case 'kill':
      case 'restart':
      case 'pause':
        add(`--${f.fault}`, spec);
        break;
      case 'skipped': {
        const action = d.get('action');
        if (action === 'kill' || action === 'restart' || action === 'pause') add(`--${action}`, spec);
        break;
      }
      case 'partition':
      case 'heal':
        add('--partition', spec);
        break;
      case 'delay': {
        const link = d.get('link') ?? '*>*';
        add('--delay', link === '*>*' ? spec : `${link}=${spec}`);
        break;
      }
      case 'loss': {
        const link = d.get('link') ?? '*>*';
        const p = d.get('p') ?? '';
        if (p) add('--loss', link === '*>*' ? p : `${link}=${p}`);
        break;
      }
    }
  }
  return flags;
}

/** Algorithm flags whose values differ from the defaults, from the START detail. */
function algorithmFlags(detail: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const flag = (key: string, name: string, dflt: string, scale = 1): void => {
    const v = detail.get(key);
    if (v === undefined) return;
    const value = scale === 1 ? v : String(Number(v) / scale);
    if (value !== dflt) out.push(name, value);
  };
  flag('internal_max', '--internal-max', '10');
  flag('cs_probability', '--cs-probability', '0.2');
  flag('cs_ticks', '--cs-ticks', '2');
  flag('failure_timeout_ms', '--failure-timeout', '3', 1000);
  flag('heartbeat_ms', '--heartbeat', '1', 1000);
  flag('leader_timeout_ms', '--leader-timeout', '5', 1000);
  return out;
}

/** Builds the run's header facts and its replay command. O(rows). */
export function runInfo(run: Run, faults: readonly FaultRecord[] | null): RunInfo {
  let startEpochMs = Infinity;
  let endEpochMs = -Infinity;
  let lastFirstStart = -Infinity;
  let firstStop = Infinity;
  let simulated = false;
  let firstDetail: Map<string, string> | null = null;
  const machines: MachineStart[] = [];
  run.machines.forEach((log, m) => {
    const { length, event, epochMs, detail } = run.cols[m]!;
    if (length) {
      startEpochMs = Math.min(startEpochMs, epochMs[0]!);
      endEpochMs = Math.max(endEpochMs, epochMs[length - 1]!);
    }
    let seed: number | null = null;
    let tickRate: number | null = null;
    let starts = 0;
    for (let i = 0; i < length; i++) {
      const ev = event[i]!;
      if (ev === 'START') {
        starts++;
        if (starts === 1) {
          const d = parseDetail(detail[i]!);
          firstDetail ??= d;
          const s = Number(d.get('seed'));
          const t = Number(d.get('tick_rate'));
          seed = d.has('seed') && Number.isInteger(s) ? s : null;
          tickRate = d.has('tick_rate') && Number.isFinite(t) ? t : null;
          if (d.get('mode') === 'simulated') simulated = true;
          lastFirstStart = Math.max(lastFirstStart, epochMs[i]!);
        }
      } else if (ev === 'STOP') firstStop = Math.min(firstStop, epochMs[i]!);
    }
    machines.push({ id: log.machine, seed, tickRate, starts });
  });
  if (startEpochMs === Infinity) startEpochMs = endEpochMs = 0;
  const durationMs = Number.isFinite(firstStop) && Number.isFinite(lastFirstStart) ? Math.max(0, firstStop - lastFirstStart) : endEpochMs - startEpochMs;
  const baseSeed = recoverBaseSeed(machines);
  const notes: string[] = [];
  const args: string[] = ['npx', 'lamport-lab'];
  const command = simulated ? 'simulate' : 'start-all';
  args.push(command);
  if (simulated) {
    const ids = run.layout;
    args.push('--machines', String(ids.length));
    if (ids.some((id, k) => id !== k + 1)) notes.push(`simulate numbers machines 1..n; this run's ids are ${ids.join(',')}`);
  } else {
    notes.push('the config file is not recorded in the logs: use the one of the run (hosts and ports do not change the seeded draws)');
  }
  if (run.algorithm && run.algorithm !== 'workload') args.push('--algorithm', run.algorithm);
  const rates = tickRateFlags(machines);
  if (rates === null) notes.push('no --min/--max-tick-rate gives every machine its logged tick rate from its seed');
  else args.push(...rates);
  if (firstDetail) args.push(...algorithmFlags(firstDetail));
  if (baseSeed !== null) args.push('--seed', String(baseSeed));
  else if (machines.some((m) => m.seed !== null)) notes.push(`the machines' seeds do not derive from one --seed (three-terminal run?): run-machine <id> --seed <its seed> per machine, seeds ${machines.map((m) => `m${m.id}=${m.seed ?? '?'}`).join(' ')}`);
  else notes.push('the START rows name no seed');
  const durationS = Math.round(durationMs / 1000);
  if (durationS > 0) args.push('--duration', String(durationS));
  if (faults) args.push(...faultFlags(faults));
  else if (simulated) {
    for (const w of faultWindows(run, null, endEpochMs)) {
      args.push('--crash', `${w.machine}@${secondsText(w.from - startEpochMs)}s`);
      if (w.to !== null) args.push('--restart', `${w.machine}@${secondsText(w.to - startEpochMs)}s`);
    }
    notes.push('simulate does not log its --delay, --loss and --partition options (add them as they were given); crash times are those of the peers\' DISCONNECT rows (or the last row before the crash)');
  }
  if (!simulated && !faults) notes.push('no faults.csv beside the logs: no faults were injected, or it was not kept');
  return {
    algorithm: run.algorithm,
    command,
    machines,
    baseSeed,
    startEpochMs,
    endEpochMs,
    durationMs,
    faults: faultWindows(run, faults, endEpochMs),
    replay: args.map(shellQuote).join(' '),
    notes,
  };
}

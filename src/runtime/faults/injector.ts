/**
 * Applies a fault plan to running machines (start-all): at each action's time after the machines
 * are ready, SIGKILL, restart (Supervisor.restart: run-machine --append), SIGSTOP or SIGCONT a
 * machine, print what happened and record it in faults.csv. `leader` resolves when the fault fires
 * to the machine most live machines follow (children report their leader over IPC); `restart
 * leader` restarts the machine last killed as leader. Works with every algorithm: with one that
 * elects no leader, `leader` faults are recorded as skipped.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { LabError } from '../../core/errors.js';
import { type FaultEntry, FAULTS_FILE, FAULT_COLUMNS, faultCells } from '../../core/faultsFile.js';
import type { MachineId } from '../../core/types.js';
import type { ChildMessage } from '../ipc.js';
import { type FaultAction, type FaultSpec, schedulePlan } from '../../faults/process.js';

/** One injected (or skipped) fault: a row of faults.csv (core/faultsFile.ts owns the format). */
export type { FaultEntry } from '../../core/faultsFile.js';

/**
 * faults.csv beside the logs, written like the logs (csv-stringify sync + writeSync): every entry is
 * in the OS when record() returns. Created (truncated) with its header on construction.
 */
export class FaultLog {
  private fd: number | null;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, 'w');
      writeSync(this.fd, stringify([[...FAULT_COLUMNS]]));
    } catch (e) {
      throw new LabError('IO_ERROR', `${path}: cannot write the fault log (${(e as Error).message})`);
    }
  }

  record(e: FaultEntry): void {
    if (this.fd === null) return;
    writeSync(this.fd, stringify([faultCells(e)]));
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Who follows whom, as the children report it. Invariant: only the latest report per machine counts;
 * a machine forgotten (killed, restarted) counts again once it reports.
 */
export class LeaderView {
  private readonly follows = new Map<MachineId, MachineId | null>();

  update(id: MachineId, leader: MachineId | null): void {
    this.follows.set(id, leader);
  }

  forget(id: MachineId): void {
    this.follows.delete(id);
  }

  /**
   * The leader most live machines follow, among live leaders; ties go to a machine that follows
   * itself, then to the lower id. Null when no live machine follows a live leader.
   */
  current(isAlive: (id: MachineId) => boolean): MachineId | null {
    const count = new Map<MachineId, number>();
    for (const [id, leader] of this.follows) {
      if (leader === null || !isAlive(id) || !isAlive(leader)) continue;
      count.set(leader, (count.get(leader) ?? 0) + 1);
    }
    let best: MachineId | null = null;
    let bestCount = 0;
    for (const [leader, c] of count) {
      const selfLed = this.follows.get(leader) === leader;
      const bestSelfLed = best !== null && this.follows.get(best) === best;
      if (c > bestCount || (c === bestCount && ((selfLed && !bestSelfLed) || (selfLed === bestSelfLed && best !== null && leader < best)))) {
        best = leader;
        bestCount = c;
      }
    }
    return best;
  }
}

/** What the injector needs from its surroundings (the Supervisor, a clock, output). */
export interface InjectorDeps {
  signal(id: MachineId, signal: NodeJS.Signals): boolean;
  restart(id: MachineId): void;
  isAlive(id: MachineId): boolean;
  /** Whether machine `id` shares its process with others (faults then reach it as IPC controls, not signals). */
  sharesProcess?(id: MachineId): boolean;
  /** Prints one line for the user. */
  print(line: string): void;
  /** Wall-clock epoch ms (faults.csv). */
  now(): number;
  readonly log: { record(e: FaultEntry): void };
  readonly leaders: LeaderView;
}

/**
 * Runs a schedule on timers. Invariant: every action is printed and recorded exactly once (as what
 * was done, or as `skipped` with the reason); after stop(), no action fires and every machine it
 * paused has been sent SIGCONT.
 */
export class FaultInjector {
  private timers: NodeJS.Timeout[] = [];
  private readonly paused = new Map<number, MachineId>();
  private readonly pausedIds = new Set<MachineId>();
  private lastKilledLeader: MachineId | null = null;
  private stopped = false;
  private t0 = 0;

  constructor(
    private readonly actions: readonly FaultAction[],
    private readonly deps: InjectorDeps,
  ) {}

  /** Starts the clock: action times count from now (when every machine is ready). */
  start(): void {
    if (this.stopped) return;
    this.t0 = Date.now();
    for (const a of this.actions) this.timers.push(setTimeout(() => this.apply(a), a.atMs));
  }

  /** Cancels what has not fired yet and resumes paused machines (so they can stop cleanly). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    for (const id of this.pausedIds) this.deps.signal(id, 'SIGCONT');
    this.pausedIds.clear();
  }

  /** Applies one action now (public for tests). */
  apply(a: FaultAction): void {
    if (this.stopped) return;
    const d = this.deps;
    const at = `${((d.now() - this.t0) / 1000).toFixed(1)} s`;
    const asLeader = a.who === 'leader';
    const skip = (machine: MachineId | null, reason: string): void => {
      d.print(`start-all: fault at ${at}: ${a.action} ${a.spec.text} skipped (${reason})`);
      d.log.record({ epochMs: d.now(), fault: 'skipped', machine, detail: `action=${a.action} spec=${a.spec.text} reason=${reason}` });
    };
    const done = (fault: string, id: MachineId, extra: string): void => {
      const role = asLeader ? ' (the leader)' : '';
      d.print(`start-all: fault at ${at}: ${fault} machine ${id}${role}${extra ? ` ${extra}` : ''}`);
      d.log.record({ epochMs: d.now(), fault, machine: id, detail: `spec=${a.spec.text}${asLeader ? ' who=leader' : ''}${extra ? ` ${extra.replace(/[()]/g, '')}` : ''}` });
    };
    /** faults.csv's detail for how the fault reached the machine: a signal, or a pack's IPC control. */
    const via = (machine: MachineId, signal: NodeJS.Signals, control: string): string => (d.sharesProcess?.(machine) ? `control=${control}` : `signal=${signal}`);
    let id: MachineId | null;
    if (a.action === 'resume') id = this.paused.get(a.index) ?? null;
    else if (a.action === 'restart' && asLeader) id = this.lastKilledLeader;
    else id = asLeader ? d.leaders.current(d.isAlive) : (a.who as MachineId);
    if (id === null) {
      skip(null, a.action === 'resume' ? 'nothing_paused' : a.action === 'restart' ? 'no_leader_killed' : 'no_leader');
      return;
    }
    switch (a.action) {
      case 'kill':
        if (!d.isAlive(id)) return skip(id, 'not_running');
        this.pausedIds.delete(id);
        d.signal(id, 'SIGKILL');
        d.leaders.forget(id);
        if (asLeader) this.lastKilledLeader = id;
        done('kill', id, via(id, 'SIGKILL', 'crash'));
        return;
      case 'restart':
        if (d.isAlive(id)) return skip(id, 'still_running');
        d.leaders.forget(id);
        d.restart(id);
        done('restart', id, 'mode=append');
        return;
      case 'pause':
        if (!d.isAlive(id)) return skip(id, 'not_running');
        d.signal(id, 'SIGSTOP');
        this.paused.set(a.index, id);
        this.pausedIds.add(id);
        done('pause', id, `${via(id, 'SIGSTOP', 'pause')} until_s=${a.spec.untilMs! / 1000}`);
        return;
      case 'resume':
        this.paused.delete(a.index);
        if (!this.pausedIds.delete(id) || !d.isAlive(id)) return skip(id, 'not_paused');
        d.signal(id, 'SIGCONT');
        done('resume', id, via(id, 'SIGCONT', 'resume'));
        return;
    }
  }
}

/** The machines' side the injector drives (the Supervisor has these). */
export interface FaultTargets {
  signal(id: MachineId, signal: NodeJS.Signals): boolean;
  restart(id: MachineId): void;
  isAlive(id: MachineId): boolean;
  sharesProcess?(id: MachineId): boolean;
}

/** start-all's fault injection: validated plan, leader view, faults.csv, injector. */
export interface FaultRun {
  /** Feed every IPC message of the children (only `leader` reports are used). */
  onMessage(id: MachineId, msg: ChildMessage): void;
  /** Call once every machine is ready: opens faults.csv and starts the timers. */
  start(targets: FaultTargets): void;
  /** Cancels pending faults, resumes paused machines, closes faults.csv. Idempotent. */
  stop(): void;
}

/**
 * Validates the fault flags against the config (LabError INVALID_OPTION for an unknown id) and
 * prepares their injection; null when no fault was asked for. Nothing is written before start().
 */
export function prepareFaultRun(
  specs: readonly FaultSpec[],
  members: readonly MachineId[],
  logDir: string,
  print: (line: string) => void,
  /** Opens faults.csv; start-all passes one shared with the network faults. */
  openLog: () => FaultLog = () => new FaultLog(join(logDir, FAULTS_FILE)),
): FaultRun | null {
  if (specs.length === 0) return null;
  let actions: FaultAction[];
  try {
    actions = schedulePlan(specs, members);
  } catch (e) {
    throw new LabError('INVALID_OPTION', (e as Error).message);
  }
  const leaders = new LeaderView();
  let injector: FaultInjector | null = null;
  let log: FaultLog | null = null;
  let stopped = false;
  return {
    onMessage(id, msg) {
      if (msg.type === 'leader') leaders.update(id, msg.leader);
    },
    start(targets) {
      if (stopped || injector) return;
      log = openLog();
      print(`start-all: ${actions.length} fault action(s) planned, times counted from now; recorded in ${log.path}`);
      injector = new FaultInjector(actions, {
        signal: (id, s) => targets.signal(id, s),
        restart: (id) => targets.restart(id),
        isAlive: (id) => targets.isAlive(id),
        sharesProcess: (id) => targets.sharesProcess?.(id) ?? false,
        print,
        now: () => Date.now(),
        log,
        leaders,
      });
      injector.start();
    },
    stop() {
      stopped = true;
      injector?.stop();
      log?.close();
    },
  };
}

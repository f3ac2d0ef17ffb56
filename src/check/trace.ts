/**
 * Counterexamples as runs: replays a path the explorer found through the same model (and so the
 * same engines and algorithms) with rows recorded, and turns it into what a real run leaves
 * behind: every machine's rows (the log schema of core/logRow.ts, with synthetic but consistent
 * times: start-up at the epoch, then each tick tickMs later and each other step 1 ms later, so
 * every machine's rows and every message edge go forward in time), the faults as faults.csv
 * records, and one numbered line per step for trace.txt. Pure: the CLI writes the files.
 */
import type { LogRow } from '../core/logRow.js';
import type { FaultEntry } from '../core/faultsFile.js';
import type { MachineId } from '../core/types.js';
import { formatVector } from '../core/vector.js';
import { isoTimeFormatter } from '../core/isoTime.js';
import type { PathStep } from './explore.js';
import { CRASH, DELIVER, DROP, type Finding, type GlobalState, HEAL, type Model, PARTITION, RESTART, stepA, stepB, stepKind, TICK } from './model.js';

/** One row of faults.csv (core/faultsFile.ts), with its synthetic time. */
export type FaultRow = FaultEntry & { readonly time: string };

export interface CounterexampleRun {
  readonly rows: ReadonlyMap<MachineId, readonly LogRow[]>;
  readonly faults: readonly FaultRow[];
  /** trace.txt, line by line. */
  readonly trace: readonly string[];
  /** The finding as the replay saw it (the same as the explorer's, or null if the replay diverged). */
  readonly finding: Finding | null;
}

export interface ReplayOptions {
  /** Headline lines for trace.txt (what was checked). */
  readonly header: readonly string[];
  /** Time between the last step and the STOP rows (e.g. the election checks' settling time). */
  readonly holdMs: number;
  /** Re-checks a state (the explorer's properties), to confirm the replay ends in the violation. */
  readonly check: (s: GlobalState) => Finding | null;
}

function describeRow(r: LogRow): string {
  const parts = [`m${r.machine} ${r.event}`];
  if (r.msg_id) parts.push(r.msg_id);
  if (r.peer) parts.push(r.event === 'SEND' ? `to ${r.peer}` : r.event === 'RECEIVE' ? `from ${r.peer}` : `peer ${r.peer}`);
  if (r.detail) parts.push(r.detail);
  parts.push(`(L=${r.lamport})`);
  return parts.join(' ');
}

/** Replays `path` from the initial state, recording rows. Invariant: model.rows is null again afterwards. */
export function replayCounterexample(model: Model, path: readonly PathStep[], expected: Finding, opts: ReplayOptions): CounterexampleRun {
  const fmt = isoTimeFormatter();
  const rows = new Map<MachineId, LogRow[]>(model.ids.map((id) => [id, []]));
  const faults: FaultRow[] = [];
  const trace: string[] = [...opts.header, `# violation: ${expected.property}: ${expected.message}`, `# ${path.length} steps; times in the logs are synthetic (start-up at ${fmt(model.startEpochMs)}, +${model.config.tickMs} ms per tick, +1 ms per other step)`];
  const take = (): LogRow[] => {
    const got = model.rows ?? [];
    for (const r of got) rows.get(r.machine)!.push(r);
    model.rows = [];
    return got;
  };
  let epoch = model.startEpochMs;
  model.epochMs = epoch;
  model.rows = [];
  const log: string[] = [];
  model.rng.log = log;
  let finding: Finding | null = null;
  try {
    model.rng.begin();
    let s = model.initial();
    take();
    trace.push('0. start-up: every machine STARTs, connects to every peer (CONNECT) and is READY');
    let partitionSides = '';
    path.forEach(({ step, choices }, k) => {
      const kind = stepKind(step);
      epoch += kind === TICK ? model.config.tickMs : 1;
      model.epochMs = epoch;
      log.length = 0;
      model.rng.beginCode(choices);
      const before = s;
      s = model.apply(s, step);
      const stepRows = take();
      const a = stepA(step);
      const b = stepB(step);
      const t = fmt(epoch);
      if (kind === CRASH) faults.push({ time: t, epochMs: epoch, fault: 'kill', machine: model.ids[a]!, detail: 'reason=checker' });
      else if (kind === RESTART) faults.push({ time: t, epochMs: epoch, fault: 'restart', machine: model.ids[a]!, detail: 'reason=checker' });
      else if (kind === PARTITION) {
        partitionSides = model.sides(a);
        faults.push({ time: t, epochMs: epoch, fault: 'partition', machine: null, detail: `spec=${partitionSides} mode=two-way groups=${partitionSides}` });
      } else if (kind === HEAL) faults.push({ time: t, epochMs: epoch, fault: 'heal', machine: null, detail: `spec=${partitionSides}` });
      else if (kind === DROP) {
        const env = before.links[a * model.n + b]![0]!.env;
        faults.push({ time: t, epochMs: epoch, fault: 'loss', machine: model.ids[a]!, detail: `msg_id=${env.id} link=${model.ids[a]}>${model.ids[b]}` });
      }
      let what = model.describeStep(step);
      if (kind === DELIVER) what += ` (${before.links[a * model.n + b]![0]!.env.id})`;
      if (kind === DROP) what += ` (${before.links[a * model.n + b]![0]!.env.id}, no row: lost in flight)`;
      if (log.length) what += ` [${log.join(', ')}]`;
      trace.push(`${k + 1}. ${what}${stepRows.length ? ': ' + stepRows.map(describeRow).join('; ') : ': nothing happens'}`);
      if (k === path.length - 1) finding = model.violation ?? opts.check(s);
    });
    if (path.length === 0) finding = opts.check(s);
    epoch += opts.holdMs;
    for (let m = 0; m < model.n; m++) {
      const snap = s.machines[m]!;
      if (!snap.alive) continue;
      const id = model.ids[m]!;
      rows.get(id)!.push({
        time: fmt(epoch),
        epoch_ms: epoch,
        machine: id,
        event: 'STOP',
        lamport: snap.lamport,
        vector: formatVector(model.layout, snap.vector),
        queue_len: snap.queue.length,
        peer: '',
        msg_id: '',
        detail: 'reason=check_end',
      });
    }
    trace.push(`${path.length + 1}. end: the running machines STOP ${opts.holdMs} ms later (the state is held unchanged)`);
  } finally {
    model.rows = null;
    model.rng.log = null;
  }
  return { rows, faults, trace, finding };
}

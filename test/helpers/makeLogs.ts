/**
 * Synthetic runs for tests and benchmarks: N machines, a random workload (INTERNAL, SEND to one
 * or more peers, RECEIVE from a FIFO inbox), clocks computed by core's MachineClock, so every
 * invariant holds unless a test tampers with the rows. Optional kills (log just ends) and DROP rows
 * for sends to a machine known to be down.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { MachineClock } from '../../src/core/clock.js';
import { LOG_COLUMNS, type LogRow, rowValues } from '../../src/core/logRow.js';
import { Rng } from '../../src/core/rng.js';
import { makeLayout, parseVector } from '../../src/core/vector.js';
import type { RunLogs } from '../../src/analysis/types.js';
import { rowsToRunLogs } from '../../src/analysis/fromRows.js';

export interface MakeRunOptions {
  machines: number;
  /** Workload steps (each step writes one clock row; total rows ≈ steps + 2 per machine). */
  steps: number;
  seed?: number;
  /** Probability that a non-receiving step is a SEND. */
  sendProb?: number;
  /** Machines that are SIGKILLed (log ends without STOP) at this step. */
  kills?: Record<number, number>;
  /** When true, senders log DROP for destinations already killed (instead of sending into the void). */
  dropToDead?: boolean;
  algorithm?: string;
  startEpoch?: number;
}

interface Msg {
  id: string;
  from: number;
  lamport: number;
  vector: number[];
}

/** Builds the rows of every machine (id → rows in file order). Machine ids are 1..machines. */
export function makeRun(opts: MakeRunOptions): Map<number, LogRow[]> {
  const rng = new Rng(opts.seed ?? 1);
  const ids = Array.from({ length: opts.machines }, (_, k) => k + 1);
  const layout = makeLayout(ids);
  const clocks = new Map(ids.map((id) => [id, new MachineClock(layout, id)]));
  const inbox = new Map<number, Msg[]>(ids.map((id) => [id, []]));
  const seq = new Map<number, number>(ids.map((id) => [id, 0]));
  const out = new Map<number, LogRow[]>(ids.map((id) => [id, []]));
  const dead = new Set<number>();
  const sendProb = opts.sendProb ?? 0.3;
  let epoch = opts.startEpoch ?? 1_700_000_000_000;

  const row = (id: number, event: string, peer = '', msgId = '', detail = ''): void => {
    const c = clocks.get(id)!;
    out.get(id)!.push({
      time: new Date(epoch).toISOString(),
      epoch_ms: epoch,
      machine: id,
      event,
      lamport: c.lamport,
      vector: c.formatVector(),
      queue_len: inbox.get(id)!.length,
      peer,
      msg_id: msgId,
      detail,
    });
  };
  for (const id of ids) {
    row(id, 'START', '', '', `seed=${(opts.seed ?? 1) + id} tick_rate=${1 + (id % 6)} algorithm=${opts.algorithm ?? 'workload'}`);
  }
  for (let step = 0; step < opts.steps; step++) {
    if (opts.kills) for (const [id, at] of Object.entries(opts.kills)) if (at === step) dead.add(Number(id));
    epoch += rng.int(0, 3);
    const alive = ids.filter((id) => !dead.has(id));
    if (alive.length === 0) break;
    const id = alive[rng.int(0, alive.length - 1)]!;
    const c = clocks.get(id)!;
    const q = inbox.get(id)!;
    if (q.length > 0 && rng.chance(0.6)) {
      const m = q.shift()!;
      c.receive(m.lamport, m.vector);
      row(id, 'RECEIVE', String(m.from), m.id, 'kind=work');
    } else if (ids.length > 1 && rng.chance(sendProb)) {
      const peers = ids.filter((p) => p !== id);
      const to = rng.chance(0.2) ? peers.filter(() => rng.chance(0.5)) : [peers[rng.int(0, peers.length - 1)]!];
      if (to.length === 0) to.push(peers[0]!);
      to.sort((a, b) => a - b);
      const n = seq.get(id)! + 1;
      seq.set(id, n);
      const msgId = `${id}-${n}`;
      c.local();
      row(id, 'SEND', to.join(';'), msgId, 'kind=work');
      const msg: Msg = { id: msgId, from: id, lamport: c.lamport, vector: c.snapshotVector() };
      for (const p of to) {
        if (dead.has(p)) {
          if (opts.dropToDead) row(id, 'DROP', String(p), msgId, 'reason=down');
        } else inbox.get(p)!.push(msg);
      }
    } else {
      c.local();
      row(id, 'INTERNAL');
    }
  }
  epoch += 1;
  for (const id of ids) if (!dead.has(id)) row(id, 'STOP');
  return out;
}

/** Writes `log_<id>.csv` files (header + rows) into dir (created). Returns total rows. */
export function writeLogs(dir: string, run: Map<number, LogRow[]>): number {
  mkdirSync(dir, { recursive: true });
  let total = 0;
  for (const [id, rows] of run) {
    total += rows.length;
    const text = stringify([[...LOG_COLUMNS], ...rows.map(rowValues)]);
    writeFileSync(join(dir, `log_${id}.csv`), text);
  }
  return total;
}

/** Writes hand-made rows given as partial LogRows (defaults filled) for one machine. */
export function csvOf(rows: LogRow[]): string {
  return stringify([[...LOG_COLUMNS], ...rows.map(rowValues)]);
}

/**
 * Converts rows (as the runtime writes them) straight into parsed RunLogs, without I/O, for pure
 * analysis tests. Line numbers are as in a file: header = line 1, so row k is line k + 2.
 */
export function runLogsOf(run: Map<number, LogRow[]>, dir = 'mem'): RunLogs {
  const nonEmpty = new Map([...run].filter(([, rows]) => rows.length > 0));
  const first = [...nonEmpty.values()][0]?.[0];
  const layout = first ? [...parseVector(first.vector)!.keys()] : [];
  return rowsToRunLogs(nonEmpty, layout, dir);
}

/** Short-hand row for hand-made logs: vector given dense over `layout`. */
export function r(
  layout: number[],
  machine: number,
  epoch: number,
  event: string,
  lamport: number,
  vector: number[],
  extra: { peer?: string | number; msg?: string; q?: number; detail?: string } = {},
): LogRow {
  return {
    time: new Date(epoch).toISOString(),
    epoch_ms: epoch,
    machine,
    event,
    lamport,
    vector: layout.map((id, j) => `${id}:${vector[j] ?? 0}`).join(';'),
    queue_len: extra.q ?? 0,
    peer: extra.peer === undefined ? '' : String(extra.peer),
    msg_id: extra.msg ?? '',
    detail: extra.detail ?? '',
  };
}

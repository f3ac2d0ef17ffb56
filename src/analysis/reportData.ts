/**
 * The data behind the HTML report, in a compact columnar shape (one array per column per machine)
 * that the page's script turns into uPlot charts and the space-time diagram. Pure.
 */
import type { MachineId } from '../core/types.js';
import { statsTable } from './format.js';
import { receivedKeys } from './messages.js';
import { formatDense, parsePeers, type Run } from './run.js';
import type { AnalysisResult } from './types.js';

/** One machine's rows, column by column. Invariant: every array has the same length (rows). */
export interface ReportMachine {
  readonly id: MachineId;
  readonly file: string;
  /** ms since {@link ReportData.t0}. */
  readonly t: number[];
  readonly lamport: number[];
  readonly queue: number[];
  /** Index into {@link ReportData.eventNames}. */
  readonly ev: number[];
  readonly line: number[];
  readonly vector: string[];
  readonly msgId: string[];
  readonly peer: string[];
}

export interface ReportData {
  readonly title: string;
  readonly dir: string;
  /** epoch_ms of the earliest row. */
  readonly t0: number;
  readonly layout: readonly MachineId[];
  readonly eventNames: string[];
  readonly machines: ReportMachine[];
  /** Delivered messages, flat: [fromMachineIdx, fromRow, toMachineIdx, toRow] per message copy. */
  readonly messages: number[];
  /** Undelivered copies, flat: [fromMachineIdx, fromRow, toMachineId] per copy (dropped or lost). */
  readonly undelivered: number[];
  readonly analysis: AnalysisResult;
  readonly statsTable: { header: string[]; rows: string[][] };
}

/** Builds the report data. O(rows). */
export function buildReportData(run: Run, result: AnalysisResult, title = 'lamport-lab report'): ReportData {
  const eventNames: string[] = [];
  const evIndex = new Map<string, number>();
  let t0 = Infinity;
  for (const log of run.machines) if (log.rows.length && log.rows[0]!.epochMs < t0) t0 = log.rows[0]!.epochMs;
  if (t0 === Infinity) t0 = 0;
  const n = run.n;
  const machines: ReportMachine[] = run.machines.map((log) => {
    const len = log.rows.length;
    const m: ReportMachine = {
      id: log.machine,
      file: log.file,
      t: new Array<number>(len),
      lamport: new Array<number>(len),
      queue: new Array<number>(len),
      ev: new Array<number>(len),
      line: new Array<number>(len),
      vector: new Array<string>(len),
      msgId: new Array<string>(len),
      peer: new Array<string>(len),
    };
    for (let i = 0; i < len; i++) {
      const r = log.rows[i]!;
      let e = evIndex.get(r.event);
      if (e === undefined) {
        e = eventNames.length;
        eventNames.push(r.event);
        evIndex.set(r.event, e);
      }
      m.t[i] = r.epochMs - t0;
      m.lamport[i] = r.lamport;
      m.queue[i] = r.queueLen;
      m.ev[i] = e;
      m.line[i] = r.line;
      m.vector[i] = formatDense(run.layout, log.vectors.subarray(i * n, i * n + n));
      m.msgId[i] = r.msgId;
      m.peer[i] = r.peer;
    }
    return m;
  });

  const messages: number[] = [];
  run.machines.forEach((log, mTo) => {
    log.rows.forEach((r, i) => {
      if (r.event !== 'RECEIVE') return;
      const s = run.sends.get(r.msgId);
      if (s) messages.push(s.m, s.i, mTo, i);
    });
  });
  const received = receivedKeys(run);
  const undelivered: number[] = [];
  run.machines.forEach((log, m) => {
    log.rows.forEach((r, i) => {
      if (r.event !== 'SEND') return;
      for (const to of parsePeers(r.peer)) if (!received.has(`${r.msgId}>${to}`)) undelivered.push(m, i, to);
    });
  });
  return { title, dir: result.dir, t0, layout: run.layout, eventNames, machines, messages, undelivered, analysis: result, statsTable: statsTable(result) };
}

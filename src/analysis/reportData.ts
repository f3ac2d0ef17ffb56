/**
 * The data behind the HTML report, in a compact columnar shape that the page's script turns into
 * uPlot charts and the space-time diagram. Pure.
 *
 * The page's size is bounded whatever the run's: time series are thinned to at most
 * {@link CHART_BUCKETS} buckets per machine (each bucket keeps its lowest and highest point, so
 * peaks survive), histograms are exact counts, and the space-time diagram carries every row only
 * up to `maxDiagramRows` (the first rows in time; the page says where it stops).
 */
import type { MachineId } from '../core/types.js';
import { detailValue } from '../core/logRow.js';
import type { FaultRecord } from './electionChecks.js';
import { statsTable } from './format.js';
import { copyReceived, formatDense, parsePeers, type Run } from './run.js';
import { runInfo, type RunInfo } from './runInfo.js';
import type { AnalysisResult } from './types.js';

/** Buckets per machine and per time chart; each keeps at most 2 points. */
export const CHART_BUCKETS = 2000;
/** Default for {@link ReportOptions.maxDiagramRows}. */
export const DEFAULT_MAX_DIAGRAM_ROWS = 200_000;

/** A thinned time series: x in ms since {@link ReportData.t0}. Invariant: x non-decreasing, same length as y. */
export interface Series {
  readonly x: number[];
  readonly y: number[];
}

/** One machine's rows in the space-time diagram, column by column (every array the same length). */
export interface DiagramLane {
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
  /** Message kind (index into {@link ReportData.kindNames}) of SEND/RECEIVE rows, -1 otherwise. */
  readonly kind: number[];
}

export interface ReportMachine {
  readonly id: MachineId;
  readonly file: string;
  readonly rows: number;
  readonly tickRate: number | null;
  readonly lamport: Series;
  readonly queue: Series;
  /** Lamport jump on each RECEIVE (thinned). */
  readonly jumps: Series;
  /** Exact histogram of jumps: counts[k] receives with a jump in [1 + k·binSize, 1 + (k+1)·binSize). */
  readonly jumpHist: { readonly binSize: number; readonly counts: number[] };
  /** Total RECEIVE rows (the histogram's sum). */
  readonly receives: number;
}

export interface ReportData {
  readonly title: string;
  readonly dir: string;
  /** epoch_ms of the earliest row. */
  readonly t0: number;
  readonly layout: readonly MachineId[];
  readonly eventNames: string[];
  /** Message kinds (`kind=` of SEND/RECEIVE detail), in order of first appearance. */
  readonly kindNames: string[];
  readonly machines: ReportMachine[];
  readonly info: RunInfo;
  readonly diagram: {
    readonly lanes: DiagramLane[];
    /** Rows in the diagram, and in the run. */
    readonly rows: number;
    readonly totalRows: number;
    /** null: every row is in; else the diagram holds the rows with t ≤ untilMs. */
    readonly untilMs: number | null;
    /** Delivered copies, flat: [fromMachineIdx, fromRow, toMachineIdx, toRow, kind] per copy (both ends in the diagram). */
    readonly messages: number[];
    /** Undelivered copies, flat: [fromMachineIdx, fromRow, toMachineId, kind] per copy (dropped or lost). */
    readonly undelivered: number[];
  };
  readonly analysis: AnalysisResult;
  readonly statsTable: { header: string[]; rows: string[][] };
}

export interface ReportOptions {
  readonly title?: string;
  /** faults.csv records of the run (null: none beside the logs). */
  readonly faults?: readonly FaultRecord[] | null;
  /** Rows the space-time diagram carries at most (default {@link DEFAULT_MAX_DIAGRAM_ROWS}). */
  readonly maxDiagramRows?: number;
}

/** Thins (x, y) to at most 2 points per time bucket: the lowest and the highest, in order. */
export function thin(x: readonly number[], y: readonly number[], x0: number, x1: number, buckets = CHART_BUCKETS): Series {
  if (x.length <= buckets * 2) return { x: [...x], y: [...y] };
  const width = Math.max(1e-9, (x1 - x0) / buckets);
  const ox: number[] = [];
  const oy: number[] = [];
  let i = 0;
  while (i < x.length) {
    const b = Math.floor((x[i]! - x0) / width);
    let lo = i;
    let hi = i;
    let j = i + 1;
    while (j < x.length && Math.floor((x[j]! - x0) / width) === b) {
      if (y[j]! < y[lo]!) lo = j;
      if (y[j]! > y[hi]!) hi = j;
      j++;
    }
    const a = Math.min(lo, hi);
    const c = Math.max(lo, hi);
    ox.push(x[a]!);
    oy.push(y[a]!);
    if (c !== a) {
      ox.push(x[c]!);
      oy.push(y[c]!);
    }
    i = j;
  }
  return { x: ox, y: oy };
}

/** The time before which the first `max` rows (merged over machines, by time) lie; null if all fit. */
function diagramCut(run: Run, t0: number, max: number): number | null {
  if (run.totalRows <= max) return null;
  // counting by ms buckets is O(rows) and exact enough: the cut falls on a ms boundary
  const times: number[] = [];
  for (const c of run.cols) for (let i = 0; i < c.length; i++) times.push(c.epochMs[i]! - t0);
  times.sort((a, b) => a - b);
  let cut = times[max - 1]!;
  // rows in the same ms as the cut beyond the budget: cut one ms earlier (never empty)
  if (times[max] === cut && times[0]! < cut) cut -= 1;
  return cut;
}

/** Builds the report data. O(rows) (O(rows log rows) when the diagram is cut). */
export function buildReportData(run: Run, result: AnalysisResult, titleOrOptions: string | ReportOptions = {}): ReportData {
  const options: ReportOptions = typeof titleOrOptions === 'string' ? { title: titleOrOptions } : titleOrOptions;
  const title = options.title ?? 'lamport-lab report';
  const maxDiagramRows = Math.max(1, options.maxDiagramRows ?? DEFAULT_MAX_DIAGRAM_ROWS);
  const eventNames: string[] = [];
  const evIndex = new Map<string, number>();
  const kindNames: string[] = [];
  const kindIndex = new Map<string, number>();
  const kindOf = (detail: string): number => {
    const k = detailValue(detail, 'kind');
    if (k === undefined) return -1;
    let i = kindIndex.get(k);
    if (i === undefined) {
      i = kindNames.length;
      kindNames.push(k);
      kindIndex.set(k, i);
    }
    return i;
  };
  let t0 = Infinity;
  let tEnd = -Infinity;
  for (const c of run.cols) {
    if (!c.length) continue;
    t0 = Math.min(t0, c.epochMs[0]!);
    tEnd = Math.max(tEnd, c.epochMs[c.length - 1]!);
  }
  if (t0 === Infinity) t0 = tEnd = 0;
  const span = Math.max(1, tEnd - t0);
  const untilMs = diagramCut(run, t0, maxDiagramRows);
  const n = run.n;
  const statsById = new Map(result.stats.map((s) => [s.machine, s]));
  const inDiagram: number[] = [];
  const lanes: DiagramLane[] = [];
  const machines: ReportMachine[] = run.machines.map((log, m) => {
    const c = run.cols[m]!;
    const len = c.length;
    const t = new Array<number>(len);
    const lam = new Array<number>(len);
    const q = new Array<number>(len);
    const jx: number[] = [];
    const jy: number[] = [];
    let maxJump = 0;
    for (let i = 0; i < len; i++) {
      t[i] = c.epochMs[i]! - t0;
      lam[i] = c.lamport[i]!;
      q[i] = c.queueLen[i]!;
      if (c.event[i] === 'RECEIVE') {
        const jump = c.lamport[i]! - (i > 0 ? c.lamport[i - 1]! : 0);
        jx.push(t[i]!);
        jy.push(jump);
        if (jump > maxJump) maxJump = jump;
      }
    }
    // histogram over jumps ≥ 1 (a receive always advances the clock), ≤ 40 integer-wide bins
    const binSize = Math.max(1, Math.ceil(maxJump / 40));
    const counts = new Array<number>(Math.max(1, Math.floor((Math.max(1, maxJump) - 1) / binSize) + 1)).fill(0);
    for (const j of jy) counts[Math.min(counts.length - 1, Math.max(0, Math.floor((j - 1) / binSize)))]!++;

    // diagram lane: the rows up to the cut
    let keep = len;
    if (untilMs !== null) {
      keep = 0;
      while (keep < len && t[keep]! <= untilMs) keep++;
    }
    inDiagram.push(keep);
    const lane: DiagramLane = {
      t: t.slice(0, keep),
      lamport: lam.slice(0, keep),
      queue: q.slice(0, keep),
      ev: new Array<number>(keep),
      line: new Array<number>(keep),
      vector: new Array<string>(keep),
      msgId: new Array<string>(keep),
      peer: new Array<string>(keep),
      kind: new Array<number>(keep),
    };
    for (let i = 0; i < keep; i++) {
      const ev = c.event[i]!;
      let e = evIndex.get(ev);
      if (e === undefined) {
        e = eventNames.length;
        eventNames.push(ev);
        evIndex.set(ev, e);
      }
      lane.ev[i] = e;
      lane.line[i] = c.line[i]!;
      lane.vector[i] = formatDense(run.layout, log.vectors.subarray(i * n, i * n + n));
      lane.msgId[i] = c.msgIdAt(i);
      lane.peer[i] = c.peer[i]!;
      lane.kind[i] = ev === 'SEND' || ev === 'RECEIVE' ? kindOf(c.detail[i]!) : -1;
    }
    lanes.push(lane);
    const s = statsById.get(log.machine);
    return {
      id: log.machine,
      file: log.file,
      rows: len,
      tickRate: s?.tickRate ?? null,
      lamport: thin(t, lam, 0, span),
      queue: thin(t, q, 0, span),
      jumps: thin(jx, jy, 0, span),
      jumpHist: { binSize, counts },
      receives: jy.length,
    };
  });

  const messages: number[] = [];
  run.machines.forEach((log, mTo) => {
    const pm = run.pairedSendM[mTo]!;
    const pi = run.pairedSendI[mTo]!;
    for (let i = 0; i < inDiagram[mTo]!; i++) {
      const sm = pm[i]!;
      if (sm < 0 || pi[i]! >= inDiagram[sm]!) continue;
      messages.push(sm, pi[i]!, mTo, i, lanes[mTo]!.kind[i]!);
    }
  });
  const undelivered: number[] = [];
  run.cols.forEach((c, m) => {
    for (let i = 0; i < inDiagram[m]!; i++) {
      if (c.event[i] !== 'SEND') continue;
      for (const to of parsePeers(c.peer[i]!)) if (!copyReceived(run, m, i, to)) undelivered.push(m, i, to, lanes[m]!.kind[i]!);
    }
  });
  const diagramRows = inDiagram.reduce((a, b) => a + b, 0);
  return {
    title,
    dir: result.dir,
    t0,
    layout: run.layout,
    eventNames,
    kindNames,
    machines,
    info: runInfo(run, options.faults ?? run.faults),
    diagram: { lanes, rows: diagramRows, totalRows: run.totalRows, untilMs, messages, undelivered },
    analysis: result,
    statsTable: statsTable(result),
  };
}

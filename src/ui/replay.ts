/**
 * `lamport-lab ui --log-dir logs`: the live view's page for a finished run. The run is read and
 * analysed once (as `analyze` does); the snapshot holds every row, fault and the analysis, and the
 * page replays it with a time slider.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeIndexedRun } from '../analysis/analyze.js';
import { loadRun } from '../runtime/log/analyzeLogDir.js';
import { toTuple } from './live.js';
import { renderLivePage } from './page.js';
import type { FaultTuple, RowTuple } from './protocol.js';
import { listenUi, type ListeningUi } from './server.js';
import { SseHub } from './sseHub.js';
import { RunStore } from './store.js';

/** Reads, analyses and serves a finished run. Throws LabError LOG_NOT_FOUND / LOG_UNREADABLE / PORT_IN_USE / ... */
export async function serveReplay(opts: { logDir: string; host: string; port: number }): Promise<ListeningUi & { rows: number }> {
  const run = await loadRun(opts.logDir);
  const result = analyzeIndexedRun(run);
  const rows: RowTuple[] = [];
  for (const log of run.machines) for (const e of log.rows) rows.push(toTuple(log.machine, e));
  rows.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const faults: FaultTuple[] = (run.faults ?? []).map((f) => [f.epochMs, f.fault, f.machine, f.detail, f.line]);
  const store = new RunStore('replay', opts.logDir, false);
  store.add(rows, faults, [...run.logs.warnings]);
  const last = rows.length ? rows[rows.length - 1]![1] : 0;
  store.analysis = { cutMs: last, rows: result.totalRows, durationMs: 0, final: true, checks: result.checks, ok: result.ok };
  store.result = result;
  store.ended = true;
  let page: string | null = null;
  const listening = await listenUi({ host: opts.host, port: opts.port, store, hub: new SseHub(), page: () => (page ??= renderLivePage()) });
  return { ...listening, rows: rows.length };
}

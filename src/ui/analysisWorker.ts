/**
 * The live view's analysis, in a worker thread so that start-all's own event loop (supervisor,
 * fault timers, the HTTP server) never waits for it: analyze's checks take seconds on 100,000 rows.
 *
 * The server posts every tailed row with the cut up to which the rows are complete; the worker
 * re-runs the analysis of that prefix at most every max(minIntervalMs, 4 × the last analysis's
 * duration), so it uses at most ~20% of a core however large the run grows. On `finish` it
 * analyses the complete run with the run's side files, exactly as `analyze` does.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RunSideInputs } from '../analysis/runInputs.js';
import { readSharedFile, readSideInputs } from '../runtime/log/analyzeLogDir.js';
import { analyseView, LiveRun } from './liveRun.js';
import type { TailedRow } from './tail.js';

/** Server → worker. */
export type AnalysisCommand = { type: 'rows'; rows: TailedRow[]; cutMs: number | null } | { type: 'finish' };

export interface AnalysisWorkerData {
  readonly dir: string;
  readonly minIntervalMs: number;
}

/** The run's side files as they are now. */
function sideInputs(dir: string): RunSideInputs {
  try {
    return readSideInputs(dir);
  } catch {
    // faults.csv half-written or unreadable: the checks without it
    return { sharedFile: readSharedFile(dir) ?? undefined };
  }
}

function main(): void {
  const port = parentPort;
  if (!port) return;
  const { dir, minIntervalMs } = workerData as AnalysisWorkerData;
  const run = new LiveRun(dir);
  let cutMs: number | null = null;
  let analysedCut: number | null = null;
  let analysedRows = -1;
  let nextAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let finished = false;

  const analyse = (): void => {
    timer = null;
    if (finished || cutMs === null) return;
    const now = performance.now();
    if (now < nextAt) return schedule(nextAt - now);
    const logs = run.view(cutMs);
    if (!logs) return;
    const rows = logs.machines.reduce((s, m) => s + m.rows.length, 0);
    if (rows === analysedRows && analysedCut !== null) return;
    const { analysis } = analyseView(logs, sideInputs(dir), false, cutMs, () => performance.now());
    analysedRows = rows;
    analysedCut = cutMs;
    nextAt = performance.now() + Math.max(minIntervalMs, 4 * analysis.durationMs);
    port.postMessage({ type: 'analysis', analysis });
  };
  const schedule = (ms: number): void => {
    if (timer === null && !finished) timer = setTimeout(analyse, Math.max(0, ms));
  };

  port.on('message', (cmd: AnalysisCommand) => {
    if (cmd.type === 'rows') {
      run.add(cmd.rows);
      if (cmd.cutMs !== null) cutMs = cmd.cutMs;
      schedule(0);
      return;
    }
    finished = true;
    if (timer) clearTimeout(timer);
    try {
      const logs = run.view(null);
      if (!logs) {
        port.postMessage({ type: 'error', message: 'no rows in any log file' });
      } else {
        const last = Math.max(...logs.machines.map((m) => m.rows[m.rows.length - 1]!.epochMs));
        const { analysis, result } = analyseView(logs, sideInputs(dir), true, last, () => performance.now());
        port.postMessage({ type: 'final', analysis, result });
      }
    } catch (e) {
      port.postMessage({ type: 'error', message: String((e as Error)?.message ?? e) });
    }
    port.close();
  });
}

main();

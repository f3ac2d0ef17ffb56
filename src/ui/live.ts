/**
 * `start-all --ui`: the live view of a running cluster. start-all follows the machines' log files
 * (and faults.csv) itself, every `pollMs`, so the machines do no extra work at all; new rows go to
 * the browsers as SSE batches and to the analysis worker (analysisWorker.ts), whose results go to
 * the browsers too. stop() reads the files one last time, waits for the complete analysis (the same
 * as `analyze --json`), sends it and closes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../cli/paths.js';
import type { AnalysisCommand, AnalysisWorkerData } from './analysisWorker.js';
import { renderLivePage } from './page.js';
import type { FaultTuple, FeedMessage, RowTuple } from './protocol.js';
import { listenUi } from './server.js';
import { SseHub, sseEvent } from './sseHub.js';
import { RunStore } from './store.js';
import { LogDirFollower, type PollResult } from './tail.js';

export interface LiveUiOptions {
  readonly logDir: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly pollMs?: number;
  /** Least time between two live analyses (ms). */
  readonly analysisIntervalMs?: number;
  /** Prints `ui: <url>` once listening. */
  readonly print?: (line: string) => void;
}

export interface LiveUi {
  readonly url: string;
  /** Final read, final analysis, last events to the browsers, close. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A row written at epoch_ms t is in its file by t + CUT_MARGIN_MS (machines stamp and then write
 * at once); a poll that began at P has therefore seen every row stamped before P − margin, and
 * every SEND of such a row's RECEIVE (written before the message left). Rows up to that cut form a
 * consistent prefix for the checks: no RECEIVE without its SEND just because of read order.
 */
const CUT_MARGIN_MS = 1000;

export function toTuple(machine: number, e: { epochMs: number; event: string; lamport: number; queueLen: number; peer: string; msgId: string; detail: string; line: number }): RowTuple {
  return [machine, e.epochMs, e.event, e.lamport, e.queueLen, e.peer, e.msgId, e.detail, e.line];
}

/** The analysis worker's script: compiled next to this module (dist/ui/), also when bundled. */
function workerScript(): string {
  const compiled = join(packageRoot(), 'dist', 'ui', 'analysisWorker.js');
  return existsSync(compiled) ? compiled : new URL('./analysisWorker.js', import.meta.url).pathname;
}

/** Starts the live view. Throws LabError PORT_IN_USE / ADDRESS_UNAVAILABLE / IO_ERROR. */
export async function startLiveUi(opts: LiveUiOptions): Promise<LiveUi> {
  const pollMs = opts.pollMs ?? 200;
  const store = new RunStore('live', opts.logDir, false);
  const hub = new SseHub();
  let pageHtml: string | null = null;
  // unref'd: the live view never keeps start-all alive by itself
  const listening = await listenUi({ host: opts.host, port: opts.port, store, hub, page: () => (pageHtml ??= renderLivePage()), keepAlive: false });
  opts.print?.(`ui: ${listening.url}`);
  const follower = new LogDirFollower(opts.logDir, 0);
  const worker = new Worker(workerScript(), { workerData: { dir: opts.logDir, minIntervalMs: opts.analysisIntervalMs ?? 2000 } satisfies AnalysisWorkerData });
  worker.unref();
  let finalDone: (() => void) | null = null;
  const finalSeen = new Promise<void>((resolve) => (finalDone = resolve));
  worker.on('message', (m: FeedMessage) => {
    if (m.type === 'analysis') {
      if (store.ended) return;
      store.analysis = m.analysis;
      hub.broadcast(sseEvent('analysis', JSON.stringify(m.analysis)));
    } else if (m.type === 'final') {
      store.analysis = m.analysis;
      store.result = m.result;
      finalDone?.();
    } else if (m.type === 'error') {
      store.add([], [], [`analysis: ${m.message}`]);
      if (store.ended || m.message) finalDone?.();
    }
  });
  worker.on('error', (e) => {
    store.add([], [], [`analysis worker failed: ${e.message}`]);
    finalDone?.();
  });
  worker.on('exit', () => finalDone?.());

  const publish = (res: PollResult, cutMs: number | null): number => {
    const rows: RowTuple[] = res.rows.map((r) => toTuple(r.machine, r.entry));
    const faults: FaultTuple[] = res.faults.map((f) => [f.epochMs, f.fault, f.machine, f.detail, f.line]);
    const ev = store.add(rows, faults, res.warnings);
    if (ev) hub.broadcast(sseEvent('batch', ev.data, ev.id));
    if (res.rows.length > 0) worker.postMessage({ type: 'rows', rows: res.rows, cutMs } satisfies AnalysisCommand);
    return res.rows.length + res.faults.length;
  };
  const poll = (): void => {
    const began = Date.now();
    const res = follower.poll(performance.now());
    publish(res, res.complete ? began - CUT_MARGIN_MS : null);
  };
  const timer = setInterval(poll, pollMs);
  timer.unref();

  let stopping: Promise<void> | null = null;
  return {
    url: listening.url,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        worker.ref(); // until the final analysis is in
        // read to the end (a large backlog takes several slices)
        for (let k = 0; k < 1000; k++) {
          const res = follower.poll(performance.now(), true);
          if (publish(res, null) === 0 && res.complete) break;
        }
        worker.postMessage({ type: 'finish' } satisfies AnalysisCommand);
        await finalSeen;
        store.ended = true;
        hub.broadcast(sseEvent('end', JSON.stringify({ analysis: store.analysis, result: store.result })));
        const until = performance.now() + 2000;
        while (!hub.drained() && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
        await listening.close();
        await worker.terminate();
      })()),
  };
}

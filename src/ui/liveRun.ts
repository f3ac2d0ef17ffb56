/**
 * The rows of a run that is still being written, kept as the analysis wants them (per machine rows
 * in file order plus row-major vectors in one layout), so analyze's own functions can run on any
 * prefix of it. Used by the feed worker.
 */
import { analyzeIndexedRun } from '../analysis/analyze.js';
import type { RunSideInputs } from '../analysis/runInputs.js';
import { indexRun } from '../analysis/run.js';
import type { AnalysisResult, LogEntry, MachineLog, RunLogs } from '../analysis/types.js';
import type { MachineId } from '../core/types.js';
import { END_OF_RUN_CHECKS, type LiveAnalysis } from './protocol.js';
import type { TailedRow } from './tail.js';

interface Growing {
  readonly machine: MachineId;
  readonly file: string;
  readonly rows: LogEntry[];
  vectors: Int32Array;
}

/** Accumulates tailed rows. Invariant: rows of a machine stay in the order they were added. */
export class LiveRun {
  private readonly logs = new Map<MachineId, Growing>();
  private layout: MachineId[] | null = null;
  readonly warnings: string[] = [];
  total = 0;

  constructor(readonly dir: string) {}

  /** Adds rows; a row whose vector ids differ from the run's layout is skipped with a warning. */
  add(rows: readonly TailedRow[]): void {
    for (const r of rows) {
      if (this.layout === null) this.layout = [...r.vector.keys()].sort((a, b) => a - b);
      const layout = this.layout;
      if (r.vector.size !== layout.length || layout.some((id) => !r.vector.has(id))) {
        this.warnings.push(`log_${r.machine}.csv:${r.entry.line}: vector ids differ from the run's layout ${layout.join(',')}`);
        continue;
      }
      let g = this.logs.get(r.machine);
      if (!g) {
        g = { machine: r.machine, file: `log_${r.machine}.csv`, rows: [], vectors: new Int32Array(1024 * layout.length) };
        this.logs.set(r.machine, g);
      }
      const n = layout.length;
      const i = g.rows.length;
      if ((i + 1) * n > g.vectors.length) {
        const grown = new Int32Array(g.vectors.length * 2);
        grown.set(g.vectors);
        g.vectors = grown;
      }
      for (let j = 0; j < n; j++) g.vectors[i * n + j] = r.vector.get(layout[j]!)!;
      g.rows.push(r.entry);
      this.total++;
    }
  }

  /**
   * The run as the log reader would return it, limited to rows with epoch_ms ≤ `cutMs` (all rows
   * when null). Machines without rows are left out (as the reader does); null when no row at all.
   */
  view(cutMs: number | null): RunLogs | null {
    if (this.layout === null) return null;
    const n = this.layout.length;
    const machines: MachineLog[] = [];
    for (const id of [...this.logs.keys()].sort((a, b) => a - b)) {
      const g = this.logs.get(id)!;
      let k = g.rows.length;
      if (cutMs !== null) while (k > 0 && g.rows[k - 1]!.epochMs > cutMs) k--;
      if (k === 0) continue;
      machines.push({ file: g.file, machine: id, rows: k === g.rows.length ? g.rows : g.rows.slice(0, k), vectors: g.vectors.subarray(0, k * n) });
    }
    if (machines.length === 0) return null;
    return { dir: this.dir, layout: this.layout, machines, warnings: [...this.warnings] };
  }
}

/**
 * Runs analyze's checks on a view. While the run goes on (`final` false), the end-of-run checks
 * do not count towards `ok` (the page shows them as pending).
 */
export function analyseView(logs: RunLogs, side: RunSideInputs, final: boolean, cutMs: number, now: () => number): { analysis: LiveAnalysis; result: AnalysisResult } {
  const t = now();
  const result = analyzeIndexedRun(indexRun(logs, side));
  const durationMs = now() - t;
  const counted = final ? result.checks : result.checks.filter((c) => !END_OF_RUN_CHECKS.has(c.name));
  return {
    analysis: { cutMs, rows: result.totalRows, durationMs, final, checks: result.checks, ok: counted.every((c) => c.ok) },
    result,
  };
}

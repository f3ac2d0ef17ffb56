/**
 * The live view's copy of the run so far, kept as the JSON text it is sent as: every batch is
 * serialised once, when it arrives, and the snapshot is those texts joined (no re-serialisation of
 * 100,000 rows per page load). Nothing is ever dropped: the snapshot always holds every row and
 * fault since the run started.
 */
import type { AnalysisResult } from '../analysis/types.js';
import type { FaultTuple, LiveAnalysis, RowTuple } from './protocol.js';

/** One batch's SSE data and event id (`<seq>.<faultSeq>`, what a resuming browser sends back). */
export interface BatchEvent {
  readonly id: string;
  readonly data: string;
}

interface StoredBatch {
  readonly from: number;
  readonly seq: number;
  readonly faultFrom: number;
  readonly faultSeq: number;
  /** The rows as JSON array items without the brackets ('' when none). */
  readonly rowsJson: string;
  readonly faultsJson: string;
  readonly warnings: string[];
}

/** Rows, faults and the latest analysis. Invariant: `seq` = rows stored, `faultSeq` = faults stored. */
export class RunStore {
  private readonly batches: StoredBatch[] = [];
  private readonly warnings: string[] = [];
  seq = 0;
  faultSeq = 0;
  analysis: LiveAnalysis | null = null;
  result: AnalysisResult | null = null;
  ended = false;

  constructor(
    readonly mode: 'live' | 'replay',
    readonly dir: string,
    readonly control: boolean,
  ) {}

  /** Stores new rows and faults; returns the batch's event (null when there is nothing new). */
  add(rows: readonly RowTuple[], faults: readonly FaultTuple[], warnings: readonly string[]): BatchEvent | null {
    if (rows.length === 0 && faults.length === 0 && warnings.length === 0) return null;
    const b: StoredBatch = {
      from: this.seq,
      seq: this.seq + rows.length,
      faultFrom: this.faultSeq,
      faultSeq: this.faultSeq + faults.length,
      rowsJson: rows.map((r) => JSON.stringify(r)).join(','),
      faultsJson: faults.map((f) => JSON.stringify(f)).join(','),
      warnings: [...warnings],
    };
    this.seq = b.seq;
    this.faultSeq = b.faultSeq;
    this.warnings.push(...warnings);
    this.batches.push(b);
    return batchEvent(b);
  }

  /** Every batch with rows or faults after (`seq`, `faultSeq`), oldest first. */
  since(seq: number, faultSeq: number): BatchEvent[] {
    const out: BatchEvent[] = [];
    // batches are in order: find the first one ending after the client's position
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const b = this.batches[mid]!;
      if (b.seq > seq || b.faultSeq > faultSeq) hi = mid;
      else lo = mid + 1;
    }
    for (let k = lo; k < this.batches.length; k++) out.push(batchEvent(this.batches[k]!));
    return out;
  }

  /** GET /api/snapshot's body (see protocol.ts Snapshot). */
  snapshotJson(): string {
    const rows = this.batches.filter((b) => b.rowsJson !== '').map((b) => b.rowsJson).join(',');
    const faults = this.batches.filter((b) => b.faultsJson !== '').map((b) => b.faultsJson).join(',');
    return (
      `{"version":1,"mode":${JSON.stringify(this.mode)},"dir":${JSON.stringify(this.dir)},"seq":${this.seq},"faultSeq":${this.faultSeq},` +
      `"rows":[${rows}],"faults":[${faults}],"warnings":${JSON.stringify(this.warnings)},` +
      `"analysis":${JSON.stringify(this.analysis)},"result":${JSON.stringify(this.result)},"ended":${this.ended},"control":${this.control}}`
    );
  }
}

function batchEvent(b: StoredBatch): BatchEvent {
  return { id: `${b.seq}.${b.faultSeq}`, data: batchJson(b) };
}

function batchJson(b: StoredBatch): string {
  return (
    `{"from":${b.from},"seq":${b.seq},"faultFrom":${b.faultFrom},"faultSeq":${b.faultSeq},` +
    `"rows":[${b.rowsJson}],"faults":[${b.faultsJson}],"warnings":${JSON.stringify(b.warnings)}}`
  );
}

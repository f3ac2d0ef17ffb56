/**
 * The inputs of one run's analysis as one value: the parsed logs and the run's side files, each
 * read once (runtime/log/analyzeLogDir.ts reads them from a log directory; tests and the live view
 * build them in memory). Checkers read the side files from the indexed run (Run.sharedFile,
 * Run.faults) instead of being swapped for variants that carry them.
 */
import type { FaultRecord } from '../core/faultsFile.js';
import type { SharedFileText } from '../core/sharedFile.js';
import type { RunLogs } from './types.js';

/** The side files of a run; absent = the run has none (or it was not read). */
export interface RunSideInputs {
  /** The mutex algorithms' shared resource file (critical_section.log). */
  readonly sharedFile?: SharedFileText | undefined;
  /** The injected faults (faults.csv), in file order. */
  readonly faults?: readonly FaultRecord[] | undefined;
}

/** Everything one run's analysis reads. Invariant: read-only once built. */
export interface RunInputs extends RunSideInputs {
  readonly logs: RunLogs;
}

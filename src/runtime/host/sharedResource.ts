/**
 * The mutex algorithms' shared resource: while in the critical section a machine appends an ENTER
 * line (on its CS_ENTER row) and a LEAVE line (on its CS_EXIT row) to one file shared by every
 * machine of the run. Lines are written with one writeSync on an O_APPEND descriptor, so lines of
 * concurrent processes never tear or interleave within a line; whether ENTER/LEAVE pairs interleave
 * is exactly what the checker (analysis/mutexChecks.ts) looks at. The algorithms that use it say
 * so in their modules (`rowHook: 'shared-resource'`, see algorithmHooks.ts).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SharedResourceOut } from './rowPipeline.js';

/**
 * Opens `path` for appending (creating its directory) and returns the run's shared resource for
 * this machine (rowPipeline.ts feeds it the ENTER/LEAVE lines of CS_ENTER/CS_EXIT rows) and a close
 * function. Invariant: each line is written with one writeSync, after its row reached the log and
 * before the next effect (e.g. RELEASE) is sent; lines after close() are dropped.
 */
export function openSharedResource(path: string): SharedResourceOut & { close: () => void } {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | null = openSync(path, 'a');
  return {
    append(line) {
      if (fd !== null) writeSync(fd, line);
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

/**
 * Exit statuses: the documented contract with scripts. Only the CLI layer uses these.
 *   0  success (analyze: every invariant holds)
 *   1  the run failed: an invariant is violated (analyze), a machine failed (start-all)
 *   2  bad input: usage, options, config, unknown machine id, unreadable logs
 *   3  environment: port in use or address not available, log directory unwritable or in use by a
 *      live run, disk full
 *   4  unexpected internal error (a bug: please report it)
 */
import type { ErrorCode } from '../core/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_ENVIRONMENT = 3;
export const EXIT_INTERNAL = 4;

/** Maps a typed error code to its exit status. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'PORT_IN_USE':
    case 'ADDRESS_UNAVAILABLE':
    case 'IO_ERROR':
    case 'LOG_DIR_BUSY':
    case 'DISK_FULL':
      return EXIT_ENVIRONMENT;
    case 'MACHINE_FAILED':
      return EXIT_FAILED;
    default:
      return EXIT_USAGE;
  }
}

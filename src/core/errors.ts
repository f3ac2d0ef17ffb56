/**
 * Typed errors with stable codes. Everything below the CLI throws these for user-facing failures;
 * only the CLI maps codes to exit statuses and messages (see cli/exitCodes.ts).
 */

/** Stable error codes: scripts and tests may rely on them. Add, never rename. */
export type ErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'UNKNOWN_MACHINE'
  | 'INVALID_OPTION'
  | 'PORT_IN_USE'
  | 'ADDRESS_UNAVAILABLE'
  | 'LOG_UNREADABLE'
  | 'LOG_NOT_FOUND'
  | 'IO_ERROR'
  | 'MACHINE_FAILED'
  /** The log directory path names a file (or goes through one): bad input. */
  | 'LOG_DIR_INVALID'
  /** A live run (start-all) holds the log directory's lock. */
  | 'LOG_DIR_BUSY'
  /** The disk holding the logs is full (ENOSPC, EDQUOT). */
  | 'DISK_FULL';

/** A user-facing failure: `message` is one clear line, `code` is stable. */
export class LabError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LabError';
  }
}

/** Narrowing helper. */
export function isLabError(e: unknown): e is LabError {
  return e instanceof LabError;
}

/**
 * Option-value parsers for commander: each validates one value and throws commander's
 * InvalidArgumentError, so bad values get commander's one-line error and exit status 2.
 */
import { InvalidArgumentError } from 'commander';

/** Integer in [min, max]. */
export function intIn(min: number, max: number = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}".`);
    if (n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}.` : `must be from ${min} to ${max}.`);
    }
    return n;
  };
}

/** Number in [min, max] (decimals allowed). */
export function numberIn(min: number, max: number = Number.MAX_VALUE): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}".`);
    if (n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_VALUE ? `must be at least ${min}.` : `must be from ${min} to ${max}.`);
    }
    return n;
  };
}

/** Positive number of seconds (decimals allowed). */
export const seconds = numberIn(0.001);

/** Collects a repeatable option into an array. */
export function collect<T>(parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

/**
 * A non-empty path (a directory or file). An empty value would silently mean "the working
 * directory" (`--log-dir ""` wrote the logs there), so it is refused.
 */
export function nonEmptyPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty (name a directory, e.g. logs).');
  return value;
}

/**
 * Any integer (range checked later, where the limit that applies is known: e.g. --tick-rate is
 * 1..6, or 1..10000 with --fast-ticks, which commander may parse after it).
 */
export function integer(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}".`);
  return n;
}

/**
 * The time grammar of fault and network flags (`8`, `8s`, `1.5s`, `500ms`, `2m`): one grammar for
 * start-all, run-machine and simulate. Pure.
 */

/**
 * Parses a non-negative duration or instant with an optional unit (`ms`, `s`, `m`); `defaultUnit`
 * applies when there is none. Returns milliseconds, or null when malformed.
 */
export function parseTimeMs(text: string, defaultUnit: 'ms' | 's' = 's'): number | null {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) return null;
  const v = Number(m[1]);
  const unit = m[2] ?? defaultUnit;
  const ms = unit === 'ms' ? v : unit === 's' ? v * 1000 : v * 60_000;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Message delays: the delay grammar of `--delay` (`uniform:1-20ms`, `fixed:5ms`, `exp:10ms`, unit
 * default ms) and the seeded distributions they stand for. Pure: randomness only from the Rng
 * passed in. Used by the simulator's network and by the TCP fault decorator (through link rules).
 */
import { parseTimeMs } from './time.js';
import { LabError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

/** How long a message spends on the wire, in ms. */
export type DelaySpec =
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'exp'; readonly meanMs: number };

function bad(text: string, expected: string): LabError {
  return new LabError('INVALID_OPTION', `--delay "${text}": expected ${expected}`);
}

/** Parses `--delay`: `uniform:A-B[unit]`, `fixed:D[unit]`, `exp:MEAN[unit]` (unit default ms). */
export function parseDelaySpec(text: string): DelaySpec {
  const expected = '"uniform:1-20ms", "fixed:5ms" or "exp:10ms"';
  const colon = text.indexOf(':');
  if (colon < 0) throw bad(text, expected);
  const kind = text.slice(0, colon).trim();
  const arg = text.slice(colon + 1).trim();
  if (kind === 'fixed' || kind === 'exp') {
    const ms = parseTimeMs(arg, 'ms');
    if (ms === null) throw bad(text, expected);
    if (kind === 'exp' && ms <= 0) throw bad(text, 'a positive mean');
    return kind === 'fixed' ? { kind, ms } : { kind, meanMs: ms };
  }
  if (kind === 'uniform') {
    // the unit, when given once at the end, applies to both bounds: `1-20ms`
    const m = /^(.+?)-(.+?)(ms|s|m)?$/.exec(arg);
    if (!m) throw bad(text, expected);
    const unit = (m[3] ?? 'ms') as 'ms' | 's';
    const lo = parseTimeMs(/[a-z]$/.test(m[1]!) ? m[1]! : m[1]! + unit, 'ms');
    const hi = parseTimeMs(m[2]! + unit, 'ms');
    if (lo === null || hi === null) throw bad(text, expected);
    if (lo > hi) throw bad(text, 'min ≤ max');
    return { kind, minMs: lo, maxMs: hi };
  }
  throw bad(text, expected);
}

/** Formats a delay spec back to its canonical text (replay commands). */
export function formatDelaySpec(d: DelaySpec): string {
  if (d.kind === 'uniform') return `uniform:${d.minMs}-${d.maxMs}ms`;
  if (d.kind === 'fixed') return `fixed:${d.ms}ms`;
  return `exp:${d.meanMs}ms`;
}

/** Delay of one message in ms, drawn from the generator. */
export type DelayModel = (rng: Rng) => number;

/** Uniform delay in [min, max] ms. */
export function uniformDelay(min: number, max: number): DelayModel {
  return (rng) => min + rng.float() * (max - min);
}

/** The same delay for every message. Draws nothing. */
export function fixedDelay(ms: number): DelayModel {
  return () => ms;
}

/** Exponentially distributed delay with the given mean (inverse transform of one uniform draw). */
export function expDelay(meanMs: number): DelayModel {
  return (rng) => -meanMs * Math.log(1 - rng.float());
}

/** The model for a parsed delay spec. */
export function delayModel(spec: DelaySpec): DelayModel {
  if (spec.kind === 'uniform') return uniformDelay(spec.minMs, spec.maxMs);
  if (spec.kind === 'fixed') return fixedDelay(spec.ms);
  return expDelay(spec.meanMs);
}

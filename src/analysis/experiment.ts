/**
 * Pure summaries for `experiment`: the figures of one trial (from its AnalysisResult) and the
 * comparison of settings across trials (mean over trials; maxima as maxima).
 */
import type { AnalysisResult } from './types.js';

/** The figures the lab notebook compares, for one trial. */
export interface TrialFigures {
  readonly meanJump: number;
  readonly maxJump: number;
  readonly maxQueue: number;
  /** Largest final gap between a machine's Lamport clock and the fastest machine's. */
  readonly finalDrift: number;
  /** Messages sent (SEND rows) per second of run time, all machines together. */
  readonly messagesPerSec: number;
  readonly ok: boolean;
}

/** Figures of one analysed trial. Invariant: all values are finite (0 when there was nothing to measure). */
export function trialFigures(result: AnalysisResult): TrialFigures {
  let jumpSum = 0;
  let jumpCount = 0;
  let maxJump = 0;
  let maxQueue = 0;
  let finalDrift = 0;
  let runMs = 0;
  for (const s of result.stats) {
    jumpSum += s.jumps.mean * s.jumps.count;
    jumpCount += s.jumps.count;
    if (s.jumps.count > 0 && s.jumps.max > maxJump) maxJump = s.jumps.max;
    if (s.queue.max > maxQueue) maxQueue = s.queue.max;
    if (s.drift.finalGap > finalDrift) finalDrift = s.drift.finalGap;
    if (s.runLengthMs > runMs) runMs = s.runLengthMs;
  }
  return {
    meanJump: jumpCount ? jumpSum / jumpCount : 0,
    maxJump,
    maxQueue,
    finalDrift,
    messagesPerSec: runMs > 0 ? result.messages.sends / (runMs / 1000) : 0,
    ok: result.ok,
  };
}

/** One row of the comparison table. */
export interface SettingSummary {
  readonly name: string;
  readonly args: readonly string[];
  readonly trials: number;
  readonly meanJump: number;
  readonly maxJump: number;
  readonly maxQueue: number;
  readonly finalDrift: number;
  readonly messagesPerSec: number;
  readonly failedTrials: number;
}

/** Compares a setting's trials: means of means, maxima of maxima, mean final drift and rate. */
export function summarizeSetting(name: string, args: readonly string[], trials: readonly TrialFigures[]): SettingSummary {
  const n = trials.length;
  const mean = (f: (t: TrialFigures) => number): number => (n ? trials.reduce((s, t) => s + f(t), 0) / n : 0);
  const max = (f: (t: TrialFigures) => number): number => trials.reduce((m, t) => Math.max(m, f(t)), 0);
  return {
    name,
    args,
    trials: n,
    meanJump: mean((t) => t.meanJump),
    maxJump: max((t) => t.maxJump),
    maxQueue: max((t) => t.maxQueue),
    finalDrift: mean((t) => t.finalDrift),
    messagesPerSec: mean((t) => t.messagesPerSec),
    failedTrials: trials.filter((t) => !t.ok).length,
  };
}

/**
 * Counting a check's violations while keeping only the first few as examples (file:line + message).
 */
import { type CheckResult, type Finding, MAX_EXAMPLES } from './types.js';

/** Counts violations and keeps the first {@link MAX_EXAMPLES} of them. Helper for checkers. */
export class Violations {
  count = 0;
  readonly examples: Finding[] = [];

  add(where: string, message: string): void {
    this.count++;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push({ where, message });
  }

  result(name: string, description: string): CheckResult {
    return { name, description, ok: this.count === 0, violations: this.count, examples: this.examples };
  }
}

/**
 * Commander option parsers for the repeatable fault flags (`--kill`, `--restart`, `--pause` of
 * start-all; the simulator's `--crash`/`--restart` can use the same): each value is parsed by
 * runtime/faults/plan.ts and a bad one becomes commander's InvalidArgumentError (exit status 2).
 */
import { InvalidArgumentError } from 'commander';
import { type FaultKind, type FaultSpec, FaultSpecError, parseFaultSpec } from '../runtime/faults/plan.js';

/** Parser for a repeatable fault flag: collects FaultSpecs in flag order. */
export function faultOption(kind: FaultKind, allowLeader = true): (value: string, previous: FaultSpec[] | undefined) => FaultSpec[] {
  return (value, previous) => {
    try {
      return [...(previous ?? []), parseFaultSpec(kind, value, allowLeader)];
    } catch (e) {
      if (e instanceof FaultSpecError) throw new InvalidArgumentError(e.message.replace(/^--\w+ /, '') + '.');
      throw e;
    }
  };
}

/** Help text of the fault flags. */
export const FAULT_HELP = {
  kill: 'SIGKILL a machine at a time after all are ready: <id|leader>@<s>, repeatable (e.g. leader@8)',
  restart: 'start a killed machine again (--append): <id|leader>@<s>; leader = the one killed as leader',
  pause: 'SIGSTOP a machine, SIGCONT it later: <id|leader>@<s>-<s>, repeatable (e.g. 2@5-9)',
} as const;

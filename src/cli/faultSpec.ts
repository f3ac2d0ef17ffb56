/**
 * Commander option parsers for the repeatable fault flags (`--kill`, `--restart`, `--pause` of
 * start-all and simulate, and simulate's `--crash`): each value is parsed by faults/process.ts and
 * a bad one becomes commander's InvalidArgumentError (exit status 2).
 */
import { InvalidArgumentError } from 'commander';
import { type FaultKind, type FaultSpec, FaultSpecError, parseFaultSpec } from '../faults/process.js';

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

/**
 * Help text of a fault flag; without `allowLeader` (the simulator, which has no leader view) the
 * `leader` target and its example are left out.
 */
export function faultHelp(kind: keyof typeof FAULT_HELP, allowLeader = true): string {
  const text = FAULT_HELP[kind];
  if (allowLeader) return text;
  return text
    .replace('<id|leader>', '<id>')
    .replace(' (e.g. leader@8)', ' (e.g. 3@8)')
    .replace('; leader = the one killed as leader', '');
}

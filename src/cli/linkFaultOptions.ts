/**
 * Commander option parsers and help for the network-fault flags of run-machine and start-all
 * (`--delay`, `--loss`, `--partition`, all repeatable; grammar in faults/link.ts).
 * A bad value becomes commander's InvalidArgumentError (exit status 2) with the parser's message.
 */
import { InvalidArgumentError } from 'commander';
import { LabError } from '../core/errors.js';
import { type DelayRule, type Partition, type LossRule, parseDelayRule, parsePartition, parseLossRule } from '../faults/link.js';

/** A repeatable flag collecting parsed values in flag order. */
function repeatable<T>(parse: (text: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => {
    try {
      return [...(previous ?? []), parse(value)];
    } catch (e) {
      if (e instanceof LabError) throw new InvalidArgumentError(e.message.replace(/^--[\w-]+ /, '') + '.');
      throw e;
    }
  };
}

/**
 * Refuses a delay without a unit (`uniform:1-50`): on the command line the unit is required, so
 * nobody gets milliseconds when they meant seconds. `text` is `[<link>=]<delay>`; the delay must
 * end in ms, s or m (`uniform:1-50ms`; a unit at the end applies to both bounds). Throws LabError.
 */
export function requireDelayUnit(text: string): void {
  const value = text.slice(text.indexOf('=') + 1).trim();
  if (/:/.test(value) && !/\d\s*(ms|s|m)$/.test(value)) {
    const kind = value.slice(0, value.indexOf(':'));
    const example = kind === 'fixed' ? 'fixed:5ms' : kind === 'exp' ? 'exp:10ms' : 'uniform:1-50ms';
    throw new LabError('INVALID_OPTION', `--delay "${text}": the unit is required (ms, s or m), e.g. ${example}`);
  }
}

export const delayRuleOption = repeatable((text: string) => {
  requireDelayUnit(text);
  return parseDelayRule(text);
});
export const lossRuleOption = repeatable(parseLossRule);
export const partitionOption = repeatable(parsePartition);

/** Help text of the network-fault flags. */
export const LINK_FAULT_HELP = {
  delay: 'delay what this machine sends: [<from>><to>=]<uniform:A-Bms|fixed:Dms|exp:Mms>, repeatable (e.g. 1>2=uniform:10-50ms; last match wins)',
  loss: 'lose each message copy with probability p (logged DROP reason=injected_loss): [<from>><to>=]<p>, repeatable (e.g. 2>3=0.2)',
  partition: 'block links for a time window (DROP reason=partitioned): <g>|<g>@<s>[-<s>] two-way, <g>><g>@<s>[-<s>] one-way (e.g. "1,2|3@10-20"); times from READY (start-all: from all ready)',
} as const;

/** The network-fault flags as commander parsed them (run-machine and start-all options extend this). */
export interface RawLinkFaultOptions {
  delay?: DelayRule[];
  loss?: LossRule[];
  partition?: Partition[];
}

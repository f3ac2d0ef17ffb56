/**
 * A run's fault scenario: every fault a run is asked to suffer, process faults (kill, pause,
 * restart) and link faults (delay, loss, partition) in one value, as the flags gave them. Pure.
 * Drivers only interpret it: start-all's injector and link schedule (runtime/faults), a machine's
 * TCP fault decorator (runtime/net/linkFaults.ts) and the simulator (runtime/sim).
 */
import type { MachineId } from '../core/types.js';
import { checkLinkFaultIds, type DelayRule, type LossRule, type Partition } from './link.js';
import { type FaultAction, type FaultSpec, schedulePlan } from './process.js';

/** Every fault of a run. Invariant: each list is in flag order. */
export interface Scenario {
  /** Kills, restarts and pauses (the simulator's crashes are kills). */
  readonly process: readonly FaultSpec[];
  readonly delays: readonly DelayRule[];
  readonly losses: readonly LossRule[];
  readonly partitions: readonly Partition[];
}

/** The scenario without faults. */
export const NO_FAULTS: Scenario = { process: [], delays: [], losses: [], partitions: [] };

/** A scenario from the lists a command parsed (missing lists are empty). */
export function scenarioOf(parts: Partial<Scenario>): Scenario {
  return { process: parts.process ?? [], delays: parts.delays ?? [], losses: parts.losses ?? [], partitions: parts.partitions ?? [] };
}

/** True when the scenario asks for no fault at all. */
export function isEmptyScenario(s: Scenario): boolean {
  return s.process.length === 0 && s.delays.length === 0 && s.losses.length === 0 && s.partitions.length === 0;
}

/**
 * Checks every id the scenario names against the run's members and orders its process faults.
 * Throws FaultSpecError (process faults) or LabError INVALID_OPTION (link faults) for an unknown id.
 */
export function checkScenario(s: Scenario, members: readonly MachineId[]): FaultAction[] {
  const actions = schedulePlan(s.process, members);
  checkLinkFaultIds(members, s);
  return actions;
}

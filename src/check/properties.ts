/**
 * The properties the checker evaluates in every explored state, per algorithm: the ones analyze
 * checks on logs, stated over the model's state. (The clock rules are checked on every transition
 * by the model itself.)
 *
 * - mutex-safety (mutex, ricart-agrawala): at most one running machine is inside the critical
 *   section, i.e. between its CS_ENTER and CS_EXIT effects (analyze: `mutex-safety`).
 * - election-uniqueness / election-agreement (election, bully), once quiet: in a state where no
 *   message is in flight and no running machine is electing, and every running machine follows a
 *   leader that runs on its side of the partition and leads itself (the detectors have nothing
 *   left to find), the machines of each side follow one leader (uniqueness), and it is the
 *   highest-ranked running machine of that side (agreement). States where some machine still
 *   follows a crashed leader are not quiet: its failure detector has yet to fire.
 * Not checked (liveness): that every request is eventually granted, that an election eventually
 * ends; the explorer reports the states it found, not the runs' futures.
 */
import type { ElectionState } from '../algorithms/electionCommon.js';
import { algorithmModule } from '../algorithms/registry.js';
import type { Finding, GlobalState, Model } from './model.js';

export interface PropertySet {
  /** Names as analyze reports them, with one line each for the report. */
  readonly names: readonly { readonly name: string; readonly description: string }[];
  check(s: GlobalState, model: Model): Finding | null;
}

const CLOCK_RULES = [
  { name: 'lamport-rules', description: 'every transition: clock events +1, a receive max(local, sent)+1 (the engine, against the rule)' },
  { name: 'vector-rules', description: 'every transition: own entry +1 per clock event, merge on receive' },
  { name: 'clock-condition', description: 'every message edge: L(send) < L(receive) and V(send) < V(receive)' },
];

const mutexSafety: PropertySet = {
  names: [...CLOCK_RULES, { name: 'mutex-safety', description: 'every state: at most one running machine between CS_ENTER and CS_EXIT' }],
  check(s, model) {
    let first = -1;
    for (let m = 0; m < s.machines.length; m++) {
      const snap = s.machines[m]!;
      if (!snap.alive || !snap.inside) continue;
      if (first < 0) first = m;
      else return { property: 'mutex-safety', message: `machines ${model.ids[first]} and ${model.ids[m]} are in the critical section at once` };
    }
    return null;
  },
};

function highestOf(ms: readonly { id: number; rank: number }[]): number {
  let best = ms[0]!;
  for (const m of ms) if (m.rank > best.rank || (m.rank === best.rank && m.id > best.id)) best = m;
  return best.id;
}

const electionQuiet: PropertySet = {
  names: [
    ...CLOCK_RULES,
    { name: 'election-uniqueness', description: 'quiet states: the running machines of each side follow one leader' },
    { name: 'election-agreement', description: 'quiet states: that leader is the highest-ranked running machine of the side' },
  ],
  check(s, model) {
    for (const l of s.links) if (l.length) return null;
    const n = s.machines.length;
    const sides = new Map<number, { id: number; rank: number; leader: number | null }[]>();
    for (let m = 0; m < n; m++) {
      const snap = s.machines[m]!;
      if (!snap.alive) continue;
      const st = model.stateOf(snap) as ElectionState;
      if (st.electing || st.leader === null) return null;
      const li = st.leader - 1;
      if (!model.linkUp(s.aliveMask, s.partition, m, li) && li !== m) return null; // leader gone or across the cut
      const ls = (li === m ? st : model.stateOf(s.machines[li]!)) as ElectionState;
      if (ls.leader !== st.leader) return null; // the leader itself follows someone else: not settled
      const side = s.partition === 0 ? 0 : (s.partition >> m) & 1;
      let list = sides.get(side);
      if (!list) sides.set(side, (list = []));
      list.push({ id: model.ids[m]!, rank: st.rank, leader: st.leader });
    }
    for (const list of sides.values()) {
      const leaders = [...new Set(list.map((x) => x.leader))];
      if (leaders.length > 1) {
        return { property: 'election-uniqueness', message: `quiet, but machines ${list.map((x) => `${x.id}→${x.leader}`).join(', ')} follow ${leaders.length} leaders` };
      }
      const expected = highestOf(list);
      if (leaders[0] !== expected) {
        return { property: 'election-agreement', message: `quiet, every machine of ${list.map((x) => x.id).join(',')} follows ${leaders[0]}, but the highest-ranked running machine is ${expected}` };
      }
    }
    return null;
  },
};

const clockRulesOnly: PropertySet = { names: CLOCK_RULES, check: () => null };

/**
 * The properties checked for an algorithm (by --algorithm name): those of the analysis checker its
 * module names (AlgorithmModule.checker: mutex, ricart-agrawala → mutex safety; election, bully →
 * election uniqueness and agreement); the clock rules only for any other.
 */
export function propertiesFor(algorithm: string): PropertySet {
  switch (algorithmModule(algorithm)?.checker) {
    case 'mutex':
      return mutexSafety;
    case 'election':
      return electionQuiet;
    default:
      return clockRulesOnly;
  }
}

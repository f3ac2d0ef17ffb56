/**
 * The exploration engine: breadth-first (default: the first violation found is one of the shortest),
 * depth-first, or random walks over the model's states, deduplicated by fingerprint (53-bit hash of
 * the abstract key), bounded by depth and by the number of distinct states. Pure: time comes from
 * an injected `now`, progress goes to a callback.
 *
 * Memory: the visited set holds one fingerprint and depth per distinct state (fingerprintSet.ts); the tree of how each state was
 * first reached is three typed-array entries per state (parent, step, choices), enough to replay a
 * counterexample; full states are kept only for the frontier (bfs: the next level; dfs: the stack),
 * with their machines' algorithm states in stored form (Model.keep, storedState.ts).
 */
import { Rng } from '../core/rng.js';
import type { Finding, GlobalState, Model } from './model.js';
import type { PropertySet } from './properties.js';
import { FingerprintSet } from './fingerprintSet.js';

export type Strategy = 'bfs' | 'dfs' | 'random-walk';
export const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random-walk'];

export interface ExploreOptions {
  readonly strategy: Strategy;
  /** Steps from the initial state beyond which nothing is expanded. */
  readonly maxDepth: number;
  /** Distinct states after which exploration stops. */
  readonly maxStates: number;
  readonly properties: PropertySet;
  /** random-walk: seed of the walk choices, and how many walks at most. */
  readonly seed?: number;
  readonly walks?: number;
  /** Milliseconds from any origin (performance.now). Default: a clock that never moves. */
  readonly now?: () => number;
  readonly onProgress?: (p: ExploreStats) => void;
  readonly progressEveryMs?: number;
}

export interface ExploreStats {
  /** States expanded (their successors computed). */
  readonly explored: number;
  readonly distinct: number;
  readonly transitions: number;
  /** Largest depth of any state reached. */
  readonly depthReached: number;
  /** Frontier size (bfs: states waiting at the current and next level). */
  readonly frontier: number;
  readonly elapsedMs: number;
  /** Distinct states per second of elapsed time. */
  readonly statesPerSec: number;
  /** True: every state reachable (under the abstraction) was explored; bfs/dfs only. */
  readonly exhausted: boolean;
  readonly stoppedBy: 'exhausted' | 'depth' | 'max-states' | 'violation' | 'walks';
}

/** One step of a path: the step code and its choices code (model.ts, choiceRng.ts). */
export interface PathStep {
  readonly step: number;
  readonly choices: number;
}

export interface ExploreResult {
  readonly stats: ExploreStats;
  readonly violation: { readonly finding: Finding; readonly path: readonly PathStep[] } | null;
}

/** Growable parent/step/choices arrays: the tree of first visits. */
class NodeStore {
  parent = new Int32Array(1 << 16);
  step = new Int32Array(1 << 16);
  choices = new Float64Array(1 << 16);
  size = 0;

  add(parent: number, step: number, choices: number): number {
    if (this.size === this.parent.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.parent = grow(this.parent);
      this.step = grow(this.step);
      this.choices = grow(this.choices);
    }
    const i = this.size++;
    this.parent[i] = parent;
    this.step[i] = step;
    this.choices[i] = choices;
    return i;
  }

  path(node: number): PathStep[] {
    const out: PathStep[] = [];
    for (let i = node; i > 0; i = this.parent[i]!) out.push({ step: this.step[i]!, choices: this.choices[i]! });
    return out.reverse();
  }
}

/** Calls `visit` for every successor of s: every enabled step, for every combination of its draws. */
export function forEachSuccessor(model: Model, s: GlobalState, visit: (step: number, choices: number, next: GlobalState) => boolean): void {
  for (const step of model.enabled(s)) {
    let prefix: number[] | null = [];
    while (prefix) {
      model.rng.begin(prefix);
      const next = model.apply(s, step);
      const choices = model.rng.encode();
      prefix = model.rng.nextPrefix();
      if (!visit(step, choices, next)) return;
    }
  }
}

/** Explores the model. Deterministic for the same options (random-walk: the same seed). */
export function explore(model: Model, opts: ExploreOptions): ExploreResult {
  const now = opts.now ?? (() => 0);
  const t0 = now();
  const store = new NodeStore();
  /** fingerprint → depth at which it was first (dfs: most shallowly) reached. */
  const visited = new FingerprintSet();
  let explored = 0;
  let transitions = 0;
  let depthReached = 0;
  let cutByDepth = false;
  let frontierSize = 0;
  let stoppedBy: ExploreStats['stoppedBy'] = 'exhausted';
  let violation: ExploreResult['violation'] = null;
  let lastProgress = t0;
  const progressEvery = opts.progressEveryMs ?? 1000;

  const stats = (done: boolean): ExploreStats => {
    const elapsedMs = now() - t0;
    return {
      explored,
      distinct: visited.size,
      transitions,
      depthReached,
      frontier: frontierSize,
      elapsedMs,
      statesPerSec: elapsedMs > 0 ? (visited.size / elapsedMs) * 1000 : 0,
      exhausted: done && stoppedBy === 'exhausted' && opts.strategy !== 'random-walk',
      stoppedBy,
    };
  };
  const tickProgress = (): void => {
    if (!opts.onProgress || (explored & 1023) !== 0) return;
    const t = now();
    if (t - lastProgress >= progressEvery) {
      lastProgress = t;
      opts.onProgress(stats(false));
    }
  };

  const s0 = model.initial();
  visited.set(model.fingerprint(s0), 0);
  store.add(-1, 0, 0);
  const f0 = opts.properties.check(s0, model);
  if (f0) return { stats: { ...stats(true), stoppedBy: 'violation' }, violation: { finding: f0, path: [] } };

  /**
   * Handles one successor of `node` (at depth d). Returns the new node, -1 when already visited
   * (or the search must stop: see stoppedBy), and sets `violation`.
   */
  const consider = (node: number, d: number, step: number, choices: number, next: GlobalState): number => {
    transitions++;
    if (model.violation) {
      violation = { finding: model.violation, path: [...store.path(node), { step, choices }] };
      stoppedBy = 'violation';
      return -1;
    }
    const fp = model.fingerprint(next);
    const seen = visited.get(fp);
    if (seen >= 0 && (opts.strategy !== 'dfs' || seen <= d + 1)) return -1;
    visited.set(fp, d + 1);
    const id = store.add(node, step, choices);
    if (d + 1 > depthReached) depthReached = d + 1;
    const f = opts.properties.check(next, model);
    if (f) {
      violation = { finding: f, path: store.path(id) };
      stoppedBy = 'violation';
      return -1;
    }
    if (visited.size >= opts.maxStates) stoppedBy = 'max-states';
    return id;
  };

  if (opts.strategy === 'bfs') {
    let level: { node: number; s: GlobalState }[] = [{ node: 0, s: s0 }];
    for (let d = 0; level.length && stoppedBy === 'exhausted'; d++) {
      if (d >= opts.maxDepth) {
        cutByDepth = true;
        break;
      }
      const next: { node: number; s: GlobalState }[] = [];
      for (let k = 0; k < level.length && stoppedBy === 'exhausted'; k++) {
        const { node, s } = level[k]!;
        level[k] = null as unknown as { node: number; s: GlobalState };
        explored++;
        frontierSize = level.length - k + next.length;
        forEachSuccessor(model, s, (step, choices, succ) => {
          const id = consider(node, d, step, choices, succ);
          if (id >= 0) next.push({ node: id, s: model.keep(succ) });
          return stoppedBy === 'exhausted';
        });
        tickProgress();
      }
      level = next;
    }
  } else if (opts.strategy === 'dfs') {
    const stack: { node: number; s: GlobalState; d: number }[] = [{ node: 0, s: s0, d: 0 }];
    while (stack.length && stoppedBy === 'exhausted') {
      const { node, s, d } = stack.pop()!;
      frontierSize = stack.length;
      if (d >= opts.maxDepth) {
        cutByDepth = true;
        continue;
      }
      explored++;
      forEachSuccessor(model, s, (step, choices, succ) => {
        const id = consider(node, d, step, choices, succ);
        if (id >= 0) stack.push({ node: id, s: model.keep(succ), d: d + 1 });
        return stoppedBy === 'exhausted';
      });
      tickProgress();
    }
  } else {
    const pick = new Rng(opts.seed ?? 1);
    const walks = opts.walks ?? 1000;
    let w = 0;
    for (; w < walks && stoppedBy === 'exhausted'; w++) {
      let s = s0;
      let node = 0;
      const path: PathStep[] = [];
      for (let d = 0; d < opts.maxDepth && stoppedBy === 'exhausted'; d++) {
        const succ: { step: number; choices: number; next: GlobalState; finding: Finding | null }[] = [];
        forEachSuccessor(model, s, (step, choices, next) => {
          succ.push({ step, choices, next, finding: model.violation });
          return true;
        });
        explored++;
        if (!succ.length) break;
        const c = succ[pick.int(0, succ.length - 1)]!;
        transitions++;
        path.push({ step: c.step, choices: c.choices });
        if (c.finding) {
          violation = { finding: c.finding, path };
          stoppedBy = 'violation';
          break;
        }
        const fp = model.fingerprint(c.next);
        if (!visited.has(fp)) {
          visited.set(fp, d + 1);
          node = store.add(node, c.step, c.choices);
          if (visitedLimit()) stoppedBy = 'max-states';
        }
        if (d + 1 > depthReached) depthReached = d + 1;
        const f = opts.properties.check(c.next, model);
        if (f) {
          violation = { finding: f, path };
          stoppedBy = 'violation';
          break;
        }
        s = c.next;
        tickProgress();
      }
    }
    if (stoppedBy === 'exhausted') stoppedBy = 'walks';
  }
  function visitedLimit(): boolean {
    return visited.size >= opts.maxStates;
  }
  if (stoppedBy === 'exhausted' && cutByDepth) stoppedBy = 'depth';
  frontierSize = 0;
  return { stats: stats(true), violation };
}

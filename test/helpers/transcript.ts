/**
 * Algorithm transcripts: drives N machine engines (the runtime's own MachineEngine, so the clocks
 * and rows are what a log would hold) through a hand-written schedule and returns every row as one
 * short line. A test then reads as the protocol does: who ticked, which message was delivered, what
 * each machine logged. Links are FIFO per direction, as TCP; nothing happens that the script does
 * not say. Script steps, one per line (`#` starts a comment):
 *
 *   up all | up 1>2        outgoing link(s) come up (engine.peerUp)
 *   down 1>2               an outgoing link goes down (engine.peerDown); its in-flight copies are lost
 *   tick 1 [xN]            machine 1 ticks (N times)
 *   deliver 1>2 [xN]       the head message of link 1→2 arrives at 2 (N times)
 *   flush                  deliver every in-flight message, oldest link first, until none is left
 *   wait 500               virtual time passes (ms)
 *   clear                  the transcript lines start after this point (rows keep everything)
 *
 * Transcript line: `<id> L<lamport> [<vector>] <EVENT> [peer] [msg_id] [detail]`.
 */
import type { AnyAlgorithm } from '../../src/core/algorithm.js';
import type { LogRow } from '../../src/core/logRow.js';
import { Rng } from '../../src/core/rng.js';
import type { Envelope, MachineId } from '../../src/core/types.js';
import { type VectorLayout, makeLayout } from '../../src/core/vector.js';
import { MachineEngine } from '../../src/runtime/engine.js';

export interface TranscriptRun {
  /** Every row since the last `clear`, as transcript lines, in the order the engines wrote them. */
  readonly lines: string[];
  /** Every row, as the log would hold it. */
  readonly rows: LogRow[];
  readonly engines: ReadonlyMap<MachineId, MachineEngine>;
  /** Messages still in flight per link `a>b`. */
  readonly inFlight: ReadonlyMap<string, readonly Envelope<unknown>[]>;
}

/** The vector column without ids: `1:2;2:0;3:1` → `2,0,1`. */
function shortVector(v: string): string {
  return v.split(';').map((p) => p.slice(p.indexOf(':') + 1)).join(',');
}

/** Formats one row as a transcript line. */
export function transcriptLine(r: LogRow): string {
  return [`${r.machine}`, `L${r.lamport}`, `[${shortVector(r.vector)}]`, r.event, r.peer, r.msg_id, r.detail].filter((x) => x !== '').join(' ');
}

/** N engines over hand-driven FIFO links, as {@link engineCluster} builds them. */
export interface EngineCluster {
  readonly layout: VectorLayout;
  readonly engines: ReadonlyMap<MachineId, MachineEngine>;
  /** In-flight messages per directed link `a>b`, FIFO. */
  readonly links: Map<string, Envelope<unknown>[]>;
  /** The virtual clock, in ms since the start (the engines read it). */
  readonly clock: { now: number };
}

export interface EngineClusterOptions {
  readonly algorithm: (id: MachineId) => AnyAlgorithm;
  /** The seed of machine `id`'s RNG. */
  readonly seed: (id: MachineId) => number;
  /** Receives every row of machine `id`. */
  readonly write: (row: LogRow) => void;
  /**
   * Decides each send before it is queued on its link: undefined queues it; false or a string is
   * the outbox's refusal (DROP reason=peer_down, or that reason).
   */
  readonly refuse: (from: MachineId, to: MachineId, env: Envelope<unknown>) => false | string | undefined;
}

/**
 * Builds one runtime MachineEngine per id (config order) whose outbox queues onto the cluster's
 * FIFO links; nothing moves until the caller delivers. Shared by the transcripts and the engine's
 * invariant tests.
 */
export function engineCluster(ids: readonly MachineId[], o: EngineClusterOptions): EngineCluster {
  const layout = makeLayout(ids);
  const links = new Map<string, Envelope<unknown>[]>();
  const clock = { now: 0 };
  const engines = new Map<MachineId, MachineEngine>();
  for (const id of ids) {
    engines.set(
      id,
      new MachineEngine({
        self: id,
        members: ids,
        layout,
        algorithm: o.algorithm(id),
        rng: new Rng(o.seed(id)),
        sink: { write: o.write },
        outbox: {
          send: (to, env) => {
            const refused = o.refuse(id, to, env);
            if (refused !== undefined) return refused;
            const key = `${id}>${to}`;
            if (!links.has(key)) links.set(key, []);
            links.get(key)!.push(env);
            return true;
          },
        },
        clock: { epochMs: () => 1_700_000_000_000 + clock.now, sinceStartMs: () => clock.now },
      }),
    );
  }
  return { layout, engines, links, clock };
}

/**
 * Runs `script` on machines `ids` (config order), each running `make(id)`; seeds the RNG of
 * machine i with `seed * 1000 + i`. Throws on a step that cannot be taken (an empty link), so a
 * script that no longer matches the protocol fails loudly.
 */
export function runTranscript(make: (id: MachineId) => AnyAlgorithm, ids: readonly MachineId[], script: string, seed = 1): TranscriptRun {
  const rows: LogRow[] = [];
  const up = new Set<string>();
  const { engines, links, clock } = engineCluster(ids, {
    algorithm: make,
    seed: (id) => seed * 1000 + id,
    write: (r) => rows.push(r),
    refuse: (from, to) => (up.has(`${from}>${to}`) ? undefined : false),
  });
  const engine = (id: string): MachineEngine => {
    const e = engines.get(Number(id));
    if (!e) throw new Error(`transcript: no machine ${id}`);
    return e;
  };
  const linkUp = (key: string): void => {
    const [a, b] = key.split('>');
    up.add(key);
    engine(a!).peerUp(Number(b));
  };
  const deliver = (key: string): void => {
    const q = links.get(key);
    if (!q?.length) throw new Error(`transcript: nothing in flight on ${key}`);
    engine(key.split('>')[1]!).arrive(q.shift()!);
  };
  let shownFrom = 0;
  for (const e of engines.values()) e.start('transcript=1');
  for (const raw of script.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [verb, arg = '', times = 'x1'] = line.split(/\s+/);
    const n = Number(times.replace(/^x/, ''));
    for (let k = 0; k < n; k++) {
      if (verb === 'up' && arg === 'all') {
        for (const a of ids) for (const b of ids) if (a !== b) linkUp(`${a}>${b}`);
      } else if (verb === 'up') linkUp(arg);
      else if (verb === 'down') {
        const [a, b] = arg.split('>');
        up.delete(arg);
        links.delete(arg);
        engine(a!).peerDown(Number(b));
      } else if (verb === 'tick') engine(arg).tick();
      else if (verb === 'deliver') deliver(arg);
      else if (verb === 'wait') clock.now += Number(arg);
      else if (verb === 'clear') shownFrom = rows.length;
      else if (verb === 'flush') {
        for (let guard = 0; guard < 100_000; guard++) {
          const next = [...links.entries()].find(([, q]) => q.length > 0);
          if (!next) break;
          deliver(next[0]);
        }
      } else throw new Error(`transcript: unknown step "${line}"`);
    }
  }
  return { lines: rows.slice(shownFrom).map(transcriptLine), rows, engines, inFlight: links };
}

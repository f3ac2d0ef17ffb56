/**
 * What of a state the checker's hash keeps, per algorithm, and why that is sound: two states with
 * the same key have the same futures (the same steps lead to states with the same keys, and every
 * checked property has the same value), so exploring one of them covers the other.
 *
 * Common to every algorithm:
 * - vector clocks and message sequence numbers are left out: no algorithm reads them (they get
 *   only ctx.lamport, ctx.msgLamport and bodies); the clock rules are checked on every explored
 *   transition instead (model.ts);
 * - a machine's absolute time (ticks × tickMs) is left out; every stored time is kept as its age
 *   at the machine's current time, clamped to [-maxAge, maxAge] where maxAge is the largest
 *   timeout the algorithm compares an age with (all its time comparisons have the form
 *   `now - t >= T` or `now >= t` with T ≤ maxAge, and max/min of times, which clamping preserves);
 * - with `shiftLamport`, every Lamport value (clocks, timestamps in states and bodies, the
 *   envelopes' stamps) is kept relative to the least machine clock, and the values below it by
 *   their order among themselves only (canonical.ts, shiftLamports): the algorithms only compare
 *   Lamport values, the engine stamps max(local, v) + 1 and local + 1, which commute with a common
 *   shift, and a value older than every clock stays below everything made later (a message stuck
 *   on a link while the others go on would otherwise make the space infinite);
 * - sets and maps the algorithm only asks membership questions of (or iterates into results that
 *   do not depend on the order) are keyed sorted;
 * - counters that are only incremented and never read (`entries`) are left out, and configuration
 *   that is the same in every state (`options`, `timing`, `self`, `rank`) too;
 * - any field not named here (one added to an algorithm later) is hashed raw: sound, if coarser.
 * An algorithm without an abstraction here (e.g. a test's variant with another name) is hashed
 * raw as a whole, with no Lamport shift and raw times: sound, but its space rarely closes.
 */
import type { AlgorithmOptions } from '../algorithms/registry.js';
import { electionTiming } from '../algorithms/electionCommon.js';
import { retransmitAfterMs } from '../algorithms/mutexCommon.js';
import { fieldsWriter, type KeyWriter, sortedNumberKeys } from './canonical.js';

/** How states of one algorithm are keyed (see the module header). */
export interface Abstraction {
  readonly name: string;
  /** False: Lamport values never influence the algorithm; they are left out of the key. */
  readonly readsLamport: boolean;
  /** True: every Lamport value of the state is written through `lam`, so keys may shift. */
  readonly shiftLamport: boolean;
  /** Ages of stored times are clamped to [-maxAgeMs, maxAgeMs] (0: times are hashed raw). */
  readonly maxAgeMs: number;
  /** True: the machines' absolute times (ticks × tickMs) are part of the key (raw times). */
  readonly keepsNow: boolean;
  state(st: unknown, w: KeyWriter): void;
  body(b: unknown, w: KeyWriter): void;
  /** One line per abstraction made, for the report. */
  readonly notes: readonly string[];
}

type Writer = (v: never, w: KeyWriter) => void;

const NONE: ReadonlySet<string> = new Set();
const skip: Writer = () => {};
const str: Writer = (v: string, w) => w.str(String(v));
const num: Writer = (v: number, w) => w.num(v);
const lam: Writer = (v: number | null, w) => w.lam(v);
const age: Writer = (v: number | null, w) => w.age(v);
const ids: Writer = (v: Iterable<number>, w) => w.ids(v);
const any: Writer = (v: unknown, w) => w.any(v);
/** The keys of v sorted by id (scratch: `into`, reused; the writers using it do not nest). */
function sortedIds(v: Map<number, unknown>, into: number[]): readonly number[] {
  return sortedNumberKeys(v, into) ?? [...v.keys()].sort((a, b) => a - b);
}
const lamMapKeys: number[] = [];
const ageMapKeys: number[] = [];
const sortedMapKeys: number[] = [];
/** A map id → Lamport value, sorted by id. */
const lamMap: Writer = (v: Map<number, number>, w) => {
  for (const k of sortedIds(v, lamMapKeys)) {
    w.num(k);
    w.lam(v.get(k)!);
  }
  w.end();
};
/** A map id → time, sorted by id, times as ages. */
const ageMap: Writer = (v: Map<number, number>, w) => {
  for (const k of sortedIds(v, ageMapKeys)) {
    w.num(k);
    w.age(v.get(k)!);
  }
  w.end();
};
/** A map id → plain value, sorted by id (w.any never comes back here, so the scratch is safe). */
const sortedMap: Writer = (v: Map<number, unknown>, w) => {
  for (const k of sortedIds(v, sortedMapKeys)) {
    w.num(k);
    w.any(v.get(k));
  }
  w.end();
};

const membership: Writer = fieldsWriter({ live: ids, downSince: ageMap }, NONE);
const requestKey = fieldsWriter({ ts: lam, id: num }, NONE);
const requestQueue: Writer = (v: { ts: number; id: number }[], w) => {
  for (const k of v) requestKey(k, w);
  w.end();
};

/** Mutex bodies: `kind`, the Lamport stamps `ts` and `req` (a REPLY's own request); anything else (resend, ask) raw. */
const mutexBody: (b: unknown, w: KeyWriter) => void = fieldsWriter({ kind: str, ts: lam, req: lam }, NONE) as (b: unknown, w: KeyWriter) => void;

const MUTEX_CONSTANT: ReadonlySet<string> = new Set(['options']);

/**
 * The mutex algorithms' `progressAt` (when a waiter last made progress, or an idle machine last
 * asked): read only as `now - progressAt >= retransmit`. With re-sending off (retransmit = ∞) that
 * is never true, so the field is left out; otherwise it is an age like the failure detector's.
 */
function retransmitField(o: AlgorithmOptions): Writer {
  return Number.isFinite(o.retransmitMs ?? 0) ? age : skip;
}

/** Largest timeout a mutex algorithm compares an age with: the failure timeout, and the retransmit time when re-sending is on. */
function mutexMaxAge(o: AlgorithmOptions): number {
  const r = o.retransmitMs ?? retransmitAfterMs(o);
  return Number.isFinite(r) ? Math.max(o.failureTimeoutMs, r) : o.failureTimeoutMs;
}

/** The abstraction both mutex algorithms share: their own state fields, the same body, ages and notes. */
function mutexAbstraction(name: string, o: AlgorithmOptions, fields: Readonly<Record<string, Writer>>, extraNotes: readonly string[]): Abstraction {
  return {
    name,
    readsLamport: true,
    shiftLamport: true,
    maxAgeMs: mutexMaxAge(o),
    keepsNow: false,
    state: fieldsWriter(fields, MUTEX_CONSTANT) as (st: unknown, w: KeyWriter) => void,
    body: mutexBody,
    notes: [
      'Lamport values relative to the least machine clock, older ones by their order only (the algorithm compares them; the engine adds 1)',
      `failure-detector times as ages clamped at the failure timeout (${o.failureTimeoutMs} ms)`,
      'vector clocks, msg numbers, absolute time and the entry counter left out (never read by the algorithm)',
      Number.isFinite(o.retransmitMs ?? 0)
        ? `re-sending on (every ${o.retransmitMs ?? retransmitAfterMs(o)} ms without progress): progressAt as an age clamped at ${mutexMaxAge(o)} ms`
        : "re-sending off (check's default; --retransmit-ms turns it on): progressAt left out, never compared",
      ...extraNotes,
    ],
  };
}

function lamportMutex(o: AlgorithmOptions): Abstraction {
  return mutexAbstraction(
    'mutex',
    o,
    {
      phase: str,
      myTs: lam,
      heldTicks: num,
      queue: requestQueue,
      latestFrom: lamMap,
      heardFrom: ids,
      membership,
      entries: skip,
      progressAt: retransmitField(o),
    },
    [],
  );
}

function ricartAgrawala(o: AlgorithmOptions, linksChange: boolean): Abstraction {
  return mutexAbstraction(
    'ricart-agrawala',
    o,
    {
      phase: str,
      myTs: lam,
      heldTicks: num,
      repliedBy: ids,
      deferred: lamMap,
      // read only when a link comes up again (resync); links never change state without crashes or partitions
      lastReplyTo: linksChange ? lamMap : skip,
      heardFrom: ids,
      membership,
      entries: skip,
      progressAt: retransmitField(o),
    },
    linksChange ? [] : ['lastReplyTo left out: it is read only when a link comes up again, which needs a crash or a partition'],
  );
}

const ELECTION_CONSTANT: ReadonlySet<string> = new Set(['self', 'rank', 'rankSource', 'timing']);

function election(name: string, o: AlgorithmOptions): Abstraction {
  const t = electionTiming(o.heartbeatMs, o.leaderTimeoutMs);
  const maxAge = Math.max(t.heartbeatMs, t.leaderTimeoutMs, t.ackTimeoutMs, t.electionTimeoutMs, t.strayAfterMs);
  const pendingEntry = fieldsWriter({ to: num, body: any, at: age }, NONE);
  const pending: Writer = (v: object[], w) => {
    for (const p of v) pendingEntry(p, w);
    w.end();
  };
  const fields = {
    ranks: sortedMap,
    leader: any,
    leaderRank: any,
    nextCheckAt: age,
    checkSince: age,
    electing: any,
    electionAt: age,
    best: any,
    pending,
    suspected: ageMap,
    answeredAt: age,
    followers: ageMap,
    leadingSince: age,
    nextAnnounceAt: age,
    // read only as `elections === 0` (the reason given in the ELECTION row)
    elections: (v: number, w: KeyWriter) => w.num(v > 0 ? 1 : 0),
  };
  return {
    name,
    readsLamport: false,
    shiftLamport: false,
    maxAgeMs: maxAge,
    keepsNow: false,
    state: fieldsWriter(fields, ELECTION_CONSTANT) as (st: unknown, w: KeyWriter) => void,
    body: (b, w) => w.any(b),
    notes: [
      'Lamport values left out (the election algorithms never read ctx.lamport or msgLamport)',
      `every stored time as its age clamped at the longest timeout (${maxAge} ms)`,
      'vector clocks, msg numbers and absolute time left out; the election counter kept only as zero / not zero',
    ],
  };
}

const workload: Abstraction = {
  name: 'workload',
  readsLamport: false,
  shiftLamport: false,
  maxAgeMs: 0,
  keepsNow: false,
  state: fieldsWriter({}, new Set(['internalMax'])) as (st: unknown, w: KeyWriter) => void,
  body: (b, w) => w.any(b),
  notes: ['the workload keeps no state but its queue; Lamport values left out (it never reads them)'],
};

/** Hashes the whole state raw: sound for any algorithm, and rarely finite. */
export const RAW_ABSTRACTION: Abstraction = {
  name: 'raw',
  readsLamport: true,
  shiftLamport: false,
  maxAgeMs: 0,
  keepsNow: true,
  state: (st, w) => w.any(st),
  body: (b, w) => w.any(b),
  notes: ['no abstraction: states hashed raw (Lamport values and times absolute)'],
};

/**
 * The abstraction for an algorithm of the registry by name; RAW_ABSTRACTION for any other.
 * `linksChange`: crashes or partitions may take links down and up.
 */
export function abstractionFor(algorithm: string, options: AlgorithmOptions, linksChange: boolean): Abstraction {
  switch (algorithm) {
    case 'mutex':
      return lamportMutex(options);
    case 'ricart-agrawala':
      return ricartAgrawala(options, linksChange);
    case 'election':
    case 'bully':
      return election(algorithm, options);
    case 'workload':
      return workload;
    default:
      return RAW_ABSTRACTION;
  }
}

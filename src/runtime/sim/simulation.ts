/**
 * Deterministic simulation: N machine engines in one process under virtual time, over an in-memory
 * network with seeded delays, loss and crashes. Per-link delivery is FIFO, as over TCP. The same
 * seed and options give the same run, row for row.
 */
import type { AnyAlgorithm } from '../../core/algorithm.js';
import { Rng, deriveSeed } from '../../core/rng.js';
import type { Envelope, MachineId } from '../../core/types.js';
import { makeLayout } from '../../core/vector.js';
import { MachineEngine, type RowSink } from '../engine.js';
import { setupMachine } from '../machineSetup.js';
import { EventQueue } from './eventQueue.js';

/** Delay of one message in virtual ms, drawn from the network's generator. */
export type DelayModel = (rng: Rng) => number;

/** Uniform delay in [min, max] ms. */
export function uniformDelay(min: number, max: number): DelayModel {
  return (rng) => min + rng.float() * (max - min);
}

export interface SimulationOptions {
  /** Machine ids in config (ring) order. */
  readonly ids: readonly MachineId[];
  /** Builds each machine's algorithm. */
  readonly algorithm: (id: MachineId) => AnyAlgorithm;
  readonly seed: number;
  readonly maxTickRate?: number;
  readonly minTickRate?: number;
  readonly tickRate?: number;
  readonly delay?: DelayModel;
  /** Probability a message is lost in flight. */
  readonly loss?: number;
  /** Virtual run length in ms. */
  readonly durationMs: number;
  /** Where each machine's rows go (e.g. a BufferedCsvLog, or a collector in tests). */
  readonly sink: (id: MachineId) => RowSink;
  /** Wall-clock epoch the virtual time starts at (fixed, so logs are byte-identical). */
  readonly startEpochMs?: number;
  /** Crashes: machine stops at atMs (its in-flight messages are lost, sends to it are DROPs). */
  readonly crashes?: readonly { id: MachineId; atMs: number }[];
}

type SimEvent =
  | { kind: 'tick'; id: MachineId; n: number }
  | { kind: 'deliver'; to: MachineId; env: Envelope<unknown> }
  | { kind: 'crash'; id: MachineId };

export interface SimMachine {
  readonly id: MachineId;
  readonly engine: MachineEngine;
  readonly tickRate: number;
  readonly seed: number;
  crashed: boolean;
}

export interface SimulationResult {
  readonly machines: readonly SimMachine[];
  /** Events processed (ticks + deliveries). */
  readonly events: number;
  readonly lost: number;
}

/** The default virtual epoch: 2026-01-01T00:00:00Z. */
export const DEFAULT_SIM_EPOCH = Date.UTC(2026, 0, 1);

/** Runs a simulation to its duration. Invariant: same options → same rows in the same order. */
export function runSimulation(opts: SimulationOptions): SimulationResult {
  const layout = makeLayout(opts.ids);
  const epoch0 = opts.startEpochMs ?? DEFAULT_SIM_EPOCH;
  const queue = new EventQueue<SimEvent>();
  const netRng = new Rng(deriveSeed(opts.seed, 0));
  const delay = opts.delay ?? uniformDelay(1, 20);
  const loss = opts.loss ?? 0;
  let now = 0;
  let lost = 0;
  const machines = new Map<MachineId, SimMachine>();
  /** Per-link last delivery time, to keep links FIFO. */
  const linkFree = new Map<string, number>();

  for (const id of opts.ids) {
    const seed = deriveSeed(opts.seed, id);
    const { rng, tickRate } = setupMachine(seed, { fixed: opts.tickRate, max: opts.maxTickRate ?? 6, min: opts.minTickRate });
    const self = id;
    const engine = new MachineEngine({
      self,
      members: opts.ids,
      layout,
      algorithm: opts.algorithm(id),
      rng,
      sink: opts.sink(id),
      clock: { epochMs: () => epoch0 + Math.floor(now), sinceStartMs: () => now },
      outbox: {
        send(peer, env) {
          const target = machines.get(peer);
          if (!target || target.crashed) return false;
          if (loss > 0 && netRng.chance(loss)) {
            lost++;
            return true;
          }
          const key = `${self}>${peer}`;
          const at = Math.max(now + delay(netRng), linkFree.get(key) ?? 0);
          linkFree.set(key, at);
          queue.push(at, { kind: 'deliver', to: peer, env });
          return true;
        },
      },
    });
    machines.set(id, { id, engine, tickRate, seed, crashed: false });
  }
  for (const m of machines.values()) {
    m.engine.start(`seed=${m.seed} tick_rate=${m.tickRate} algorithm=${opts.algorithm(m.id).name} mode=simulated`);
  }
  for (const m of machines.values()) {
    for (const peer of opts.ids) if (peer !== m.id) m.engine.peerUp(peer);
    m.engine.note('READY', `peers=${opts.ids.length - 1}`);
    queue.push(1000 / m.tickRate, { kind: 'tick', id: m.id, n: 1 });
  }
  for (const c of opts.crashes ?? []) queue.push(c.atMs, { kind: 'crash', id: c.id });

  let events = 0;
  while (queue.peekTime() <= opts.durationMs) {
    const next = queue.pop()!;
    now = next.time;
    const ev = next.item;
    events++;
    if (ev.kind === 'tick') {
      const m = machines.get(ev.id)!;
      if (m.crashed) continue;
      m.engine.tick();
      queue.push(((ev.n + 1) * 1000) / m.tickRate, { kind: 'tick', id: ev.id, n: ev.n + 1 });
    } else if (ev.kind === 'deliver') {
      const m = machines.get(ev.to)!;
      if (m.crashed) {
        lost++;
        continue;
      }
      m.engine.arrive(ev.env);
    } else {
      const m = machines.get(ev.id)!;
      m.crashed = true;
      for (const other of machines.values()) if (other.id !== ev.id && !other.crashed) other.engine.peerDown(ev.id, 'reason=crashed');
    }
  }
  now = opts.durationMs;
  for (const m of machines.values()) if (!m.crashed) m.engine.note('STOP', 'reason=duration');
  return { machines: [...machines.values()], events, lost };
}

/**
 * The supervisor behind start-all with stand-in child processes (test/helpers/fakeMachine.mjs):
 * machines are told to dial only once all listen, and to begin only once all are connected.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/runtime/supervisor.js';
import type { ChildMessage } from '../../src/runtime/ipc.js';
import { ROOT } from '../helpers/cli.js';

let supervisor: Supervisor | null = null;
afterEach(async () => {
  await supervisor?.stopAll();
  supervisor = null;
});

describe('Supervisor start barrier', () => {
  it('sends dial once all listen and begin once all are connected; then every machine gets ready', async () => {
    const machines = [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', port: 1000 + id }));
    const seen: string[] = [];
    supervisor = new Supervisor({
      machines,
      nodePath: process.execPath,
      scriptPath: join(ROOT, 'test', 'helpers', 'fakeMachine.mjs'),
      argsFor: () => [],
      staggerMs: 0,
      listenCapMs: 5000,
      bootAhead: 3,
      graceMs: 2000,
      onOutput: () => {},
      onMessage: (id, msg: ChildMessage) => {
        if (msg.type === 'listening' || msg.type === 'connected' || msg.type === 'ready') seen.push(`${msg.type} ${id}`);
      },
      onUnexpectedExit: (id, how) => seen.push(`unexpected exit ${id} ${how}`),
    });
    await supervisor.start();
    const ms = await supervisor.allReady;
    await supervisor.waitAll();
    expect(ms).toBeGreaterThan(0);
    // the fakes listen in config order, connect 0, 80 and 160 ms after `dial` (so an early dial would show); nobody is ready
    // before all three are connected
    expect(seen.slice(0, 3)).toEqual(['listening 1', 'listening 2', 'listening 3']);
    expect(seen.slice(3, 6)).toEqual(['connected 1', 'connected 2', 'connected 3']);
    expect(seen.slice(6).sort()).toEqual(['ready 1', 'ready 2', 'ready 3']);
  });
});

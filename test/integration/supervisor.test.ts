/**
 * The supervisor behind start-all with stand-in child processes (test/helpers/fakeMachine.mjs):
 * the start barrier tells machines to begin only once every one of them is connected.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type ChildMessage } from '../../src/runtime/supervisor.js';
import { ROOT } from '../helpers/cli.js';

let supervisor: Supervisor | null = null;
afterEach(async () => {
  await supervisor?.stopAll();
  supervisor = null;
});

describe('Supervisor start barrier', () => {
  it('sends begin only after every machine reported connected, then every machine gets ready', async () => {
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
        if (msg.type === 'connected' || msg.type === 'ready') seen.push(`${msg.type} ${id}`);
      },
      onUnexpectedExit: (id, how) => seen.push(`unexpected exit ${id} ${how}`),
    });
    await supervisor.start();
    const ms = await supervisor.allReady;
    await supervisor.waitAll();
    expect(ms).toBeGreaterThan(0);
    // the fakes connect 80, 160 and 240 ms after go: all three connected before anyone is ready
    expect(seen.slice(0, 3)).toEqual(['connected 1', 'connected 2', 'connected 3']);
    expect(seen.slice(3).sort()).toEqual(['ready 1', 'ready 2', 'ready 3']);
  });
});

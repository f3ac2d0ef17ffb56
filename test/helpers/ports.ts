/**
 * Free TCP ports for tests, below 32768 (outside Linux's ephemeral range, see ARCHITECTURE.md).
 * Each vitest worker draws from its own slice of 20000..31999 (by VITEST_POOL_ID: the files that
 * run at the same time have different pool ids), so two test files never pick the same port; a
 * port is also tried by binding it, and a process-wide set avoids handing one out twice.
 */
import { createServer } from 'node:net';

const FIRST_PORT = 20000;
const SLICES = 4;
const SLICE_SIZE = 3000;

const handedOut = new Set<number>();

/** This worker's slice: VITEST_POOL_ID 1..maxWorkers (2 in vitest.config.ts), slices 0..3. */
const slice = ((Number(process.env.VITEST_POOL_ID ?? 1) || 1) - 1) % SLICES;

function randomPort(): number {
  return FIRST_PORT + slice * SLICE_SIZE + Math.floor(Math.random() * SLICE_SIZE);
}

/**
 * `count` distinct ports of this worker's slice never handed out before in this process, without
 * trying them (for tests that bind them themselves and retry on PORT_IN_USE).
 */
export function unusedRandomPorts(count: number): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const port = randomPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    out.push(port);
  }
  return out;
}

function tryBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** `count` distinct ports of this worker's slice that were free a moment ago. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const out: number[] = [];
  while (out.length < count) {
    const port = randomPort();
    if (handedOut.has(port) || out.includes(port)) continue;
    if (await tryBind(port, host)) {
      handedOut.add(port);
      out.push(port);
    }
  }
  return out;
}

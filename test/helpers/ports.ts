/**
 * Free TCP ports for tests, below 32768 (outside Linux's ephemeral range, see ARCHITECTURE.md).
 * A port is tried by binding it; a process-wide set avoids handing one out twice.
 */
import { createServer } from 'node:net';

const handedOut = new Set<number>();

function tryBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** `count` distinct ports that were free a moment ago, in 20000..31999. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const out: number[] = [];
  // spread workers apart so parallel test files rarely collide
  while (out.length < count) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port) || out.includes(port)) continue;
    if (await tryBind(port, host)) {
      handedOut.add(port);
      out.push(port);
    }
  }
  return out;
}

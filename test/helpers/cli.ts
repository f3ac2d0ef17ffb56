/**
 * Running the real CLI in tests: temp directories with a config on free ports, the compiled entry
 * script spawned with execa, and waiting for output lines instead of sleeping. Every process started
 * through here is killed by killAll() (call it in afterEach).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { freePorts } from './ports.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'lamport-lab.js');

export interface TempCluster {
  readonly dir: string;
  readonly configPath: string;
  readonly logDir: string;
  readonly ports: number[];
}

/** A temp dir with config.json for `n` machines (ids 1..n) on free loopback ports. */
export async function tempCluster(n: number, extra: Record<string, unknown> = {}): Promise<TempCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lamport-lab-test-'));
  const ports = await freePorts(n);
  const config = {
    machines: ports.map((port, i) => ({ id: i + 1, host: '127.0.0.1', port })),
    ...extra,
  };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { dir, configPath, logDir: join(dir, 'logs'), ports };
}

type Proc = ResultPromise<{ reject: false; all: true; cwd: string }>;
const running = new Set<Proc>();

/** Starts the CLI with args in `cwd`; output is collected in `lines`. */
export function startCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const proc = execa(process.execPath, [BIN, ...args], { cwd, reject: false, all: true, env: { NO_COLOR: '1', ...env } }) as unknown as Proc;
  running.add(proc);
  void proc.finally(() => running.delete(proc));
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  proc.all?.setEncoding('utf8');
  let partial = '';
  proc.all?.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  /** Resolves with the first line (past or future) matching `re`; rejects if the process ends first. */
  const waitFor = (re: RegExp, timeoutMs = 20_000): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output:\n${lines.slice(-30).join('\n')}`)), timeoutMs);
      waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void proc.then(() => {
        setTimeout(() => {
          const late = lines.find((l) => re.test(l));
          if (late) resolve(late);
          else reject(new Error(`process ended before ${re}; output:\n${lines.slice(-30).join('\n')}`));
          clearTimeout(timer);
        }, 50);
      });
    });
  };
  return { proc, lines, waitFor };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], cwd: string, timeoutMs = 60_000) {
  const proc = execa(process.execPath, [BIN, ...args], { cwd, reject: false, all: true, timeout: timeoutMs, env: { NO_COLOR: '1' } });
  return await proc;
}

/** Kills every process started through startCli (SIGKILL). */
export async function killAll(): Promise<void> {
  const procs = [...running];
  for (const p of procs) p.kill('SIGKILL');
  await Promise.allSettled(procs);
}

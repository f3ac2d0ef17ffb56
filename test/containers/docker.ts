/**
 * Driving a real container engine from the container tests: a docker daemon (started here when none
 * answers, and stopped again by whoever started it), the project's image (scripts/build-image.sh),
 * and compose projects made by `lamport-lab compose`, each under its own project name in a temp dir,
 * always torn down with `docker-compose down -v` (containers, network, volume). Waits poll the
 * containers' output (`docker logs`), never sleep blindly.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { BIN, ROOT } from '../helpers/cli.js';
import { systemTool } from '../helpers/systemTool.js';

/** The image the tests run: the one `npm run image` builds. */
export const IMAGE = process.env['LAMPORT_LAB_IMAGE'] ?? 'lamport-lab:local';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function dockerAnswers(): boolean {
  return spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

/**
 * What the container tests need, by the project's one rule (skip outside CI, fail under CI): the
 * docker CLI, docker-compose, and a daemon that answers or can be started (dockerd, as root).
 */
export const dockerTool = systemTool({
  name: 'docker',
  candidates: ['docker'],
  install: 'Debian/Ubuntu: apt-get install docker.io docker-compose debootstrap; as root, or with a running docker daemon',
  needs: 'test/containers (a real compose cluster)',
  unusable: () => {
    if (dockerAnswers()) return null;
    if (spawnSync('sh', ['-c', 'command -v dockerd'], { stdio: 'ignore' }).status !== 0) return 'no docker daemon answers and dockerd is not installed';
    if (process.getuid?.() !== 0) return 'no docker daemon answers and only root can start dockerd here';
    return null;
  },
});
export const composeTool = systemTool({
  name: 'docker-compose',
  candidates: ['docker-compose'],
  probe: ['version'],
  install: 'Debian/Ubuntu: apt-get install docker-compose',
  needs: 'test/containers (a real compose cluster)',
});

function startDockerd(logFile: string) {
  return execa('dockerd', [], { stdin: 'ignore', stdout: { file: logFile }, stderr: { file: logFile, append: true }, reject: false });
}

/** A dockerd this process started (null: one was already running, or none started yet). */
let ownDaemon: { proc: ReturnType<typeof startDockerd>; logFile: string } | null = null;

/** Makes sure a daemon answers: uses a running one, else starts dockerd and waits for it (60 s). */
export async function ensureDaemon(): Promise<'running' | 'started'> {
  dockerTool.require();
  if (dockerAnswers()) return 'running';
  const dir = mkdtempSync(join(tmpdir(), 'lamport-dockerd-'));
  const logFile = join(dir, 'dockerd.log');
  const proc = startDockerd(logFile);
  ownDaemon = { proc, logFile };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    if (dockerAnswers()) return 'started';
    await sleep(300);
  }
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
  await stopDaemon();
  throw new Error(`dockerd did not come up within 60 s (exit ${proc.exitCode ?? 'none'}); the end of ${logFile}:\n${tail}`);
}

/** Stops the dockerd ensureDaemon started (SIGTERM, then SIGKILL after 30 s); no-op otherwise. */
export async function stopDaemon(): Promise<void> {
  const own = ownDaemon;
  ownDaemon = null;
  if (!own) return;
  own.proc.kill('SIGTERM');
  const killer = setTimeout(() => own.proc.kill('SIGKILL'), 30_000);
  await own.proc;
  clearTimeout(killer);
}

/** Builds the image with scripts/build-image.sh (base chosen or made there); returns its step timings. */
export async function buildImage(): Promise<string> {
  const r = await execa('bash', [join(ROOT, 'scripts', 'build-image.sh'), IMAGE], { cwd: ROOT, reject: false, all: true, timeout: 30 * 60_000 });
  if (r.exitCode !== 0) throw new Error(`building ${IMAGE} failed (exit ${r.exitCode}):\n${r.all}`);
  return r.all;
}

export interface ComposeRun {
  readonly project: string;
  readonly dir: string;
  readonly file: string;
}

let counter = 0;

/** Writes a compose file and config with `lamport-lab compose` in a fresh temp dir under a unique project name. */
export async function composeProject(machines: number, algorithm: string): Promise<ComposeRun> {
  const dir = mkdtempSync(join(tmpdir(), 'lamport-containers-'));
  const project = `lltest${process.pid}x${++counter}`;
  const file = join(dir, 'docker-compose.yml');
  const r = await execa(process.execPath, [BIN, 'compose', '--machines', String(machines), '--algorithm', algorithm, '--image', IMAGE, '--out', file, '--config-out', join(dir, 'config.compose.json')], { cwd: dir, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`lamport-lab compose failed:\n${r.all}`);
  return { project, dir, file };
}

/** Runs docker-compose on the project; throws with its output on a non-zero exit unless `allowFail`. */
export async function compose(run: ComposeRun, args: string[], allowFail = false): Promise<{ exitCode: number; all: string }> {
  const r = await execa('docker-compose', ['-p', run.project, '-f', run.file, ...args], { cwd: run.dir, reject: false, all: true, timeout: 180_000, env: { COMPOSE_INTERACTIVE_NO_CLI: '1' } });
  const exitCode = r.exitCode ?? -1;
  if (exitCode !== 0 && !allowFail) throw new Error(`docker-compose ${args.join(' ')} exited ${exitCode}:\n${r.all}`);
  return { exitCode, all: r.all ?? '' };
}

/** Removes everything the project made (containers, network, the logs volume); never throws. */
export async function teardown(run: ComposeRun | undefined): Promise<void> {
  if (!run) return;
  const r = await compose(run, ['down', '-v', '--remove-orphans', '-t', '5'], true).catch((e: unknown) => ({ exitCode: -1, all: String(e) }));
  if (r.exitCode !== 0) console.warn(`teardown of ${run.project} failed: ${r.all}`);
}

/** The container id of a service's (only) container. */
export async function containerOf(run: ComposeRun, service: string): Promise<string> {
  const { all } = await compose(run, ['ps', '-q', service]);
  const id = all.trim().split('\n').filter((l) => /^[0-9a-f]{12,}$/.test(l.trim()));
  if (id.length !== 1) throw new Error(`expected one container for ${service}, got: ${all}`);
  return id[0]!.trim();
}

/** Runs the docker CLI; never throws on a non-zero exit. */
export async function docker(args: string[]): Promise<{ exitCode: number; all: string }> {
  const r = await execa('docker', args, { reject: false, all: true, timeout: 120_000 });
  return { exitCode: r.exitCode ?? -1, all: r.all ?? '' };
}

/** A container's whole output so far (stdout and stderr, across restarts). */
export async function logsOf(container: string): Promise<string> {
  const r = await execa('docker', ['logs', container], { reject: false, all: true });
  return r.all ?? '';
}

/** Waits until `pattern` occurs at least `count` times in a container's output; throws with the output on timeout. */
export async function waitForOutput(container: string, pattern: RegExp, count = 1, timeoutMs = 60_000): Promise<string> {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const deadline = Date.now() + timeoutMs;
  let out = '';
  for (;;) {
    out = await logsOf(container);
    if ((out.match(global) ?? []).length >= count) return out;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${count}× ${pattern} in ${container}; its output ends:\n${out.split('\n').slice(-30).join('\n')}`);
    await sleep(300);
  }
}

/** Copies the project's logs volume into a fresh host directory (through a throwaway container). */
export async function copyLogs(run: ComposeRun): Promise<string> {
  const out = join(run.dir, 'logs-copy');
  mkdirSync(out);
  const tar = await execa('docker', ['run', '--rm', '-v', `${run.project}_logs:/app/logs:ro`, '--entrypoint', 'tar', IMAGE, '-C', '/app/logs', '-cf', '-', '.'], { encoding: 'buffer', reject: false });
  if (tar.exitCode !== 0) throw new Error(`copying the logs volume failed: ${Buffer.from(tar.stderr).toString()}`);
  await execa('tar', ['-C', out, '-xf', '-'], { input: Buffer.from(tar.stdout) });
  return out;
}

/** `lamport-lab analyze --json` on a host directory. */
export async function analyze(logDir: string): Promise<{ exitCode: number; json: AnalyzeJson; text: string }> {
  const r = await execa(process.execPath, [BIN, 'analyze', '--log-dir', logDir, '--json'], { reject: false, all: false });
  const text = await execa(process.execPath, [BIN, 'analyze', '--log-dir', logDir], { reject: false });
  return { exitCode: r.exitCode ?? -1, json: JSON.parse(r.stdout) as AnalyzeJson, text: text.stdout };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnalyzeJson = { ok: boolean } & Record<string, any>;

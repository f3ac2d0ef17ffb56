/**
 * A real container cluster, end to end (`npm run test:containers`, not part of `npm test`): a docker
 * daemon (started here if none runs, stopped again afterwards), the project's image built offline
 * (scripts/build-image.sh), compose files from `lamport-lab compose`, and `analyze` on the logs
 * copied out of the compose volume:
 * - mutex, 3 machines, ~15 s, then `docker-compose down`: analyze passes, every machine has START,
 *   READY and STOP (down flushes), every machine received messages from the other containers;
 * - mutex with one container `docker kill`ed mid-run and `docker-compose start`ed again: analyze
 *   passes and the restarted machine continued its own log (--append: a second START with
 *   restored_rows, clocks never going back, no archived log);
 * - ring election with the leader's container killed: the others elect a new leader and analyze
 *   reports that recovery;
 * - `up --scale machine-1=2` on a generated file: the replicas refuse to run (exit 2, saying why).
 * Every project is removed with `docker-compose down -v` (containers, network, volume), even on
 * failure. Missing docker / docker-compose: skipped with the reason outside CI, a failure under CI.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readLogDir } from '../helpers/logs.js';
import {
  type ComposeRun,
  analyze,
  buildImage,
  compose,
  composeProject,
  composeTool,
  containerOf,
  copyLogs,
  docker,
  logsOf,
  dockerTool,
  ensureDaemon,
  stopDaemon,
  teardown,
  waitForOutput,
} from './docker.js';

const MACHINES = 3;
const ids = Array.from({ length: MACHINES }, (_, i) => i + 1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ready = (id: number): RegExp => new RegExp(`machine ${id} ready: connected to ${MACHINES - 1}/${MACHINES - 1} peers`);

const projects: ComposeRun[] = [];
async function project(algorithm: string): Promise<ComposeRun> {
  const run = await composeProject(MACHINES, algorithm);
  projects.push(run);
  return run;
}

/** Brings the project up detached (the image is built already) and waits until every machine is READY. */
async function upAndReady(run: ComposeRun): Promise<Map<number, string>> {
  await compose(run, ['up', '-d', '--no-build']);
  const containers = new Map<number, string>();
  for (const id of ids) containers.set(id, await containerOf(run, `machine-${id}`));
  for (const id of ids) await waitForOutput(containers.get(id)!, ready(id), 1, 60_000);
  return containers;
}

/** Waits until the latest LEADER row of every machine in `among` names one leader (other than `not`); returns it. */
async function agreedLeader(containers: Map<number, string>, among: number[], not?: number, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let latest: (number | null)[] = [];
  for (;;) {
    latest = [];
    for (const id of among) {
      const out = await logsOf(containers.get(id)!);
      const all = [...out.matchAll(new RegExp(`^m${id} L=\\d+ LEADER +(?:→ \\d+ )?q=\\d+ leader=(\\d+)\\b`, 'gm'))];
      latest.push(all.length ? Number(all.at(-1)![1]) : null);
    }
    const first = latest[0];
    if (first != null && first !== not && latest.every((l) => l === first)) return first;
    if (Date.now() > deadline) throw new Error(`no agreed leader among ${among.join(',')} within ${timeoutMs} ms (latest LEADER rows: ${latest.join(',')})`);
    await sleep(300);
  }
}

describe.skipIf(dockerTool.skip || composeTool.skip)('a compose cluster in real containers', () => {
  beforeAll(async () => {
    composeTool.require();
    const daemon = await ensureDaemon();
    const t0 = Date.now();
    const out = await buildImage();
    console.log(`containers: docker daemon ${daemon}; image ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n${out.trim()}`);
  }, 30 * 60_000);

  afterEach(async () => {
    // every project of the test, even when it failed half-way: containers, network, volume
    for (const run of projects.splice(0)) await teardown(run);
  }, 120_000);

  afterAll(async () => {
    await stopDaemon();
  }, 60_000);

  it('mutex, 3 containers for ~15 s, then down: analyze passes, START/READY/STOP everywhere, messages crossed containers', async () => {
    const run = await project('mutex');
    await upAndReady(run);
    await sleep(15_000); // the run itself
    await compose(run, ['down', '-t', '10']); // SIGTERM: every machine writes STOP and flushes
    const logDir = await copyLogs(run);
    const result = await analyze(logDir);
    expect(result.exitCode, result.text).toBe(0);
    expect(result.json.ok).toBe(true);
    const rows = readLogDir(logDir);
    expect([...rows.keys()].sort()).toEqual(ids);
    for (const id of ids) {
      const events = rows.get(id)!.map((r) => r.event);
      expect(events[0], `machine ${id}`).toBe('START');
      expect(events, `machine ${id}`).toContain('READY');
      expect(events.at(-1), `machine ${id}: down must flush a STOP row`).toBe('STOP');
      expect(rows.get(id)!.at(-1)!.detail).toMatch(/reason=sigterm/);
      // messages from each other container arrived
      const from = new Set(rows.get(id)!.filter((r) => r.event === 'RECEIVE').map((r) => Number(r.peer)));
      expect([...from].sort(), `machine ${id} received from`).toEqual(ids.filter((o) => o !== id));
      expect(rows.get(id)!.some((r) => r.event === 'CS_ENTER'), `machine ${id} entered the critical section`).toBe(true);
    }
    expect(existsSync(join(logDir, 'critical_section.log'))).toBe(true);
  }, 180_000);

  it('mutex with one container killed and started again: it continues its log (--append), analyze passes', async () => {
    const run = await project('mutex');
    const containers = await upAndReady(run);
    const victim = 2;
    const cid = containers.get(victim)!;
    // the victim has taken part: it received from both peers
    for (const peer of ids.filter((o) => o !== victim)) await waitForOutput(cid, new RegExp(`m${victim} L=\\d+ RECEIVE +← ${peer} `), 3, 30_000);
    await sleep(3_000);
    const killed = await docker(['kill', cid]);
    expect(killed.exitCode, killed.all).toBe(0);
    await sleep(4_000); // the peers notice it is gone (failure timeout 3 s)
    await compose(run, ['start', `machine-${victim}`]);
    await waitForOutput(cid, /machine-2 restarted: continuing its log \(--append\)/, 1, 30_000);
    await waitForOutput(cid, ready(victim), 2, 60_000);
    await waitForOutput(cid, new RegExp(`m${victim} L=\\d+ RECEIVE `), 1, 30_000); // a message after the restart
    await sleep(5_000);
    await compose(run, ['down', '-t', '10']);
    const logDir = await copyLogs(run);
    const result = await analyze(logDir);
    expect(result.exitCode, result.text).toBe(0);
    expect(existsSync(join(logDir, 'archive')), 'the restart must not archive the log').toBe(false);
    const rows = readLogDir(logDir).get(victim)!;
    const starts = rows.flatMap((r, i) => (r.event === 'START' ? [i] : []));
    expect(starts).toHaveLength(2); // one log, two runs of the machine
    expect(starts[0]).toBe(0);
    const second = rows[starts[1]!]!;
    expect(second.detail).toMatch(new RegExp(`restored_rows=${starts[1]}\\b`));
    expect(rows.slice(0, starts[1]).some((r) => r.event === 'STOP'), 'killed: no STOP before the restart').toBe(false);
    expect(second.lamport).toBeGreaterThanOrEqual(rows[starts[1]! - 1]!.lamport); // clocks continued
    expect(rows.at(-1)!.event).toBe('STOP');
    expect(rows.slice(starts[1]!).filter((r) => r.event === 'READY')).toHaveLength(1);
    for (const id of ids) expect(readLogDir(logDir).get(id)!.at(-1)!.event, `machine ${id}`).toBe('STOP');
  }, 240_000);

  it('ring election with the leader container killed: a new leader is elected and analyze says so', async () => {
    const run = await project('election');
    const containers = await upAndReady(run);
    // ranks are drawn per run: the leader is the one every machine's latest LEADER row names
    const leader = await agreedLeader(containers, ids);
    const killed = await docker(['kill', containers.get(leader)!]);
    expect(killed.exitCode, killed.all).toBe(0);
    const survivors = ids.filter((o) => o !== leader);
    const next = await agreedLeader(containers, survivors, leader);
    expect(next).not.toBe(leader);
    await sleep(3_000);
    await compose(run, ['down', '-t', '10']);
    const logDir = await copyLogs(run);
    const result = await analyze(logDir);
    expect(result.exitCode, result.text).toBe(0);
    // analyze saw the leader's kill, one recovery, and agreement on the new leader at the end
    const check = (name: string): { ok: boolean; description: string } => result.json.checks.find((c: { name: string }) => c.name === name);
    expect(check('election-recovery').ok).toBe(true);
    expect(check('election-recovery').description).toMatch(/recoveries [\d.]+ s, max [\d.]+ s/);
    expect(check('election-agreement').ok).toBe(true);
    expect(check('election-agreement').description).toContain(`highest-ranked live machine (${next})`);
    expect(result.json.stats.find((st: { machine: number }) => st.machine === leader).killed).toBe(true);
    const rows = readLogDir(logDir);
    expect(rows.get(leader)!.at(-1)!.event, 'the killed leader wrote no STOP').not.toBe('STOP');
    for (const id of survivors) expect(rows.get(id)!.at(-1)!.event).toBe('STOP');
  }, 240_000);

  it('up --scale on a generated file is refused loudly: the extra replicas of a machine id exit 2 and say why', async () => {
    const run = await project('workload');
    await compose(run, ['up', '-d', '--no-build', '--scale', 'machine-1=2']);
    const { all } = await compose(run, ['ps', '-q', 'machine-1']);
    const replicas = all.split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]{12,}$/.test(l));
    expect(replicas).toHaveLength(2);
    // wait until at most one replica is still running (the scale check runs at start, before listening)
    const deadline = Date.now() + 60_000;
    let states: { running: boolean; exitCode: number }[] = [];
    for (;;) {
      const r = await docker(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', ...replicas]);
      states = r.all.trim().split('\n').map((l) => ({ running: l.startsWith('true'), exitCode: Number(l.split(' ')[1]) }));
      if (states.filter((st) => st.running).length <= 1 && states.some((st) => !st.running)) break;
      if (Date.now() > deadline) throw new Error(`replicas still running: ${r.all}`);
      await sleep(300);
    }
    const refused = replicas.filter((_, i) => !states[i]!.running);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const [i, cid] of replicas.entries()) {
      if (states[i]!.running) continue;
      expect(states[i]!.exitCode).toBe(2);
      expect(await logsOf(cid)).toMatch(/lamport-lab: error: service machine-1 has [2-9] containers .*scale with lamport-lab compose --machines N/);
    }
  }, 120_000);
});

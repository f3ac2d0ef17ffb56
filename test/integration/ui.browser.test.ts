import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { killAll, ROOT, runCli, startCli, tempCluster } from '../helpers/cli.js';
import { systemTool } from '../helpers/systemTool.js';

// page functions run in the browser; the project's lib has no DOM types
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

// no Chromium: skipped with the reason outside CI, a failure under CI=true (test/helpers/systemTool.ts)
const chromiumTool = systemTool({ name: 'chromium', candidates: ['chromium', 'chromium-browser'], install: 'Debian/Ubuntu: apt-get install chromium', needs: 'ui.browser.test.ts (the live view in a real browser)' });
const chromiumExe = chromiumTool.skip ? null : chromiumTool.require(); // under CI a missing browser fails the file here

/** Where the README's screenshot is written when UI_SCREENSHOT is set (e.g. docs/ui-screenshot.png). */
const SCREENSHOT = process.env.UI_SCREENSHOT ? resolve(ROOT, process.env.UI_SCREENSHOT) : null;

interface Ui {
  ready: boolean;
  lanes: number;
  rows: number;
  clocks: Record<string, number>;
  states: Record<string, string>;
  rowsBy: Record<string, number>;
  leaders: Record<string, number | null>;
  ended: boolean;
  errors: string[];
  mode: string;
  faultShown: { fault: string; machine: number | null; latencyMs: number }[];
  analysis: { final: boolean; ok: boolean; checks: { name: string; ok: boolean; violations: number }[] } | null;
  final: { totalRows: number; stats: { machine: number; rows: number; finalLamport: number; messages: { sent: number; received: number } }[] } | null;
  diagram: { dots: number; arrows: number; lanes: number } | null;
}

const ui = (page: Page): Promise<Ui> => page.evaluate(() => window.__ui) as Promise<Ui>;
const cell = (page: Page, id: string): Promise<string> => page.evaluate((tid) => document.querySelector(`[data-testid="${tid}"]`)?.textContent ?? '', id) as Promise<string>;

describe.skipIf(chromiumExe === null)('live view (start-all --ui) in a real browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: chromiumExe!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await killAll();
  });

  it('shows lanes, rising clocks, a kill within a second, the election, and at the end the numbers of analyze --json', async () => {
    const MACHINES = 5;
    const c = await tempCluster(MACHINES);
    const run = startCli(
      ['start-all', '-c', c.configPath, '--log-dir', c.logDir, '--ui', '--algorithm', 'election', '--kill', 'leader@5', '--duration', '16', '--seed', '7', '-q'],
      c.dir,
    );
    const line = await run.waitFor(/^ui: http:\/\/127\.0\.0\.1:\d+\/$/, 30_000);
    const url = line.slice('ui: '.length);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors: string[] = [];
    const offsite: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (req) => {
      if (!req.url().startsWith(url)) offsite.push(req.url());
    });
    await page.goto(url);

    // lanes appear, one per machine
    await page.waitForFunction((n) => window.__ui?.ready && window.__ui.lanes === n, MACHINES, { timeout: 30_000 });
    await run.waitFor(/all 5 machines ready/, 30_000);

    // the displayed clocks rise while the run goes on
    const before = await Promise.all([1, 2, 3, 4, 5].map((id) => cell(page, `m-${id}-lamport`)));
    await page.waitForFunction(
      (old: string[]) => old.every((v, k) => Number(document.querySelector(`[data-testid="m-${k + 1}-lamport"]`)?.textContent) > Number(v)),
      before,
      { timeout: 10_000 },
    );

    // the kill of the leader shows within a second of being recorded
    const killLine = await run.waitFor(/fault at .*: kill machine \d+ \(the leader\)/, 30_000);
    const killed = Number(/kill machine (\d+)/.exec(killLine)![1]);
    await page.waitForFunction((id) => document.querySelector(`[data-testid="m-${id}-state"]`)?.textContent === 'killed', killed, { timeout: 5_000 });
    const shown = (await ui(page)).faultShown.find((f) => f.fault === 'kill');
    expect(shown?.machine).toBe(killed);
    expect(shown!.latencyMs).toBeLessThan(1000);

    // a new leader is elected and every live machine follows it
    await page.waitForFunction(
      (dead) => {
        const u = window.__ui;
        const live = Object.keys(u.states).filter((id) => u.states[id] === 'running');
        const leaders = new Set(live.map((id) => u.leaders[id]));
        return live.length === 4 && leaders.size === 1 && ![...leaders].includes(null) && ![...leaders].includes(dead);
      },
      killed,
      { timeout: 20_000 },
    );
    const mid = await ui(page);
    expect(mid.diagram!.lanes).toBe(MACHINES);
    expect(mid.diagram!.arrows).toBeGreaterThan(0);
    if (SCREENSHOT) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }

    // the run ends; the page keeps the final state and shows the complete analysis
    const result = await run.proc;
    expect(result.exitCode).toBe(0); // the kill was asked for: not a failure
    await page.waitForFunction(() => window.__ui.ended && window.__ui.final, null, { timeout: 30_000 });
    const end = await ui(page);
    const analyze = await runCli(['analyze', '--log-dir', c.logDir, '--json'], c.dir);
    const expected = JSON.parse(analyze.stdout) as NonNullable<Ui['final']> & { ok: boolean; checks: { name: string; ok: boolean; violations: number }[] };
    expect(end.final!.totalRows).toBe(expected.totalRows);
    expect(end.rows).toBe(expected.totalRows); // every row reached the page
    for (const s of expected.stats) {
      expect(end.rowsBy[s.machine]).toBe(s.rows);
      expect(end.clocks[s.machine]).toBe(s.finalLamport);
      expect(Number(await cell(page, `final-${s.machine}-rows`))).toBe(s.rows);
      expect(Number(await cell(page, `final-${s.machine}-lamport`))).toBe(s.finalLamport);
      expect(Number(await cell(page, `final-${s.machine}-sent`))).toBe(s.messages.sent);
      expect(Number(await cell(page, `final-${s.machine}-received`))).toBe(s.messages.received);
      expect(Number(await cell(page, `m-${s.machine}-lamport`))).toBe(s.finalLamport);
    }
    expect(end.analysis!.final).toBe(true);
    expect(end.analysis!.checks.map((k) => [k.name, k.ok, k.violations])).toEqual(expected.checks.map((k) => [k.name, k.ok, k.violations]));
    expect(end.analysis!.ok).toBe(expected.ok);
    expect(end.states[killed]).toBe('killed');
    expect(errors).toEqual([]);
    expect(end.errors).toEqual([]);
    expect(offsite).toEqual([]); // self-contained: nothing but its own server
    await page.close();
  }, 120_000);

  it('ui --log-dir replays a finished run: slider, play, the same final numbers', async () => {
    const c = await tempCluster(3);
    const sim = await runCli(['simulate', '--machines', '4', '--duration', '20', '--algorithm', 'mutex', '--seed', '3', '--log-dir', c.logDir], c.dir);
    expect(sim.exitCode).toBe(0);
    const analyze = JSON.parse((await runCli(['analyze', '--log-dir', c.logDir, '--json'], c.dir)).stdout) as NonNullable<Ui['final']>;
    const served = startCli(['ui', '--log-dir', c.logDir], c.dir);
    const url = (await served.waitFor(/^ui: http:/, 30_000)).slice('ui: '.length);
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => window.__ui?.ready && window.__ui.mode === 'replay', null, { timeout: 30_000 });
    let u = await ui(page);
    expect(u.rows).toBe(analyze.totalRows); // opens at the end of the run
    expect(u.final!.totalRows).toBe(analyze.totalRows);
    for (const s of analyze.stats) expect(u.clocks[s.machine]).toBe(s.finalLamport);

    // back to the start, then play at 50×: the rows come back
    await page.evaluate(() => {
      const s = document.getElementById('slider');
      s.value = '0';
      s.dispatchEvent(new Event('input'));
    });
    u = await ui(page);
    expect(u.rows).toBeLessThan(analyze.totalRows / 4);
    await page.selectOption('#speed', '50');
    await page.click('[data-testid="play"]');
    const finalClocks = Object.fromEntries(analyze.stats.map((s) => [s.machine, s.finalLamport]));
    // the play reaches the last clock values before the rows after them (STOP rows carry the clocks
    // unchanged, at the end of the run): wait for both, then check both
    await page.waitForFunction(
      ({ want, rows }: { want: Record<string, number>; rows: number }) =>
        Object.keys(want).every((id) => Number(document.querySelector(`[data-testid="m-${id}-lamport"]`)?.textContent) === want[id]) && window.__ui?.rows === rows,
      { want: finalClocks, rows: analyze.totalRows },
      { timeout: 20_000 },
    );
    u = await ui(page);
    for (const s of analyze.stats) expect(u.clocks[s.machine]).toBe(s.finalLamport);
    expect(u.rows).toBe(analyze.totalRows);
    expect(u.errors).toEqual([]);
    expect(errors).toEqual([]);
    served.proc.kill('SIGTERM');
    expect((await served.proc).exitCode).toBe(0);
    await page.close();
  }, 90_000);
});

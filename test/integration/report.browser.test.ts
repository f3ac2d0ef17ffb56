import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { analyzeIndexedRun } from '../../src/analysis/analyze.js';
import { renderReportHtml } from '../../src/report/html.js';
import { loadRun } from '../../src/runtime/log/analyzeLogDir.js';
import { makeRun, writeLogs } from '../helpers/makeLogs.js';
import { systemTool } from '../helpers/systemTool.js';

// page functions run in the browser; the project's lib has no DOM types
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

// no Chromium: skipped with the reason outside CI, a failure under CI=true (test/helpers/systemTool.ts)
const chromiumTool = systemTool({ name: 'chromium', candidates: ['chromium', 'chromium-browser'], install: 'Debian/Ubuntu: apt-get install chromium', needs: 'report.browser.test.ts (the HTML report in a real browser)' });
const CHROMIUM = chromiumTool.skip ? '' : chromiumTool.require(); // under CI a missing browser fails the file here
const MACHINES = 4;

interface Ready {
  charts: { id: string; series: number }[];
  messages: number;
  undelivered: number;
  errors: string[];
  diagram: { lanes: number; events: number; messages: number; drawnMessages: number; drawnEvents: number } | null;
}

describe.skipIf(chromiumTool.skip)('HTML report in a real browser', () => {
  let browser: Browser;
  let file: string;
  let expected: { received: number; undelivered: number; rows: number };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`chromium not found at ${CHROMIUM}: install it (apt-get install chromium) to run the report browser test`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'lamport-report-'));
    writeLogs(join(dir, 'logs'), makeRun({ machines: MACHINES, steps: 1500, seed: 21, kills: { 3: 1100 }, dropToDead: true }));
    const run = await loadRun(join(dir, 'logs'));
    const result = analyzeIndexedRun(run);
    expect(result.ok).toBe(true);
    expected = {
      received: result.messages.received,
      undelivered: result.messages.undelivered,
      rows: result.totalRows,
    };
    file = join(dir, 'report.html');
    writeFileSync(file, renderReportHtml(run, result));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders every chart with one series per machine, and the diagram shows every message', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) requests.push(req.url());
    });
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => (window as unknown as { __reportReady?: unknown }).__reportReady, null, { timeout: 30_000 });
    const ready = (await page.evaluate(() => (window as unknown as { __reportReady: unknown }).__reportReady)) as Ready;

    expect(errors).toEqual([]);
    expect(ready.errors).toEqual([]);
    expect(requests).toEqual([]); // self-contained: no network

    const byId = new Map(ready.charts.map((c) => [c.id, c.series]));
    expect(byId.get('chart-lamport')).toBe(MACHINES);
    expect(byId.get('chart-jumps')).toBe(MACHINES);
    expect(byId.get('chart-queue')).toBe(MACHINES);
    for (let id = 1; id <= MACHINES; id++) expect(byId.get(`hist-${id}`)).toBe(1);
    expect(ready.charts).toHaveLength(3 + MACHINES);
    // each chart really drew a canvas with a non-zero size
    for (const c of ready.charts) {
      const size = await page.evaluate((id) => {
        const canvas = document.querySelector(`#${id} canvas`) as { width: number; height: number } | null;
        return canvas ? canvas.width * canvas.height : 0;
      }, c.id);
      expect(size, c.id).toBeGreaterThan(0);
    }

    expect(ready.messages).toBe(expected.received);
    expect(ready.undelivered).toBe(expected.undelivered);
    expect(ready.diagram).not.toBeNull();
    expect(ready.diagram!.lanes).toBe(MACHINES);
    expect(ready.diagram!.events).toBe(expected.rows);
    expect(ready.diagram!.drawnMessages).toBe(expected.received);

    // the tables and invariants are there
    await expect(page.locator('[data-testid="stats-table"] tbody tr').count()).resolves.toBe(MACHINES);
    expect(await page.locator('[data-testid="verdict"]').textContent()).toBe('All invariants hold.');
    expect(await page.locator('#checks .check.pass').count()).toBe(6);

    // zooming into a window draws fewer messages; clicking an event shows its row
    const drawn = await page.evaluate(() => {
      const d = (window as unknown as { __diagram: { setView(a: number, b: number): void; stats: { drawnMessages: number } } }).__diagram;
      d.setView(0, 40);
      return d.stats.drawnMessages;
    });
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(expected.received);
    await page.locator('#diagram').scrollIntoViewIfNeeded();
    const box = (await page.locator('#diagram').boundingBox())!;
    // machine 1's START (Lamport 0) sits at x = view start on lane 1
    await page.evaluate(() => (window as unknown as { __diagram: { setView(a: number, b: number): void } }).__diagram.setView(0, 40));
    await page.mouse.click(box.x + 60, box.y + 24 + (Math.max(18, Math.min(60, 480 / MACHINES)) / 2));
    expect(await page.locator('#row-info').textContent()).toContain('log_1.csv:2');

    mkdirSync('test-artifacts', { recursive: true });
    await page.evaluate(() => (window as unknown as { __diagram: { fit(): void } }).__diagram.fit());
    await page.screenshot({ path: 'test-artifacts/report.png', fullPage: true });
    await page.close();
  }, 60_000);

  // ---- a fixture with faults.csv and algorithm-like message kinds ----
  const KINDS = ['REQUEST', 'REPLY', 'RELEASE'];
  let features: string;
  let featuresDir: string;
  let faultTimes: { pauseFrom: number; pauseTo: number; t0: number };
  let vectors: Map<number, number[][]>;
  let layoutIndexOf: number[];
  let readFile: (path: string) => Buffer;
  const featureRows = (): number => [...vectors.values()].reduce((n, rows) => n + rows.length, 0);

  beforeAll(async () => {
    const fs = await import('node:fs');
    const { parseFaultsCsv } = await import('../../src/core/faultsFile.js');
    readFile = (path) => fs.readFileSync(path);
    featuresDir = mkdtempSync(join(tmpdir(), 'lamport-report-features-'));
    const rows = makeRun({ machines: MACHINES, steps: 1500, seed: 21, kills: { 3: 1100 }, dropToDead: true });
    for (const list of rows.values()) for (const r of list) if (r.event === 'SEND' || r.event === 'RECEIVE') r.detail = `kind=${KINDS[Number(r.msg_id.split('-')[1]) % 3]}`;
    writeLogs(join(featuresDir, 'logs'), rows);
    const all = [...rows.values()].flat();
    const t0 = Math.min(...all.map((r) => r.epoch_ms));
    const t1 = Math.max(...all.map((r) => r.epoch_ms));
    faultTimes = { pauseFrom: t0 + 0.2 * (t1 - t0), pauseTo: t0 + 0.3 * (t1 - t0), t0 };
    const at = (ms: number): string => `${new Date(ms).toISOString()},${Math.round(ms)}`;
    writeFileSync(
      join(featuresDir, 'logs', 'faults.csv'),
      'time,epoch_ms,fault,machine,detail\n' +
        `${at(faultTimes.pauseFrom)},pause,2,spec=2@3-5 signal=SIGSTOP\n` +
        `${at(faultTimes.pauseTo)},resume,2,spec=2@3-5 signal=SIGCONT\n` +
        `${at(t0 + 0.5 * (t1 - t0))},partition,,spec=1|2@6-7 mode=two-way groups=1|2,3,4 active=1\n` +
        `${at(t0 + 0.6 * (t1 - t0))},heal,,spec=1|2@6-7 mode=two-way groups=1|2,3,4 active=0\n`,
    );
    const run = await loadRun(join(featuresDir, 'logs'));
    const result = analyzeIndexedRun(run);
    features = join(featuresDir, 'report.html');
    writeFileSync(features, renderReportHtml(run, result, { faults: parseFaultsCsv(fs.readFileSync(join(featuresDir, 'logs', 'faults.csv'), 'utf8')) }));
    vectors = new Map(run.machines.map((log, m) => [m, log.rows.map((_, i) => Array.from(log.vectors.subarray(i * run.n, i * run.n + run.n)))]));
    layoutIndexOf = run.machines.map((log) => run.layoutIndex.get(log.machine)!);
  }, 60_000);

  async function open(width = 1300) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:') && !req.url().startsWith('blob:') && !req.url().startsWith('data:')) requests.push(req.url());
    });
    await page.goto(`file://${features}`);
    await page.waitForFunction(() => window.__reportReady, null, { timeout: 30_000 });
    return { page, errors, requests };
  }

  it('header names algorithm, seed, date, duration, tick rates and a replay command; legends give tick rates', async () => {
    const { page, errors } = await open();
    const header = page.locator('[data-testid="run-header"]');
    await expect(header.isVisible()).resolves.toBe(true);
    expect(await page.locator('[data-testid="run-algorithm"]').textContent()).toBe('workload');
    expect(await page.locator('[data-testid="run-date"]').textContent()).toContain(new Date(faultTimes.t0).toISOString().slice(0, 10));
    expect(await page.locator('[data-testid="run-duration"]').textContent()).toMatch(/\d s ticking/);
    const text = (await header.textContent())!;
    // the fixture's START rows: seed = 21 + id, tick_rate = 1 + id % 6
    for (let id = 1; id <= MACHINES; id++) expect(text).toContain(`m${id}: ${1 + (id % 6)} tick(s)/s, seed ${21 + id}`);
    const replay = (await page.locator('[data-testid="replay-command"]').textContent())!;
    expect(replay).toMatch(/^npx lamport-lab start-all /);
    expect(replay).toContain("--pause 2@3-5 --partition '1|2@6-7'");
    // seeds 22..25 do not derive from one --seed: the header says so and gives them
    expect(await page.locator('[data-testid="run-seed"]').textContent()).toContain('not one seed');
    expect(text).toContain('run-machine <id> --seed <its seed>');
    const legend = await page.locator('#chart-lamport .u-legend').textContent();
    expect(legend).toContain('m1 (2 ticks/s)');
    expect(legend).toContain('m4 (5 ticks/s)');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('marks fault windows on every time plot and in the diagram', async () => {
    const { page } = await open();
    const faults = await page.locator('[data-testid="fault-list"] li').allTextContents();
    // faults.csv is given: its two windows (the fixture's kill of m3 is not in it)
    expect(faults.map((f) => f.split(':')[0])).toEqual(['pause m2 (2@3-5)', 'partition 1|2@6-7']);
    const ready = (await page.evaluate(() => window.__reportReady)) as { charts: { id: string; faultBands: number }[] };
    for (const id of ['chart-lamport', 'chart-jumps', 'chart-queue']) expect(ready.charts.find((c) => c.id === id)!.faultBands, id).toBe(2);
    // the pause band is really painted: the pixel in the middle of the window, near the top of the plot, is tinted orange
    const tint = await page.evaluate(({ pauseFrom: from, pauseTo: to, t0 }) => {
      const canvas = document.querySelector('#chart-queue canvas');
      const u = window.__charts.find((c: { id: string }) => c.id === 'chart-queue').u;
      const x = Math.round(u.valToPos(((from + to) / 2 - t0) / 1000, 'x', true));
      const y = Math.round(u.bbox.top + u.bbox.height * 0.5);
      const [r, g, b] = canvas.getContext('2d').getImageData(x, y, 1, 1).data;
      const outside = canvas.getContext('2d').getImageData(Math.round(u.valToPos((to - t0) / 1000 + 0.5 * (to - from) / 1000, 'x', true)), y, 1, 1).data;
      return { inside: [r, g, b], outside: [outside[0], outside[1], outside[2]] };
    }, faultTimes);
    expect(tint.inside[0]! - tint.inside[2]!, JSON.stringify(tint)).toBeGreaterThan(10); // orange: more red than blue
    expect(Math.abs(tint.outside[0]! - tint.outside[2]!), JSON.stringify(tint)).toBeLessThan(10);
    // diagram: bands on m2's lane (pause) and on every lane (partition), in both axis modes
    const bands = await page.evaluate(() => {
      const d = window.__diagram;
      d.fit();
      const lamport = d.stats.faultBands;
      d.setMode('time');
      const time = d.stats.faultBands;
      d.setMode('lamport');
      return { lamport, time };
    });
    expect(bands).toEqual({ lamport: 1 + MACHINES, time: 1 + MACHINES });
    await page.close();
  }, 60_000);

  it('legend: machine colours all distinct, message kinds, a stub colour no machine uses', async () => {
    const { page } = await open();
    const keys = await page.evaluate(() =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      Array.from(document.querySelectorAll('#diagram-legend .key') as any[]).map((k) => ({
        cls: k.className as string, text: k.textContent as string, colour: k.querySelector('i').style.background as string,
      })),
    );
    const machines = keys.filter((k: { cls: string }) => k.cls.trim() === 'key');
    expect(machines).toHaveLength(MACHINES);
    expect(new Set(machines.map((k: { colour: string }) => k.colour)).size).toBe(MACHINES);
    expect(keys.filter((k: { cls: string }) => k.cls.includes('kind')).map((k: { text: string }) => k.text).sort()).toEqual([...KINDS].sort());
    const stub = keys.find((k: { cls: string }) => k.cls.includes('stub'))!;
    expect(machines.map((k: { colour: string }) => k.colour)).not.toContain(stub.colour);
    await page.close();
  }, 60_000);

  it('every plot downloads as PNG and its data as CSV', async () => {
    const { page } = await open();
    const read = async (testid: string) => {
      // chromium hands a blob download over after 1 s, sometimes after several on a busy machine
      const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(`[data-testid="${testid}"]`).click()]);
      const path = await dl.path();
      return { name: dl.suggestedFilename(), bytes: readFile(path!) };
    };
    const csvs = new Map<string, string>();
    for (const id of ['chart-lamport', 'chart-jumps', 'chart-queue', 'hist-1', 'spacetime']) {
      const png = await read(`png-${id}`);
      expect(png.name).toBe(`${id}.png`);
      expect(png.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.bytes.length).toBeGreaterThan(2000);
      const csv = await read(`csv-${id}`);
      expect(csv.name).toBe(`${id}.csv`);
      csvs.set(id, csv.bytes.toString('utf8'));
      const lines = csvs.get(id)!.trim().split('\n');
      expect(lines.length, id).toBeGreaterThan(2);
      const width = lines[0]!.split(',').length;
      for (const l of lines) expect(l.split(',').length, `${id}: ${l}`).toBe(width);
    }
    const lamportCsv = csvs.get('chart-lamport')!;
    expect(lamportCsv.split('\n')[0]).toBe('machine,time_s,lamport');
    expect(lamportCsv.trim().split('\n')).toHaveLength(1 + featureRows()); // small run: nothing thinned
    const spaceCsv = csvs.get('spacetime')!;
    expect(spaceCsv.trim().split('\n')).toHaveLength(1 + featureRows()); // fitted: every row in view
    await page.close();
  }, 240_000);

  it('search filters by machine, event and msg_id, and a clicked event shows its causal past and future', async () => {
    const { page } = await open();
    const run = await loadRun(join(featuresDir, 'logs'));
    const m2 = run.machines[1]!;
    const sends2 = m2.rows.filter((r) => r.event === 'SEND').length;
    await page.locator('[data-testid="filter-machine"]').selectOption({ label: 'm2' });
    await page.locator('[data-testid="filter-event"]').selectOption({ label: 'SEND' });
    expect(await page.locator('[data-testid="filter-count"]').textContent()).toBe(`${sends2} matching event(s), in red`);
    await page.locator('#filter-clear').click();
    const msgId = m2.rows.find((r) => r.event === 'SEND' && r.peer.includes(';'))!.msgId; // a multicast: one SEND, several RECEIVEs
    const copies = run.machines.reduce((n, log) => n + log.rows.filter((r) => r.msgId === msgId).length, 0);
    await page.locator('[data-testid="filter-msg"]').fill(msgId);
    expect(await page.locator('[data-testid="filter-count"]').textContent()).toBe(`${copies} matching event(s), in red`);
    await page.locator('#filter-clear').click();

    // causal past/future of a RECEIVE in the middle of machine 1's log, against the vector clocks
    const m = 0;
    const r = m2.rows.length > 0 ? run.machines[0]!.rows.findIndex((x, i) => x.event === 'RECEIVE' && i > run.machines[0]!.rows.length / 2) : 0;
    const sel = (await page.evaluate(({ m, r }) => window.__diagram.select(m, r), { m, r })) as { past: number; future: number };
    const vs = vectors.get(m)![r]!;
    let past = 0;
    let future = 0;
    vectors.forEach((rows, q) => {
      rows.forEach((v, i) => {
        if (q === m) {
          if (i < r) past++;
          else if (i > r) future++;
          return;
        }
        const own = v[layoutIndexOf[q]!]!;
        if (own > 0 && v.every((x, j) => x <= vs[j]!)) past++;
        else if (vs[layoutIndexOf[m]!]! > 0 && vs.every((x, j) => x <= v[j]!)) future++;
      });
    });
    expect(sel.past).toBe(past);
    expect(sel.future).toBe(future);
    expect(past).toBeGreaterThan(10);
    expect(future).toBeGreaterThan(10);
    await page.close();
  }, 60_000);

  it('layout: integer ticks, no negative left label, tooltip inside the page, charts follow the width', async () => {
    const { page } = await open(1300);
    const ticks = (await page.evaluate(() => { window.__diagram.fit(); return window.__diagram.stats.ticks; })) as string[];
    expect(ticks.length).toBeGreaterThan(2);
    for (const t of ticks) expect(t).toMatch(/^\d+$/); // Lamport mode: whole numbers, none negative
    const hist = await page.locator('#hist-1 .u-axis').first().textContent();
    expect(hist).not.toMatch(/\d\.\d/); // no fractional ticks on the histogram's jump axis
    // the histogram's x range holds every bar whole: the last bin's right edge is inside the scale
    const range = await page.evaluate(() => {
      const u = window.__charts.find((c: { id: string }) => c.id === 'hist-1').u;
      return { min: u.scales.x.min, max: u.scales.x.max, first: u.data[0][0], last: u.data[0][u.data[0].length - 1] };
    });
    expect(range.first).toBe(1);
    expect(range.max).toBeGreaterThan(range.last + 0.4);
    expect(range.min).toBeLessThan(range.first - 0.4);
    // tooltip near the right edge stays inside the diagram's box
    await page.locator('#diagram').scrollIntoViewIfNeeded();
    const box = (await page.locator('#diagram').boundingBox())!;
    const laneY = box.y + 22 + Math.max(18, Math.min(60, 480 / MACHINES)) / 2;
    let shown = false;
    for (let dx = 20; dx < 80 && !shown; dx += 2) {
      await page.mouse.move(box.x + box.width - dx, laneY);
      shown = await page.locator('#diagram-tip').isVisible();
    }
    expect(shown).toBe(true);
    const tip = (await page.locator('#diagram-tip').boundingBox())!;
    expect(tip.x + tip.width).toBeLessThanOrEqual(box.x + box.width + 1);
    expect(tip.x).toBeGreaterThanOrEqual(box.x - 1);
    // resize: the charts and the diagram follow the window's width
    const before = await page.evaluate(() => document.querySelector('#chart-lamport canvas').getBoundingClientRect().width);
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForFunction((w) => document.querySelector('#chart-lamport canvas').getBoundingClientRect().width < w - 200, before, { timeout: 5000 });
    const diagramW = await page.evaluate(() => document.querySelector('#diagram').getBoundingClientRect().width);
    expect(diagramW).toBeLessThan(800);
    // print layout: controls hidden, charts resized to the paper
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.controls').isVisible()).toBe(false);
    expect(await page.locator('.toolbar').first().isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 1300, height: 900 });
    mkdirSync('test-artifacts', { recursive: true });
    await page.evaluate(() => window.__diagram.select(0, Math.floor(window.__diagram.stats.events / 8)));
    await page.screenshot({ path: 'test-artifacts/report-features.png', fullPage: true });
    await page.close();
  }, 60_000);

  it('diagram of 100k+ events: a fully zoomed-out redraw stays fast (aggregated), zoomed in it draws every arrow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lamport-report-big-'));
    writeLogs(join(dir, 'logs'), makeRun({ machines: 8, steps: 110_000, seed: 5 }));
    const run = await loadRun(join(dir, 'logs'));
    const result = analyzeIndexedRun(run);
    expect(run.totalRows).toBeGreaterThan(100_000);
    const big = join(dir, 'report.html');
    writeFileSync(big, renderReportHtml(run, result));
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${big}`);
    await page.waitForFunction(() => window.__reportReady, null, { timeout: 60_000 });
    const timing = (await page.evaluate(() => {
      const d = window.__diagram;
      const times: number[] = [];
      for (let i = 0; i < 7; i++) times.push(d.fit());
      times.sort((a: number, b: number) => a - b);
      return { median: times[3], events: d.stats.events, aggregated: d.stats.aggregated, drawnMessages: d.stats.drawnMessages };
    })) as { median: number; events: number; aggregated: boolean; drawnMessages: number };
    console.log(`report diagram: ${timing.events} events, fully zoomed-out redraw median ${timing.median.toFixed(1)} ms`);
    expect(timing.events).toBe(run.totalRows);
    expect(timing.aggregated).toBe(true);
    expect(timing.drawnMessages).toBe(result.messages.received);
    expect(timing.median).toBeLessThan(500); // goal 100 ms (measured 15-75 ms here); generous for a loaded machine
    const zoomed = (await page.evaluate(() => { window.__diagram.setView(1000, 1040); return window.__diagram.stats; })) as { aggregated: boolean; drawnMessages: number };
    expect(zoomed.aggregated).toBe(false);
    expect(zoomed.drawnMessages).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

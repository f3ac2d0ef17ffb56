#!/usr/bin/env node
// Costs of the live view, measured, not asserted. Needs `npm run build` and /usr/bin/chromium.
//   node bench/ui-cost.mjs cluster [machines...]   start-all's own CPU (main + worker threads, from
//        /proc/<pid>/stat, children excluded) for --duration 30 at 6 ticks/s, without --ui and with
//        --ui and a page open; the page's frame rate and frame time while following the run.
//   node bench/ui-cost.mjs big [rows]             a simulated run of ~rows rows written into a log
//        directory over ~20 s while the live view follows it: the server's CPU, the live analysis's
//        duration, page reload to ready at the end (snapshot of every row), frame rate.
// Prints one JSON line per measurement.
import { copyFileSync, mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'lamport-lab.js');
const CLK_TCK = 100;
const [section = 'cluster', ...rest] = process.argv.slice(2);

function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime + stime of the process (all threads)
  } catch {
    return null;
  }
}

async function browser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
}

/** Samples fps/frame time reported by the page every second for `seconds`. */
async function sampleFrames(page, seconds) {
  const fps = [];
  const frameMs = [];
  for (let k = 0; k < seconds; k++) {
    await new Promise((r) => setTimeout(r, 1000));
    const u = await page.evaluate(() => ({ fps: window.__ui.fps, frameMs: window.__ui.frameMs }));
    fps.push(u.fps);
    frameMs.push(u.frameMs);
  }
  const mean = (a) => a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);
  return { fpsMean: +mean(fps).toFixed(1), fpsMin: Math.min(...fps), drawMsMean: +mean(frameMs).toFixed(2) };
}

async function cluster(n, withUi) {
  const dir = mkdtempSync(join(tmpdir(), 'lamport-ui-bench-'));
  const base = 21000 + Math.floor(Math.random() * 9000);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ machines: Array.from({ length: n }, (_, i) => ({ id: i + 1, host: '127.0.0.1', port: base + i })) }));
  const args = ['start-all', '--duration', '30', '--tick-rate', '6', '-q', ...(withUi ? ['--ui'] : [])];
  const proc = execa(process.execPath, [BIN, ...args], { cwd: dir, reject: false, all: true, env: { NO_COLOR: '1' } });
  let out = '';
  let last = null;
  let atReady = null;
  let b = null;
  let page = null;
  let frames = null;
  const sampler = setInterval(() => (last = cpuMs(proc.pid) ?? last), 200);
  const seen = new Promise((resolve) => {
    proc.all.on('data', (c) => {
      out += c;
      if (/all \d+ machines ready/.test(out) && atReady === null) {
        atReady = cpuMs(proc.pid);
        resolve();
      }
    });
  });
  if (withUi) {
    const url = await new Promise((resolve) => {
      const t = setInterval(() => {
        const m = /ui: (http:\S+)/.exec(out);
        if (m) resolve(m[1], clearInterval(t));
      }, 50);
    });
    b = await browser();
    page = await b.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
  }
  await seen;
  if (page) {
    await new Promise((r) => setTimeout(r, 5000));
    frames = await sampleFrames(page, 10);
  }
  await proc;
  clearInterval(sampler);
  await b?.close();
  const runMs = last !== null && atReady !== null ? last - atReady : null;
  console.log(JSON.stringify({ section: 'cluster', machines: n, ui: withUi, startAllCpuMsTotal: last, startAllCpuMsAfterReady: runMs, ...(frames ?? {}) }));
}

async function big(rowsWanted) {
  const sim = mkdtempSync(join(tmpdir(), 'lamport-ui-big-'));
  const machines = 50;
  const duration = Math.ceil((rowsWanted / 74000) * 400);
  await execa(process.execPath, [BIN, 'simulate', '--machines', String(machines), '--duration', String(duration), '--seed', '3', '--log-dir', join(sim, 'src')]);
  const src = join(sim, 'src');
  const live = join(sim, 'live');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(live);
  const files = readdirSync(src).filter((f) => f.endsWith('.csv'));
  const texts = files.map((f) => readFileSync(join(src, f)));
  const total = texts.reduce((s, t) => s + t.toString().split('\n').length - 2, 0);
  const fds = files.map((f) => openSync(join(live, f), 'w'));
  const { startLiveUi } = await import(join(ROOT, 'dist', 'ui', 'live.js'));
  const t0cpu = process.cpuUsage();
  const ui = await startLiveUi({ logDir: live, host: '127.0.0.1', port: 0 });
  const b = await browser();
  const page = await b.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(ui.url);
  // write the run in 40 slices over ~20 s (line-aligned)
  const offsets = texts.map(() => 0);
  const analyses = [];
  for (let s = 1; s <= 40; s++) {
    texts.forEach((t, k) => {
      let end = Math.floor((t.length * s) / 40);
      if (s < 40) end = t.lastIndexOf(10, end) + 1;
      else end = t.length;
      if (end > offsets[k]) writeSync(fds[k], t.subarray(offsets[k], end));
      offsets[k] = Math.max(offsets[k], end);
    });
    await new Promise((r) => setTimeout(r, 500));
    const a = await page.evaluate(() => window.__ui.analysis && { rows: window.__ui.analysis.rows, ms: window.__ui.analysis.durationMs });
    if (a && (!analyses.length || analyses[analyses.length - 1].rows !== a.rows)) analyses.push(a);
  }
  fds.forEach((fd) => closeSync(fd));
  const frames = await sampleFrames(page, 5);
  const shown = await page.evaluate(() => ({ rows: window.__ui.rows, summarised: window.__ui.summarised }));
  // a browser opening the page now gets every row in the snapshot
  const reload = await b.newPage({ viewport: { width: 1400, height: 1000 } });
  const t = performance.now();
  await reload.goto(ui.url);
  await reload.waitForFunction(() => window.__ui && window.__ui.ready, null, { timeout: 120_000 });
  const readyMs = performance.now() - t;
  const reloadRows = await reload.evaluate(() => window.__ui.rows);
  const reloadFrames = await sampleFrames(reload, 5);
  const snapBytes = (await (await fetch(ui.url + 'api/snapshot')).text()).length;
  const tStop = performance.now();
  await ui.stop();
  const stopMs = performance.now() - tStop;
  const cpu = process.cpuUsage(t0cpu);
  await b.close();
  console.log(JSON.stringify({ section: 'big', rowsInLogs: total, pageRows: shown.rows, summarised: shown.summarised, liveAnalyses: analyses, ...frames,
    reloadReadyMs: Math.round(readyMs), reloadRows, reloadFps: reloadFrames.fpsMean, reloadDrawMs: reloadFrames.drawMsMean, snapshotMB: +(snapBytes / 1e6).toFixed(1),
    stopWithFinalAnalysisMs: Math.round(stopMs), serverCpuMs: Math.round((cpu.user + cpu.system) / 1000) }));
}

if (section === 'cluster') {
  const sizes = rest.length ? rest.map(Number) : [10, 50];
  for (const n of sizes) {
    await cluster(n, false);
    await cluster(n, true);
  }
} else if (section === 'big') {
  await big(Number(rest[0] ?? 100000));
} else {
  console.error('usage: node bench/ui-cost.mjs cluster [n...] | big [rows]');
  process.exit(2);
}

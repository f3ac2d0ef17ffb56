#!/usr/bin/env node
// Measures a report's size and its load time in headless Chromium (Debian's /usr/bin/chromium):
// from navigation start until the page's charts and diagram have rendered (window.__reportReady).
//   node bench/report-load.js report.html [more.html ...]
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/report-load.js <report.html> [...]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const file of files) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const t0 = performance.now();
    await page.goto(pathToFileURL(resolve(file)).href);
    await page.waitForFunction(() => window.__reportReady, null, { timeout: 120_000 });
    const ms = performance.now() - t0;
    const ready = await page.evaluate(() => window.__reportReady);
    console.log(`${file}: ${(statSync(file).size / 1e6).toFixed(2)} MB, loaded and rendered in ${ms.toFixed(0)} ms (${ready.messages} messages drawn)`);
    await page.close();
  }
} finally {
  await browser.close();
}

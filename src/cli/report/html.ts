/**
 * Assembles the self-contained HTML report: uPlot's JS and CSS (read from node_modules and
 * inlined), the report data as an inline JSON block, the page script, and the analysis tables.
 * The file opens without network access.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildReportData, type ReportData } from '../../analysis/reportData.js';
import type { Run } from '../../analysis/run.js';
import type { AnalysisResult } from '../../analysis/types.js';
import { LabError } from '../../core/errors.js';
import { CLIENT_JS } from './client.js';

/** uPlot's browser build and stylesheet, as text. */
export interface UplotAssets {
  readonly js: string;
  readonly css: string;
}

let cached: UplotAssets | null = null;

/** Reads uPlot's IIFE build and CSS from its installed package (cached). */
export function loadUplotAssets(): UplotAssets {
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('uplot'));
    cached = {
      js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
    };
    return cached;
  } catch (e) {
    throw new LabError('IO_ERROR', `cannot read uPlot's files (is the uplot package installed?): ${(e as Error).message}`, { cause: e });
  }
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Script text safe inside a <script> element. */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

function tablesHtml(data: ReportData): string {
  const r = data.analysis;
  const head = data.statsTable.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = data.statsTable.rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  const checks = r.checks
    .map((c) => {
      const ex = c.examples.map((e) => `<li><code>${escapeHtml(e.where)}</code> ${escapeHtml(e.message)}</li>`).join('');
      const more = c.violations > c.examples.length ? `<li>… and ${c.violations - c.examples.length} more</li>` : '';
      return (
        `<div class="check ${c.ok ? 'pass' : 'fail'}" data-testid="check-${escapeHtml(c.name)}">` +
        `<b>${c.ok ? 'PASS' : 'FAIL'}</b> <code>${escapeHtml(c.name)}</code>: ${c.violations} violation(s) — ${escapeHtml(c.description)}` +
        (ex || more ? `<ul>${ex}${more}</ul>` : '') +
        '</div>'
      );
    })
    .join('\n');
  const m = r.messages;
  const reasons = Object.entries(m.lostByReason).map(([k, v]) => `${escapeHtml(k)} ${v}`).join(', ');
  return `
<section id="summary">
  <p>${r.machines.length} machine(s), ${r.totalRows} rows, algorithm <code>${escapeHtml(r.algorithm ?? '(unknown)')}</code>,
  logs in <code>${escapeHtml(r.dir)}</code>. <b class="${r.ok ? 'pass' : 'fail'}" data-testid="verdict">${r.ok ? 'All invariants hold.' : 'Invariants violated.'}</b></p>
  ${r.warnings.map((w) => `<p class="warn">warning: ${escapeHtml(w)}</p>`).join('')}
  <p data-testid="message-accounting">Messages: ${m.sends} sends, ${m.copies} copies, ${m.received} received, ${m.dropped} dropped, ${m.lost} lost${reasons ? ` (${reasons})` : ''}.</p>
</section>
<section><h2>Per machine</h2><div class="scroll"><table id="stats-table" data-testid="stats-table"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div></section>
<section><h2>Invariants</h2><div id="checks" data-testid="checks">${checks}</div></section>`;
}

const PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 12px; } th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.scroll { overflow-x: auto; } .pass { color: #080; } .fail { color: #b00; } .warn { color: #a60; }
.check { margin: 4px 0; } .check ul { margin: 2px 0 6px 0; font-size: 12px; }
.chart { width: 100%; min-height: 320px; } #histograms { display: flex; flex-wrap: wrap; gap: 8px; }
#diagram-wrap { position: relative; } #diagram { width: 100%; display: block; border: 1px solid #ddd; cursor: grab; }
#diagram-tip { position: absolute; display: none; white-space: pre; background: #fffbe6; border: 1px solid #cc9;
  padding: 4px 6px; font: 11px monospace; pointer-events: none; z-index: 5; }
#row-info { white-space: pre; font: 12px monospace; min-height: 1em; background: #f8f8f8; padding: 4px; }
`;

/** The report page for prepared data (and uPlot assets, read from node_modules by default). */
export function renderReportPage(data: ReportData, assets: UplotAssets = loadUplotAssets()): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${assets.css}</style><style>${PAGE_CSS}</style>
</head><body>
<h1>${escapeHtml(data.title)}</h1>
${tablesHtml(data)}
<section><h2>Lamport clock vs system time</h2><div id="chart-lamport" class="chart" data-testid="chart-lamport"></div></section>
<section><h2>Lamport jumps on receives</h2><div id="chart-jumps" class="chart" data-testid="chart-jumps"></div>
<h3>Jump size histograms</h3><div id="histograms" data-testid="histograms"></div></section>
<section><h2>Network queue length</h2><div id="chart-queue" class="chart" data-testid="chart-queue"></div></section>
<section><h2>Space-time diagram</h2>
<p>Lanes are machines; dots are events (black: receive, coloured: send, grey: internal, orange: other);
arrows are messages, red stubs are copies never received. Wheel to zoom, drag to pan, hover for the row, click to pin it.
<label>x axis <select id="diagram-axis"><option value="lamport">Lamport clock</option><option value="time">system time</option></select></label>
<button id="diagram-fit">fit all</button> <button id="diagram-window">window</button></p>
<div id="diagram-wrap"><canvas id="diagram" data-testid="spacetime"></canvas><div id="diagram-tip"></div></div>
<div id="row-info" data-testid="row-info"></div>
</section>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${scriptText(assets.js)}</script>
<script>${scriptText(CLIENT_JS)}</script>
</body></html>
`;
}

/**
 * The self-contained HTML report of an analysed run (one file, scripts and data inline).
 * Throws LabError IO_ERROR when uPlot's files cannot be read.
 */
export function renderReportHtml(run: Run, result: AnalysisResult, options: { title?: string } = {}): string {
  return renderReportPage(buildReportData(run, result, options.title ?? `lamport-lab report: ${result.dir}`));
}

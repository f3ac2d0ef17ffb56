/**
 * Assembles the self-contained HTML report: uPlot's JS and CSS (read from node_modules and
 * inlined), the report data as an inline JSON block, the page script, and the analysis tables.
 * The file opens without network access.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildReportData, type ReportData, type ReportOptions } from '../analysis/reportData.js';
import type { Run } from '../analysis/run.js';
import type { AnalysisResult } from '../analysis/types.js';
import { LabError } from '../core/errors.js';
import { CLIENT_JS } from './client.js';
import { SPACETIME_JS } from './spacetime.js';

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

/** The header: what ran, when, for how long, with which seeds and faults, and how to run it again. */
function headerHtml(data: ReportData): string {
  const info = data.info;
  const iso = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const machines = info.machines
    .map((m) => `<li>m${m.id}: ${m.tickRate ?? '?'} tick(s)/s, seed ${m.seed ?? '?'}${m.starts > 1 ? `, ${m.starts - 1} restart(s)` : ''}</li>`)
    .join('');
  const faults = info.faults.length
    ? `<ul data-testid="fault-list">${info.faults
        .map((f) => `<li class="fault-${f.kind}">${escapeHtml(f.label)}: ${seconds(f.from - data.t0)} – ${f.to === null ? 'end' : seconds(f.to - data.t0)}${f.source === 'log' ? ' (from the logs)' : ''}</li>`)
        .join('')}</ul>`
    : '<span data-testid="fault-list">none recorded</span>';
  const seed = info.baseSeed !== null ? `<b data-testid="run-seed">${info.baseSeed}</b> (each machine's seed derives from it)` : '<span data-testid="run-seed">not one seed: see the machines</span>';
  const g = data.diagram;
  const cut =
    g.untilMs === null
      ? ''
      : `<p class="warn" data-testid="diagram-cut">The space-time diagram holds the first ${seconds(g.untilMs)} of the run (${g.rows.toLocaleString('en')} of ${g.totalRows.toLocaleString('en')} rows), to keep the page small; the charts and tables cover the whole run (charts thinned to the highest and lowest point per pixel). <code>report --max-diagram-rows</code> sets the limit.</p>`;
  return `<header id="run-header" data-testid="run-header"><table class="facts">
<tr><th>algorithm</th><td data-testid="run-algorithm">${escapeHtml(info.algorithm ?? '(unknown)')}</td></tr>
<tr><th>seed</th><td>${seed}</td></tr>
<tr><th>date</th><td data-testid="run-date">${iso(info.startEpochMs)} (first row) to ${iso(info.endEpochMs)}</td></tr>
<tr><th>duration</th><td data-testid="run-duration">${seconds(info.durationMs)} ticking (${seconds(info.endEpochMs - info.startEpochMs)} first to last row)</td></tr>
<tr><th>machines</th><td><ul class="inline">${machines}</ul></td></tr>
<tr><th>faults</th><td>${faults}</td></tr>
<tr><th>reproduce</th><td><code data-testid="replay-command">${escapeHtml(info.replay)}</code>${info.notes.map((n) => `<br><small>${escapeHtml(n)}</small>`).join('')}</td></tr>
</table>${cut}</header>`;
}

const PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 12px; } th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
table.facts td { text-align: left; } table.facts { font-size: 13px; margin-bottom: 8px; }
ul.inline { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 2px 16px; }
#run-header ul { margin: 0; padding-left: 16px; } .fault-kill { color: #a00; } .fault-pause { color: #a60; } .fault-partition { color: #44a; }
code { word-break: break-all; }
.scroll { overflow-x: auto; } .pass { color: #080; } .fail { color: #b00; } .warn { color: #a60; }
.check { margin: 4px 0; } .check ul { margin: 2px 0 6px 0; font-size: 12px; }
.chart { width: 100%; min-height: 320px; } #histograms { display: flex; flex-wrap: wrap; gap: 8px; }
figure.hist-fig { margin: 0; }
.toolbar { display: flex; gap: 4px; justify-content: flex-end; margin: 2px 0; } .toolbar button { font-size: 11px; padding: 1px 6px; }
#diagram-wrap { position: relative; width: 100%; } #diagram { display: block; border: 1px solid #ddd; cursor: grab; }
#diagram-tip { position: absolute; display: none; white-space: pre; background: #fffbe6; border: 1px solid #cc9;
  padding: 4px 6px; font: 11px monospace; pointer-events: none; z-index: 5; max-width: 560px; overflow: hidden; }
#diagram-legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 12px; margin: 4px 0; }
#diagram-legend .key i { display: inline-block; width: 14px; height: 4px; margin-right: 4px; vertical-align: middle; }
#diagram-legend .key:not(.kind):not(.stub):not(.fault) i { height: 10px; border-radius: 2px; }
#diagram-legend .fault i { height: 12px; }
.controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 6px 0; }
#row-info { white-space: pre; font: 12px monospace; min-height: 1em; background: #f8f8f8; padding: 4px; }
@media print {
  body { margin: 0; font-size: 11px; } .no-print, .controls, #diagram-tip { display: none !important; }
  section, figure, .chart, #diagram-wrap { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; } .scroll { overflow: visible; } table { font-size: 9px; }
  canvas { max-width: 100% !important; height: auto !important; } #diagram { border: none; }
  a { color: inherit; text-decoration: none; }
}
`;

/** The report page for prepared data (and uPlot assets, read from node_modules by default). */
export function renderReportPage(data: ReportData, assets: UplotAssets = loadUplotAssets()): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${assets.css}</style><style>${PAGE_CSS}</style>
</head><body>
<h1>${escapeHtml(data.title)}</h1>
${headerHtml(data)}
${tablesHtml(data)}
<section><h2>Lamport clock vs system time</h2><div id="chart-lamport" class="chart" data-testid="chart-lamport"></div></section>
<section><h2>Lamport jumps on receives</h2><div id="chart-jumps" class="chart" data-testid="chart-jumps"></div>
<h3>Jump size histograms</h3><div id="histograms" data-testid="histograms"></div></section>
<section><h2>Network queue length</h2><div id="chart-queue" class="chart" data-testid="chart-queue"></div></section>
<section><h2>Space-time diagram</h2>
<p>Lanes are machines; dots are events (black: receive, machine colour: send, grey: internal, orange: other);
arrows are messages${data.kindNames.length > 1 ? ', coloured by kind' : ''}; black stubs with a cross are copies never received; shaded bands are fault windows.
Wheel to zoom, drag to pan, hover for the row, click an event to pin it and show its causal past (blue) and future (orange).</p>
<div class="controls">
<label>x axis <select id="diagram-axis"><option value="lamport">Lamport clock</option><option value="time">system time</option></select></label>
<button id="diagram-fit" type="button">fit all</button> <button id="diagram-window" type="button">window</button>
<label>machine <select id="filter-machine" data-testid="filter-machine"><option value="-1">all</option></select></label>
<label>event <select id="filter-event" data-testid="filter-event"><option value="-1">all</option></select></label>
<label>msg_id <input id="filter-msg" data-testid="filter-msg" size="10" placeholder="e.g. 2-15"></label>
<button id="filter-next" type="button">next match</button> <button id="filter-clear" type="button">clear</button>
<span id="filter-count" data-testid="filter-count"></span>
</div>
<div id="diagram-legend" data-testid="diagram-legend"></div>
<div id="diagram-wrap"><canvas id="diagram" data-testid="spacetime"></canvas><div id="diagram-tip" data-testid="diagram-tip"></div></div>
<div id="causal-info" data-testid="causal-info"></div>
<div id="row-info" data-testid="row-info"></div>
</section>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${scriptText(assets.js)}</script>
<script>${scriptText(SPACETIME_JS)}</script>
<script>${scriptText(CLIENT_JS)}</script>
</body></html>
`;
}

/**
 * The self-contained HTML report of an analysed run (one file, scripts and data inline).
 * Throws LabError IO_ERROR when uPlot's files cannot be read.
 */
export function renderReportHtml(run: Run, result: AnalysisResult, options: ReportOptions = {}): string {
  return renderReportPage(buildReportData(run, result, { ...options, title: options.title ?? `lamport-lab report: ${result.dir}` }));
}

/**
 * The live view's page: one self-contained HTML document (uPlot's JS and CSS inlined, as the report
 * does, and the page script), no network assets. The same page serves a live run and a replay; it
 * learns which from the snapshot.
 */
import { loadUplotAssets, type UplotAssets } from '../report/html.js';
import { LIVE_CLIENT_JS } from './client.js';
import { END_OF_RUN_CHECKS } from './protocol.js';

function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

const PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 10px 18px; color: #222; }
h1 { font-size: 19px; margin: 4px 0; } h2 { font-size: 15px; margin: 14px 0 4px; }
#status { font-weight: bold; } .live { color: #080; } .lost { color: #b60; } .ended { color: #226; }
table { border-collapse: collapse; font-size: 12px; } th, td { border: 1px solid #ddd; padding: 1px 6px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.grid { display: grid; grid-template-columns: minmax(420px, 1fr) minmax(320px, 1fr); gap: 12px; }
.scroll { overflow: auto; max-height: 420px; }
.st-running { color: #080; } .st-paused { color: #c60; font-weight: bold; } .st-killed { color: #c00; font-weight: bold; }
.st-stopped { color: #666; } .st-starting { color: #888; }
.pass { color: #080; } .fail { color: #b00; } .pending { color: #888; }
.check { margin: 2px 0; } .check.fail { background: #fee; } .check ul { margin: 2px 0 4px 0; font: 11px monospace; }
#diagram-wrap { position: relative; } #diagram { width: 100%; display: block; border: 1px solid #ddd; cursor: grab; background: #fff; }
#tip { position: absolute; display: none; white-space: pre; background: #fffbe6; border: 1px solid #cc9; padding: 3px 5px;
  font: 11px monospace; pointer-events: none; z-index: 5; }
.chart { min-height: 240px; } .bar { margin: 4px 0; } .note { color: #666; font-size: 12px; }
#replay { display: none; gap: 8px; align-items: center; } #replay input[type=range] { flex: 1; }
.lead { font-weight: bold; color: #226; } .holding { color: #080; font-weight: bold; } .waiting { color: #c60; }
`;

/** The page's HTML. Throws LabError IO_ERROR when uPlot's files cannot be read. */
export function renderLivePage(assets: UplotAssets = loadUplotAssets()): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lamport-lab live view</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${assets.css}</style><style>${PAGE_CSS}</style>
</head><body>
<h1>lamport-lab <span id="title">live view</span> <span id="status" data-testid="status">connecting…</span></h1>
<div class="note" id="summary" data-testid="summary"></div>
<div id="replay" data-testid="replay"><button id="play" data-testid="play">play</button>
<input id="slider" type="range" min="0" max="1000" value="1000" data-testid="slider"><span id="cursor"></span>
<label>speed <select id="speed"><option>0.5</option><option selected>1</option><option>2</option><option>5</option><option>10</option><option>50</option></select>×</label></div>
<h2>Space-time diagram</h2>
<div class="bar note">Lanes are machines; dots are events (blue: send, black: receive, grey: internal, orange: algorithm, light: other rows);
lines are messages; red ✕ kill, green ▲ restart, orange band pause, violet band partition. Wheel to zoom, drag to scroll back;
<button id="follow" data-testid="follow">follow newest</button> <span id="summarised" data-testid="summarised"></span></div>
<div id="diagram-wrap"><canvas id="diagram" data-testid="spacetime"></canvas><div id="tip"></div></div>
<div class="grid">
<section><h2>Machines</h2><div class="scroll"><table data-testid="machines"><thead><tr><th>machine</th><th>state</th><th>tick rate</th><th>ticks/s seen</th>
<th>lamport</th><th>queue</th><th>rows</th><th id="role-head">role</th></tr></thead><tbody id="machine-rows"></tbody></table></div></section>
<section><h2>Invariants <span id="checks-verdict" data-testid="checks-verdict"></span></h2><div class="note" id="checks-note"></div>
<div id="checks" data-testid="checks"></div>
<h2 id="algo-head">Algorithm</h2><div id="algo" data-testid="algorithm-panel" class="note">—</div></section>
</div>
<div class="grid">
<section><h2>Lamport clock vs time</h2><div id="chart-lamport" class="chart" data-testid="chart-lamport"></div></section>
<section><h2>Queue length vs time</h2><div id="chart-queue" class="chart" data-testid="chart-queue"></div></section>
</div>
<section id="final-section" style="display:none"><h2>Final numbers (the same analysis as <code>analyze --json</code>)</h2>
<div class="scroll"><table data-testid="final-table"><thead><tr><th>machine</th><th>rows</th><th>final lamport</th><th>sent</th><th>received</th><th>dropped</th><th>max queue</th><th>max jump</th></tr></thead>
<tbody id="final-rows"></tbody></table></div></section>
<div class="note" id="warnings" data-testid="warnings"></div>
<script id="ui-config" type="application/json">${JSON.stringify({ endOfRunChecks: [...END_OF_RUN_CHECKS] })}</script>
<script>${scriptText(assets.js)}</script>
<script>${scriptText(LIVE_CLIENT_JS)}</script>
</body></html>
`;
}

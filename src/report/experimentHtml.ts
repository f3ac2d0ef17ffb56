/**
 * The combined HTML report of `experiment`: the comparison table with each figure's spread across
 * trials (mean, min–max), a box plot per figure (one box per setting, a dot per trial), the
 * per-setting curves overlaid (jump distribution, Lamport spread over time), and every trial
 * linked to its own report. Inline SVG only: no script, prints as it shows.
 */
import type { SettingSummary, TrialFigures } from '../analysis/experiment.js';
import type { TrialCurves } from '../analysis/experimentCurves.js';
import { fmtNum } from '../analysis/format.js';
import { escapeHtml } from './html.js';

/** One trial as the combined report sees it. */
export interface ExperimentTrial {
  readonly dir: string;
  readonly figures: TrialFigures;
  /** Absent for trials recorded without them: those are left out of the overlaid curves. */
  readonly curves?: TrialCurves;
}

const SETTING_COLOURS = ['#4363d8', '#e6194b', '#3cb44b', '#f58231', '#911eb4', '#469990', '#9a6324', '#800000', '#000075', '#808000'];
const colourOf = (i: number): string => SETTING_COLOURS[i % SETTING_COLOURS.length]!;

const METRICS: readonly (readonly [string, string, (f: TrialFigures) => number])[] = [
  ['meanJump', 'mean Lamport jump on receive', (f) => f.meanJump],
  ['maxJump', 'max Lamport jump', (f) => f.maxJump],
  ['maxQueue', 'max queue length', (f) => f.maxQueue],
  ['finalDrift', 'final drift (Lamport gap to the fastest)', (f) => f.finalDrift],
  ['messagesPerSec', 'messages per second', (f) => f.messagesPerSec],
];

/** Quantile of sorted values (linear interpolation). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Nice axis ticks over [0, max]. */
function niceTicks(max: number, target = 5, integer = false): number[] {
  const span = Math.max(max, 1e-9);
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  // from 0 to the first tick at or above max, so every value lies inside the axis
  for (let v = 0; out.length < 50; v += step) {
    out.push(Number(v.toPrecision(12)));
    if (v >= span - step * 1e-9) break;
  }
  return out;
}

/** A box plot of one figure: a row per setting (whiskers min–max, box q1–q3, median bar, a dot per trial). */
function boxPlot(key: string, title: string, rows: readonly { name: string; values: number[] }[]): string {
  const width = 560;
  const labelW = 170;
  const rowH = 30;
  const plotW = width - labelW - 90;
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.values));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1]! || 1;
  const x = (v: number): number => labelW + (v / top) * plotW;
  const h = 28 + rows.length * rowH + 22;
  const axisY = 24 + rows.length * rowH;
  const body = rows
    .map((r, i) => {
      const y = 24 + i * rowH + rowH / 2;
      const s = [...r.values].sort((a, b) => a - b);
      if (s.length === 0) return `<text x="0" y="${y + 4}" font-size="12">${escapeHtml(r.name)} (no trials)</text>`;
      const [mn, q1, md, q3, mx] = [s[0]!, quantile(s, 0.25), quantile(s, 0.5), quantile(s, 0.75), s[s.length - 1]!];
      const c = colourOf(i);
      const dots = r.values.map((v) => `<circle cx="${x(v).toFixed(1)}" cy="${y}" r="2.5" fill="#222" fill-opacity="0.7"><title>${fmtNum(v)}</title></circle>`).join('');
      return (
        `<g class="box" data-setting="${escapeHtml(r.name)}" data-min="${mn}" data-max="${mx}" data-median="${md}">` +
        `<text x="0" y="${y + 4}" font-size="12">${escapeHtml(r.name)}</text>` +
        `<line x1="${x(mn).toFixed(1)}" x2="${x(mx).toFixed(1)}" y1="${y}" y2="${y}" stroke="${c}"/>` +
        `<line x1="${x(mn).toFixed(1)}" x2="${x(mn).toFixed(1)}" y1="${y - 6}" y2="${y + 6}" stroke="${c}"/>` +
        `<line x1="${x(mx).toFixed(1)}" x2="${x(mx).toFixed(1)}" y1="${y - 6}" y2="${y + 6}" stroke="${c}"/>` +
        `<rect x="${x(q1).toFixed(1)}" y="${y - 9}" width="${Math.max(1, x(q3) - x(q1)).toFixed(1)}" height="18" fill="${c}" fill-opacity="0.25" stroke="${c}"/>` +
        `<line x1="${x(md).toFixed(1)}" x2="${x(md).toFixed(1)}" y1="${y - 9}" y2="${y + 9}" stroke="${c}" stroke-width="2"/>` +
        dots +
        `<text x="${(x(mx) + 6).toFixed(1)}" y="${y + 4}" font-size="11" fill="#555">${fmtNum(mn)}–${fmtNum(mx)}</text></g>`
      );
    })
    .join('');
  const axis =
    `<line x1="${labelW}" x2="${labelW + plotW}" y1="${axisY}" y2="${axisY}" stroke="#999"/>` +
    ticks.map((t) => `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${axisY}" y2="${axisY + 4}" stroke="#999"/><text x="${x(t).toFixed(1)}" y="${axisY + 16}" font-size="10" text-anchor="middle">${fmtNum(t)}</text>`).join('');
  return `<figure class="boxplot" data-metric="${key}"><svg width="${width}" height="${h}" role="img" aria-label="${escapeHtml(title)}"><text x="0" y="14" font-size="13" font-weight="bold">${escapeHtml(title)}</text>${body}${axis}</svg></figure>`;
}

/** Overlaid line chart: one polyline per setting. */
function overlay(key: string, title: string, xLabel: string, yLabel: string, series: readonly { name: string; points: [number, number][] }[], integerX: boolean): string {
  const width = 560;
  const height = 300;
  const L = 56;
  const R = 16;
  const T = 44;
  const B = 44;
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return '';
  const xmax = Math.max(1, ...pts.map((p) => p[0]));
  const ymax = Math.max(1e-9, ...pts.map((p) => p[1]));
  const xt = niceTicks(xmax, 6, integerX);
  const yt = niceTicks(ymax, 5);
  const xTop = xt[xt.length - 1]! || 1;
  const yTop = yt[yt.length - 1]! || 1;
  const X = (v: number): number => L + (v / xTop) * (width - L - R);
  const Y = (v: number): number => height - B - (v / yTop) * (height - T - B);
  const grid =
    yt.map((t) => `<line x1="${L}" x2="${width - R}" y1="${Y(t).toFixed(1)}" y2="${Y(t).toFixed(1)}" stroke="#eee"/><text x="${L - 4}" y="${(Y(t) + 3).toFixed(1)}" font-size="10" text-anchor="end">${fmtNum(t)}</text>`).join('') +
    xt.map((t) => `<text x="${X(t).toFixed(1)}" y="${height - B + 14}" font-size="10" text-anchor="middle">${fmtNum(t)}</text>`).join('') +
    `<line x1="${L}" x2="${width - R}" y1="${height - B}" y2="${height - B}" stroke="#999"/><line x1="${L}" x2="${L}" y1="${T}" y2="${height - B}" stroke="#999"/>` +
    `<text x="${(L + width - R) / 2}" y="${height - 8}" font-size="11" text-anchor="middle">${escapeHtml(xLabel)}</text>` +
    `<text transform="translate(12 ${(T + height - B) / 2}) rotate(-90)" font-size="11" text-anchor="middle">${escapeHtml(yLabel)}</text>`;
  const lines = series
    .map((s, i) => {
      if (s.points.length === 0) return '';
      const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join('');
      return `<path class="curve" data-setting="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${colourOf(i)}" stroke-width="1.6"/>`;
    })
    .join('');
  const legend = series.map((s, i) => `<tspan fill="${colourOf(i)}">■ </tspan><tspan>${escapeHtml(s.name)}   </tspan>`).join('');
  return `<figure class="overlay" data-metric="${key}"><svg width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><text x="0" y="14" font-size="13" font-weight="bold">${escapeHtml(title)}</text><text x="${L}" y="${T - 14}" font-size="11">${legend}</text>${grid}${lines}</svg></figure>`;
}

/** Per setting, over its trials: P(jump ≥ k) and the mean Lamport spread per second. */
function overlays(names: readonly string[], trials: ReadonlyMap<string, readonly ExperimentTrial[]>): string {
  const ccdf = names.map((name) => {
    const counts: number[] = [];
    for (const t of trials.get(name) ?? []) t.curves?.jumpCounts.forEach((c, k) => (counts[k] = (counts[k] ?? 0) + c));
    const total = counts.reduce((a, b) => a + b, 0);
    const points: [number, number][] = [];
    let above = total;
    let last = 0;
    counts.forEach((c, k) => {
      if (total > 0 && above > 0) points.push([k + 1, above / total]);
      if (c > 0) last = k + 1;
      above -= c;
    });
    return { name, points: points.filter((p) => p[0] <= Math.max(1, last)) };
  });
  const spread = names.map((name) => {
    const sum: number[] = [];
    const n: number[] = [];
    for (const t of trials.get(name) ?? []) for (const [s, v] of t.curves?.spread ?? []) {
      sum[s] = (sum[s] ?? 0) + v;
      n[s] = (n[s] ?? 0) + 1;
    }
    const points: [number, number][] = [];
    sum.forEach((v, s) => {
      if (n[s]) points.push([s, v / n[s]!]);
    });
    return { name, points };
  });
  return (
    overlay('jump-ccdf', 'Lamport jumps on receive: share of receives with a jump ≥ k', 'k (ticks)', 'share of receives', ccdf, true) +
    overlay('spread', 'Lamport spread over time (fastest − slowest machine), mean over trials', 'seconds since ticking began', 'Lamport ticks', spread, false)
  );
}

/** The combined report: comparison with spread, box plots, overlaid curves, every trial linked. */
export function renderExperimentHtml(summaries: readonly SettingSummary[], trials: ReadonlyMap<string, readonly ExperimentTrial[]>, meta: string): string {
  const header = ['setting', 'options', 'trials', 'mean jump', 'max jump', 'max queue', 'final drift', 'messages/s', 'failed'];
  const spreadCell = (name: string, f: (t: TrialFigures) => number, mean: number): string => {
    const values = (trials.get(name) ?? []).map((t) => f(t.figures));
    if (values.length < 2) return `<td>${fmtNum(mean)}</td>`;
    return `<td>${fmtNum(mean)} <small>(${fmtNum(Math.min(...values))}–${fmtNum(Math.max(...values))})</small></td>`;
  };
  const row = (s: SettingSummary): string =>
    `<tr><td>${escapeHtml(s.name)}</td><td><code>${escapeHtml(s.args.join(' ') || '(defaults)')}</code></td><td>${s.trials}</td>` +
    spreadCell(s.name, (f) => f.meanJump, s.meanJump) +
    spreadCell(s.name, (f) => f.maxJump, s.maxJump) +
    spreadCell(s.name, (f) => f.maxQueue, s.maxQueue) +
    spreadCell(s.name, (f) => f.finalDrift, s.finalDrift) +
    spreadCell(s.name, (f) => f.messagesPerSec, s.messagesPerSec) +
    `<td>${s.failedTrials}</td></tr>`;
  const names = summaries.map((s) => s.name);
  const boxes = METRICS.map(([key, title, f]) => boxPlot(key, title, names.map((name) => ({ name, values: (trials.get(name) ?? []).map((t) => f(t.figures)) })))).join('\n');
  const trialRows = [...trials]
    .flatMap(([name, list]) =>
      list.map(
        (t, i) =>
          `<tr><td>${escapeHtml(name)}</td><td>${i + 1}</td><td><a href="${escapeHtml(t.dir)}/report.html">${escapeHtml(t.dir)}</a></td>${[t.figures.meanJump, t.figures.maxJump, t.figures.maxQueue, t.figures.finalDrift, t.figures.messagesPerSec]
            .map((v) => `<td>${fmtNum(v)}</td>`)
            .join('')}<td>${t.figures.ok ? 'hold' : 'VIOLATED'}</td></tr>`,
      ),
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>lamport-lab experiment</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:76em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}td:first-child,th:first-child,td:nth-child(2){text-align:left}
small{color:#666}.charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}
@media print{body{margin:0;font-size:11px}figure,table{break-inside:avoid;page-break-inside:avoid}a{color:inherit;text-decoration:none}}</style>
</head><body><h1>lamport-lab experiment</h1><p>${escapeHtml(meta)}</p>
<h2>Comparison</h2><p>Each figure: mean over the setting's trials, then <small>(min–max across trials)</small>.</p>
<table id="comparison"><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${summaries.map(row).join('')}</tbody></table>
<h2>Spread across trials</h2><p>One box per setting: whiskers from the lowest to the highest trial, the box from the first to the third quartile, the bar at the median; a dot per trial.</p>
<div class="charts" id="boxplots">${boxes}</div>
<h2>The settings overlaid</h2><div class="charts" id="overlays">${overlays(names, trials)}</div>
<h2>Trials</h2><table id="trials"><thead><tr><th>setting</th><th>trial</th><th>logs and report</th><th>mean jump</th><th>max jump</th><th>max queue</th><th>final drift</th><th>messages/s</th><th>invariants</th></tr></thead><tbody>${trialRows}</tbody></table>
</body></html>
`;
}

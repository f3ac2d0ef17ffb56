import { describe, expect, it } from 'vitest';
import { summarizeSetting, type TrialFigures } from '../../src/analysis/experiment.js';
import { trialCurves } from '../../src/analysis/experimentCurves.js';
import { indexRun } from '../../src/analysis/run.js';
import { renderExperimentHtml, type ExperimentTrial } from '../../src/report/experimentHtml.js';
import { makeRun, runLogsOf } from '../helpers/makeLogs.js';

const fig = (meanJump: number, maxJump: number, finalDrift: number): TrialFigures => ({ meanJump, maxJump, maxQueue: 2, finalDrift, messagesPerSec: 3, ok: true });

describe('experiment combined report', () => {
  const curves = trialCurves(indexRun(runLogsOf(makeRun({ machines: 3, steps: 3000, seed: 2 }))));
  const trials = new Map<string, ExperimentTrial[]>([
    ['default', [fig(1.5, 9, 4), fig(2.5, 12, 10), fig(2, 7, 1)].map((f, i) => ({ dir: `default/trial-${i + 1}`, figures: f, curves }))],
    ['slow', [fig(1.1, 3, 0), fig(1.2, 4, 2)].map((f, i) => ({ dir: `slow/trial-${i + 1}`, figures: f, curves }))],
  ]);
  const summaries = [...trials].map(([name, list]) => summarizeSetting(name, [], list.map((t) => t.figures)));
  const html = renderExperimentHtml(summaries, trials, 'meta');

  it('shows the spread across trials, not only means: min–max cells and a box per setting', () => {
    expect(html).toContain('<td>2 <small>(1.50–2.50)</small></td>'); // mean jump of default: mean (min–max)
    expect(html.match(/<figure class="boxplot"/g)).toHaveLength(5);
    const drift = html.slice(html.indexOf('data-metric="finalDrift"'));
    expect(drift).toMatch(/data-setting="default" data-min="1" data-max="10" data-median="4"/);
    expect(drift).toMatch(/data-setting="slow" data-min="0" data-max="2" data-median="1"/);
    // one dot per trial
    const box = drift.slice(0, drift.indexOf('</figure>'));
    expect(box.match(/<circle/g)).toHaveLength(5);
  });

  it('overlays the settings: one curve per setting in each overlaid plot', () => {
    for (const key of ['jump-ccdf', 'spread']) {
      const fig = html.slice(html.indexOf(`data-metric="${key}"`));
      const part = fig.slice(0, fig.indexOf('</figure>'));
      expect(part.match(/class="curve" data-setting="default"/g), key).toHaveLength(1);
      expect(part.match(/class="curve" data-setting="slow"/g), key).toHaveLength(1);
    }
  });

  it('trial curves: jump counts cover every receive; the spread is sampled each second', () => {
    const run = indexRun(runLogsOf(makeRun({ machines: 3, steps: 3000, seed: 2 })));
    const receives = run.machines.reduce((n, l) => n + l.rows.filter((r) => r.event === 'RECEIVE').length, 0);
    expect(curves.jumpCounts.reduce((a, b) => a + b, 0)).toBe(receives);
    expect(curves.spread.length).toBeGreaterThan(1);
    curves.spread.forEach(([s], i) => expect(s).toBe(i));
    for (const [, v] of curves.spread) expect(v).toBeGreaterThanOrEqual(0);
  });
});

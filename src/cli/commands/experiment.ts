/**
 * `lamport-lab experiment`: the classic lab notebook, unattended. For each setting (the default
 * model, small clock-rate variation, fewer internal events, plus any --setting given) it runs
 * several trials with start-all into logs/experiments/<name>/trial-<k>/, analyses each, shows
 * progress, prints one comparison table and writes a combined HTML report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvalidArgumentError, type Command } from 'commander';
import { LabError } from '../../core/errors.js';
import { summarizeSetting, trialFigures, type SettingSummary, type TrialFigures } from '../../analysis/experiment.js';
import { EXIT_FAILED, EXIT_OK } from '../exitCodes.js';
import { collect, intIn, seconds } from '../parsers.js';
import { fmtNum, table } from '../../analysis/format.js';
import { renderReportHtml } from '../report/html.js';
import { renderExperimentHtml, type ExperimentTrial } from '../report/experimentHtml.js';
import { trialCurves } from '../../analysis/experimentCurves.js';
import { readFaults } from './report.js';
import type { SetExit } from '../program.js';
import { cliScriptPath } from '../paths.js';

/** A named setting: extra start-all options. */
export interface Setting {
  readonly name: string;
  readonly args: readonly string[];
}

/** The three settings every experiment runs. */
export const BUILTIN_SETTINGS: readonly Setting[] = [
  { name: 'default', args: [] },
  { name: 'small-rate-variation', args: ['--min-tick-rate', '5', '--max-tick-rate', '6'] },
  { name: 'fewer-internal', args: ['--internal-max', '5'] },
];

/** Parses `name=--opt value ...` (the options are start-all's). */
export function parseSetting(value: string): Setting {
  const eq = value.indexOf('=');
  const name = eq > 0 ? value.slice(0, eq).trim() : '';
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
    throw new InvalidArgumentError(`expected name=<start-all options>, e.g. "slow=--max-tick-rate 2"; got "${value}".`);
  }
  return { name, args: value.slice(eq + 1).trim().split(/\s+/).filter(Boolean) };
}

interface ExperimentOptions {
  config: string;
  logDir: string;
  trials: number;
  duration: number;
  seed: number;
  setting?: Setting[];
  out?: string;
}

/** The combined HTML report lives in report/experimentHtml.ts (box plots, overlaid curves). */
export { renderExperimentHtml } from '../report/experimentHtml.js';

/** Progress: a live bar on a TTY, one line per trial otherwise. */
function progress(done: number, total: number, label: string, secondsLeft: number): void {
  const width = 24;
  const filled = Math.round((done / total) * width);
  const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} trials, ~${Math.ceil(secondsLeft)} s left — ${label}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${text}\x1b[K`);
  else process.stdout.write(text + '\n');
}

export function registerExperiment(program: Command, setExit: SetExit): void {
  program
    .command('experiment')
    .description('run several trials of several settings, compare them in one table and an HTML report')
    .option('-c, --config <path>', 'config file', 'config.json')
    .option('--log-dir <dir>', 'base log directory (trials go to <dir>/experiments/<setting>/trial-<k>/)', 'logs')
    .option('--trials <n>', 'trials per setting', intIn(1, 1000), 5)
    .option('--duration <s>', 'seconds of ticking per trial', seconds, 60)
    .option('--seed <n>', 'base seed: trial k of every setting uses seed + k', intIn(0, 2147483000), 1)
    .option('--setting <name=options>', 'an extra setting, e.g. "slow=--max-tick-rate 2" (repeatable)', collect(parseSetting))
    .option('--out <file>', 'combined HTML report (default <log-dir>/experiments/report.html)')
    .action(async (opts: ExperimentOptions) => {
      const { execa } = await import('execa');
      const { loadRun, checkersForDir } = await import('../../runtime/log/analyzeLogDir.js');
      const { analyzeIndexedRun } = await import('../../analysis/analyze.js');
      const settings = [...BUILTIN_SETTINGS, ...(opts.setting ?? [])];
      const names = new Set<string>();
      for (const s of settings) {
        if (names.has(s.name)) throw new LabError('INVALID_OPTION', `setting "${s.name}" is given twice`);
        names.add(s.name);
      }
      const base = join(opts.logDir, 'experiments');
      const total = settings.length * opts.trials;
      const t0 = performance.now();
      let done = 0;
      const perSetting = new Map<string, ExperimentTrial[]>();
      process.stdout.write(`experiment: ${settings.length} settings × ${opts.trials} trials × ${opts.duration} s, seeds ${opts.seed}..${opts.seed + opts.trials - 1}, logs in ${base}/\n`);
      for (const setting of settings) {
        const list: ExperimentTrial[] = [];
        perSetting.set(setting.name, list);
        for (let k = 1; k <= opts.trials; k++) {
          const elapsed = (performance.now() - t0) / 1000;
          const perTrial = done > 0 ? elapsed / done : opts.duration + 2;
          progress(done, total, `${setting.name} trial ${k}`, perTrial * (total - done));
          const dir = join(base, setting.name, `trial-${k}`);
          mkdirSync(dir, { recursive: true });
          const args = [cliScriptPath(), 'start-all', '--config', opts.config, '--log-dir', dir, '--duration', String(opts.duration), '--seed', String(opts.seed + k - 1), '--quiet', ...setting.args];
          const result = await execa(process.execPath, args, { reject: false, all: true, env: { NO_COLOR: '1' } });
          if (result.exitCode === 2 || result.exitCode === 3) {
            const last = (result.all ?? '').trim().split('\n').at(-1) ?? '';
            throw new LabError('INVALID_OPTION', `setting "${setting.name}" (${setting.args.join(' ')}): start-all failed: ${last.replace(/^lamport-lab: error: /, '')}`);
          }
          const run = await loadRun(dir);
          const analysis = analyzeIndexedRun(run, checkersForDir(dir));
          writeFileSync(join(dir, 'report.html'), renderReportHtml(run, analysis, { title: `${setting.name} trial ${k}`, faults: readFaults(dir) }));
          list.push({ dir: join(setting.name, `trial-${k}`), figures: trialFigures(analysis), curves: trialCurves(run) });
          done++;
        }
      }
      progress(done, total, 'done', 0);
      if (process.stdout.isTTY) process.stdout.write('\n');
      const summaries = settings.map((s) => summarizeSetting(s.name, s.args, perSetting.get(s.name)!.map((t) => t.figures)));
      process.stdout.write(
        '\n' +
          table(
            ['setting', 'trials', 'mean_jump', 'max_jump', 'max_queue', 'final_drift', 'msgs_per_s', 'failed'],
            summaries.map((s) => [s.name, s.trials, Number(s.meanJump.toFixed(2)), s.maxJump, s.maxQueue, Number(s.finalDrift.toFixed(2)), Number(s.messagesPerSec.toFixed(2)), s.failedTrials]),
          ) +
          '\n',
      );
      const out = opts.out ?? join(base, 'report.html');
      const meta = `${settings.length} settings × ${opts.trials} trials × ${opts.duration} s; base seed ${opts.seed}; config ${opts.config}`;
      writeFileSync(out, renderExperimentHtml(summaries, perSetting, meta));
      process.stdout.write(`experiment: wrote ${out}\n`);
      setExit(summaries.some((s) => s.failedTrials > 0) ? EXIT_FAILED : EXIT_OK);
    });
}

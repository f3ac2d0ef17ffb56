/**
 * `lamport-lab experiment`: the classic lab notebook, unattended. For each setting (the default
 * model, small clock-rate variation, fewer internal events, plus any --setting given) it runs
 * several trials with start-all into logs/experiments/<name>/trial-<k>/, analyses each, shows
 * progress, prints one comparison table and writes a combined HTML report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvalidArgumentError, type Command } from 'commander';
import { LabError, isLabError } from '../../core/errors.js';
import { summarizeSetting, trialFigures, type SettingSummary, type TrialFigures } from '../../analysis/experiment.js';
import { EXIT_FAILED, EXIT_OK } from '../exitCodes.js';
import { collect, intIn, nonEmptyPath, seconds } from '../parsers.js';
import { fmtNum, table } from '../../analysis/format.js';
import { renderReportHtml } from '../../report/html.js';
import { renderExperimentHtml, type ExperimentTrial } from '../../report/experimentHtml.js';
import { trialCurves } from '../../analysis/experimentCurves.js';
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

/** The combined HTML report lives in src/report/experimentHtml.ts (box plots, overlaid curves). */
export { renderExperimentHtml } from '../../report/experimentHtml.js';

/** Progress: a live bar on a TTY, one line per trial otherwise. */
function progress(done: number, total: number, label: string, secondsLeft: number): void {
  const width = 24;
  const filled = Math.round((done / total) * width);
  const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} trials, ~${Math.ceil(secondsLeft)} s left — ${label}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${text}\x1b[K`);
  else process.stdout.write(text + '\n');
}

/** Exit status after Ctrl-C (128 + SIGINT), once the completed trials are summarised. */
export const EXIT_INTERRUPTED = 130;

/** start-all's arguments for one trial (without the script path). */
function trialArgs(opts: ExperimentOptions, setting: Setting, dir: string, k: number): string[] {
  return ['start-all', '--config', opts.config, '--log-dir', dir, '--duration', String(opts.duration), '--seed', String(opts.seed + k - 1), '--quiet', ...setting.args];
}

/**
 * Checks every setting before the first trial runs, as start-all would: its options parse (the
 * real start-all command definition, with its action replaced), and the config, the merged
 * settings, the algorithm name and the fault flags' machine ids are valid. Throws LabError
 * INVALID_OPTION naming the setting.
 */
export async function validateSettings(opts: ExperimentOptions, settings: readonly Setting[]): Promise<void> {
  const { Command, CommanderError } = await import('commander');
  const { registerStartAll } = await import('./startAll.js');
  const { loadConfig } = await import('../../config/load.js');
  const { resolveRunSettings } = await import('../runOptions.js');
  const { createAlgorithm } = await import('../../algorithms/registry.js');
  const { schedulePlan } = await import('../../faults/process.js');
  const { checkLinkFaultIds } = await import('../../faults/link.js');
  type Raw = Parameters<typeof resolveRunSettings>[0] & Record<string, unknown>;
  const config = loadConfig(opts.config);
  const members = config.machines.map((m) => m.id);
  for (const setting of settings) {
    const what = `setting "${setting.name}" (${setting.args.join(' ') || 'defaults'})`;
    const probe = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    registerStartAll(probe, () => {});
    let raw: Raw | null = null;
    probe.commands
      .find((c) => c.name() === 'start-all')!
      .action((parsed: Raw) => {
        raw = parsed;
      });
    try {
      await probe.parseAsync(trialArgs(opts, setting, join(opts.logDir, 'experiments', setting.name, 'trial-1'), 1), { from: 'user' });
      const r = raw as Raw | null;
      if (r === null) throw new LabError('INVALID_OPTION', 'not a start-all run');
      const s = resolveRunSettings(r, config);
      createAlgorithm(s.algorithm, s.algorithmOptions);
      schedulePlan([...((r.kill ?? []) as never[]), ...((r.restart ?? []) as never[]), ...((r.pause ?? []) as never[])], members);
      checkLinkFaultIds(members, { delays: r.delay as never, losses: r.loss as never, partitions: r.partition as never });
    } catch (e) {
      const message = e instanceof CommanderError ? e.message.replace(/^error: /, '') : (e as Error).message;
      if (e instanceof CommanderError || isLabError(e) || (e as Error).name === 'FaultSpecError') {
        throw new LabError('INVALID_OPTION', `${what}: ${message}`, { cause: e });
      }
      throw e;
    }
  }
}

/** The comparison table as printed at the end (also after Ctrl-C, over the completed trials). */
function comparisonText(summaries: readonly SettingSummary[]): string {
  return table(
    ['setting', 'trials', 'mean_jump', 'max_jump', 'max_queue', 'final_drift', 'msgs_per_s', 'failed'],
    summaries.map((s) => [s.name, s.trials, Number(s.meanJump.toFixed(2)), s.maxJump, s.maxQueue, Number(s.finalDrift.toFixed(2)), Number(s.messagesPerSec.toFixed(2)), s.failedTrials]),
  );
}

export function registerExperiment(program: Command, setExit: SetExit): void {
  program
    .command('experiment')
    .description('run several trials of several settings, compare them in one table and an HTML report')
    .option('-c, --config <path>', 'config file', 'config.json')
    .option('--log-dir <dir>', 'base log directory (trials go to <dir>/experiments/<setting>/trial-<k>/)', nonEmptyPath, 'logs')
    .option('--trials <n>', 'trials per setting', intIn(1, 1000), 5)
    .option('--duration <s>', 'seconds of ticking per trial', seconds, 60)
    .option('--seed <n>', 'base seed: trial k (k = 1, 2, ...) of every setting uses seed + k − 1', intIn(0, 2147483000), 1)
    .option('--setting <name=options>', 'an extra setting, e.g. "slow=--max-tick-rate 2" (repeatable)', collect(parseSetting))
    .option('--out <file>', 'combined HTML report (default <log-dir>/experiments/report.html)')
    .addHelpText(
      'after',
      `
Every setting is checked before the first trial runs. Ctrl-C stops the trial that is running (its
logs stay), prints and writes the comparison of the trials completed so far, and exits ${EXIT_INTERRUPTED}.`,
    )
    .action(async (opts: ExperimentOptions) => {
      const { execa } = await import('execa');
      const { loadRun } = await import('../../runtime/log/analyzeLogDir.js');
      const { analyzeIndexedRun } = await import('../../analysis/analyze.js');
      const settings = [...BUILTIN_SETTINGS, ...(opts.setting ?? [])];
      const names = new Set<string>();
      for (const s of settings) {
        if (names.has(s.name)) throw new LabError('INVALID_OPTION', `setting "${s.name}" is given twice`);
        names.add(s.name);
      }
      await validateSettings(opts, settings);
      const base = join(opts.logDir, 'experiments');
      const total = settings.length * opts.trials;
      const t0 = performance.now();
      let done = 0;
      const perSetting = new Map<string, ExperimentTrial[]>();
      // Ctrl-C: stop the running trial (start-all runs in its own process group, so only we get the
      // terminal's SIGINT and pass on exactly one), then summarise what completed
      let interrupted = false;
      let child: { kill(signal: NodeJS.Signals): boolean } | null = null;
      const onSigint = (): void => {
        if (interrupted) {
          child?.kill('SIGKILL'); // a second Ctrl-C: do not wait for a clean stop
          return;
        }
        interrupted = true;
        process.stdout.write(`${process.stdout.isTTY ? '\n' : ''}experiment: interrupted; stopping the running trial, then summarising the completed ones\n`);
        child?.kill('SIGINT');
      };
      process.on('SIGINT', onSigint);
      let stoppedTrial: string | null = null;
      try {
        process.stdout.write(`experiment: ${settings.length} settings × ${opts.trials} trials × ${opts.duration} s, seeds ${opts.seed}..${opts.seed + opts.trials - 1}, logs in ${base}/\n`);
        trials: for (const setting of settings) {
          const list: ExperimentTrial[] = [];
          perSetting.set(setting.name, list);
          for (let k = 1; k <= opts.trials; k++) {
            if (interrupted) break trials;
            const elapsed = (performance.now() - t0) / 1000;
            const perTrial = done > 0 ? elapsed / done : opts.duration + 2;
            progress(done, total, `${setting.name} trial ${k}`, perTrial * (total - done));
            const dir = join(base, setting.name, `trial-${k}`);
            mkdirSync(dir, { recursive: true });
            const running = execa(process.execPath, [cliScriptPath(), ...trialArgs(opts, setting, dir, k)], { reject: false, all: true, detached: true, env: { NO_COLOR: '1' } });
            child = running;
            const result = await running;
            child = null;
            if (interrupted) {
              stoppedTrial = `${setting.name} trial ${k} (logs in ${dir})`;
              break trials;
            }
            if (result.exitCode === 2 || result.exitCode === 3) {
              const last = (result.all ?? '').trim().split('\n').at(-1) ?? '';
              throw new LabError('INVALID_OPTION', `setting "${setting.name}" (${setting.args.join(' ')}): start-all failed: ${last.replace(/^lamport-lab: error: /, '')}`);
            }
            const run = await loadRun(dir);
            const analysis = analyzeIndexedRun(run);
            writeFileSync(join(dir, 'report.html'), renderReportHtml(run, analysis, { title: `${setting.name} trial ${k}` }));
            list.push({ dir: join(setting.name, `trial-${k}`), figures: trialFigures(analysis), curves: trialCurves(run) });
            done++;
          }
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
      if (!interrupted) progress(done, total, 'done', 0);
      if (process.stdout.isTTY) process.stdout.write('\n');
      if (interrupted) {
        process.stdout.write(`experiment: interrupted after ${done} of ${total} trials${stoppedTrial ? `; ${stoppedTrial} was stopped and is not counted` : ''}\n`);
      }
      const completed = settings.filter((s) => (perSetting.get(s.name)?.length ?? 0) > 0);
      const summaries = completed.map((s) => summarizeSetting(s.name, s.args, perSetting.get(s.name)!.map((t) => t.figures)));
      const shown = new Map(completed.map((s) => [s.name, perSetting.get(s.name)!]));
      if (summaries.length) process.stdout.write('\n' + comparisonText(summaries) + '\n');
      else process.stdout.write('experiment: no trial completed, nothing to compare\n');
      const out = opts.out ?? join(base, 'report.html');
      const meta =
        `${settings.length} settings × ${opts.trials} trials × ${opts.duration} s; base seed ${opts.seed}; config ${opts.config}` +
        (interrupted ? `; interrupted: ${done} of ${total} trials completed` : '');
      if (summaries.length) {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, renderExperimentHtml(summaries, shown, meta));
        process.stdout.write(`experiment: wrote ${out}\n`);
      }
      if (interrupted) setExit(EXIT_INTERRUPTED);
      else setExit(summaries.some((s) => s.failedTrials > 0) ? EXIT_FAILED : EXIT_OK);
    });
}

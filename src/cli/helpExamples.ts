/**
 * Examples shown at the end of every command's `--help` (commander addHelpText('after')). Kept in
 * one table so each command's module stays about its options; program.ts attaches them.
 */

/** Command name ('' for the program itself) → example command lines with a short comment. */
export const HELP_EXAMPLES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  '': [
    ['lamport-lab start-all --duration 30', 'every machine of config.json for 30 s of ticking'],
    ['lamport-lab analyze', 'statistics and invariant checks of logs/'],
    ['lamport-lab report', 'report.html: an HTML report of the run in logs/'],
    ['lamport-lab <command> --help', 'the options of one command, with examples'],
  ],
  'run-machine': [
    ['lamport-lab run-machine 1', 'machine 1 of config.json in this terminal (start 2 and 3 in others)'],
    ['lamport-lab run-machine 2 --seed 7 --duration 60', 'a reproducible minute of machine 2'],
    ['lamport-lab run-machine 3 --algorithm mutex --cs-probability 0.3', 'machine 3 of a mutex run'],
  ],
  'start-all': [
    ['lamport-lab start-all --duration 60 --seed 1', 'a reproducible minute of the model'],
    ['lamport-lab start-all --algorithm election --kill leader@8 --duration 20', 'kill the leader, watch the election'],
    ['lamport-lab start-all --algorithm mutex --loss 0.1 --delay uniform:1-50ms', 'mutual exclusion on a lossy, slow network'],
  ],
  analyze: [
    ['lamport-lab analyze', 'the run in logs/'],
    ['lamport-lab analyze --log-dir logs/experiments/default/trial-1', 'one trial of an experiment'],
    ['lamport-lab analyze --json > analysis.json', 'everything as JSON, for scripts'],
  ],
  report: [
    ['lamport-lab report', 'report.html for the run in logs/'],
    ['lamport-lab report --log-dir run2 --out run2.html', 'another run, another file'],
  ],
  export: [
    ['lamport-lab export --format shiviz', 'writes <log-dir>/run.shiviz for ShiViz'],
    ['lamport-lab export --format shiviz --out - | less', 'the ShiViz log on stdout'],
    ['lamport-lab export --format json --out events.jsonl', 'one JSON object per event'],
  ],
  experiment: [
    ['lamport-lab experiment --trials 3 --duration 20', 'a quick notebook: 3 settings × 3 trials × 20 s'],
    ['lamport-lab experiment --setting "slow=--max-tick-rate 2" --seed 100', 'an extra setting, seeds 100, 101, ...'],
  ],
  simulate: [
    ['lamport-lab simulate --machines 1000 --duration 60 --delay uniform:1-20ms --loss 0.01', 'a big run in seconds'],
    ['lamport-lab simulate --algorithm mutex --machines 5 --loss 0.2 --delay uniform:1-50ms --seed 7', 'then: lamport-lab analyze'],
    ['lamport-lab simulate --check --seeds 1000', 'every seed through the analysis checks'],
  ],
  check: [
    ['lamport-lab check --algorithm ricart-agrawala --machines 3', 'every interleaving of 3 machines, breadth-first'],
    ['lamport-lab check --algorithm mutex --max-requests 1 --depth 40', 'Lamport mutex, one request per machine, exhaustively'],
    ['lamport-lab check --algorithm mutex --faults partition --out cex', 'a counterexample as logs in cex/: then analyze --log-dir cex'],
  ],
  ui: [
    ['lamport-lab ui', 'replay the finished run in logs/ in the browser'],
    ['lamport-lab ui --log-dir logs/experiments/default/trial-1 --port 8080', 'one trial, on a fixed port'],
  ],
  compose: [
    ['lamport-lab compose --machines 5', 'docker-compose.yml and config.compose.json for 5 containers'],
    ['lamport-lab compose --machines 3 --duration 60 --force', '3 containers that stop after 60 s, overwriting'],
  ],
};

/** The examples block for `--help` of `name` ('' = the program), or '' when there are none. */
export function examplesText(name: string): string {
  const list = HELP_EXAMPLES[name];
  if (!list || list.length === 0) return '';
  const width = Math.max(...list.map(([cmd]) => cmd.length));
  const lines = list.map(([cmd, why]) => (cmd.length + why.length > 100 ? `  $ ${cmd}\n      # ${why}` : `  $ ${cmd.padEnd(width)}  # ${why}`));
  return `\nExamples:\n${lines.join('\n')}\n`;
}

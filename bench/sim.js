#!/usr/bin/env node
// Simulator throughput (events/s) for `npm run bench`: the workload on 3 .. 10,000 machines, rows
// discarded (simulate --no-logs) and, for small N, formatted as log files would get them.
// Needs a build (dist/). Usage: node bench/sim.js [--quick] [--json]
//   Each case runs in its own process so heap and JIT state do not leak between sizes.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const caseArg = args.find((a) => a.startsWith('--case='));
if (caseArg) {
  const { benchSimulator } = await import('../dist/runtime/sim/bench.js');
  process.stdout.write(JSON.stringify(benchSimulator(JSON.parse(caseArg.slice(7)))) + '\n');
  process.exit(0);
}

const quick = args.includes('--quick');
/** Virtual durations chosen so each case takes seconds, not minutes (workload, seed 1). */
const CASES = [
  { machines: 3, durationMs: quick ? 20_000_000 : 200_000_000 },
  { machines: 3, durationMs: quick ? 2_000_000 : 20_000_000, formatRows: true },
  { machines: 100, durationMs: quick ? 100_000 : 600_000 },
  { machines: 100, durationMs: quick ? 20_000 : 100_000, formatRows: true },
  { machines: 1000, durationMs: quick ? 2_000 : 10_000 },
  { machines: 10_000, durationMs: quick ? 200 : 400 },
];

const results = [];
for (const c of CASES) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url), `--case=${JSON.stringify(c)}`], { encoding: 'utf8' });
  results.push(JSON.parse(out.trim().split('\n').pop()));
}
if (args.includes('--json')) {
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
} else {
  const head = ['machines', 'rows', 'virtual s', 'events', 'startup s', 'wall s', 'events/s', 'loop events/s', 'events/cpu-s', 'rss MB'];
  const lines = results.map((r) => [
    r.machines,
    r.formatRows ? 'formatted' : 'discarded',
    (r.durationMs / 1000).toString(),
    r.events,
    (r.startupMs / 1000).toFixed(2),
    (r.wallMs / 1000).toFixed(2),
    Math.round(r.eventsPerSec),
    Math.round(r.loopEventsPerSec),
    Math.round(r.eventsPerCpuSec),
    Math.round(r.rssMb),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (row) => row.map((v, i) => String(v).padStart(widths[i])).join('  ');
  console.log('simulator throughput (workload, seed 1; wall includes startup)');
  console.log(fmt(head));
  for (const l of lines) console.log(fmt(l));
}

/**
 * Where the installed package lives. The compiled CLI runs from dist/cli/ or from the bundle in
 * dist/bundle/ (scripts/bundle.mjs), and the tests run it from src/cli/, so paths are found by
 * walking up to the package root instead of counting `../` from one of those places.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/**
 * The package root: the nearest directory above this module holding both package.json and
 * bin/lamport-lab.js. Invariant: the same directory from dist/cli, dist/bundle and src/cli.
 */
export function packageRoot(): string {
  if (root !== null) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'lamport-lab.js'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`lamport-lab: cannot find the package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The CLI's entry script (bin/lamport-lab.js), for spawning child processes. */
export function cliScriptPath(): string {
  return join(packageRoot(), 'bin', 'lamport-lab.js');
}

/**
 * The script start-all runs for each machine: the machine bundle (dist/bundle/machine.cjs, only
 * run-machine, CommonJS) when it has been built, else the CLI entry. Both take the same arguments.
 */
export function machineScriptPath(): string {
  const bundle = join(packageRoot(), 'dist', 'bundle', 'machine.cjs');
  return existsSync(bundle) ? bundle : cliScriptPath();
}

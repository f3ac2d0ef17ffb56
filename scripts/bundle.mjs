#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js, from tsc) with its runtime dependencies into
// dist/bundle/: one ES module per command plus shared chunks, so starting a machine reads a few
// files instead of resolving and compiling ~60 modules (measured here: run-machine start-up CPU
// 130 → 100 ms, RSS 55.7 → 49 MiB). bin/lamport-lab.js runs the bundle.
// Also dist/bundle/machine.cjs: run-machine alone as one CommonJS file (src/cli/machineMain.ts), the
// script start-all spawns for each machine; it skips the ES module loader and its facades for Node
// built-ins (measured: see the README's Performance section).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
/** Options both bundles share. */
const common = { bundle: true, platform: 'node', target: 'node20.19', minify: true, legalComments: 'none', logLevel: 'warning' };
await build({
  ...common,
  entryPoints: { main: join(root, 'dist', 'cli', 'main.js') },
  splitting: true, // each command stays a lazily loaded chunk, as in dist/cli/main.js
  format: 'esm',
  outdir,
  // bundled CommonJS dependencies (commander) require() node builtins: give them a real require
  banner: { js: "import { createRequire as __lamportLabRequire } from 'node:module'; const require = __lamportLabRequire(import.meta.url);" },
  minifySyntax: true,
  sourcemap: false,
});
await build({
  ...common,
  entryPoints: [join(root, 'dist', 'cli', 'machineMain.js')],
  outfile: join(outdir, 'machine.cjs'),
  format: 'cjs',
  // paths.ts finds the package root from its own location: here, this file's
  define: { 'import.meta.url': '__lamportLabUrl' },
  banner: { js: "'use strict';const __lamportLabUrl=require('node:url').pathToFileURL(__filename).href;" },
  footer: { js: 'if (require.main === module) module.exports.machineMain(process.argv).then((code) => { process.exitCode = code; });' },
});

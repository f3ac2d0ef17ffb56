#!/usr/bin/env node
// Thin entry point: runs the compiled CLI (dist/ is built by `npm install` via the prepare script).
import { main } from '../dist/cli/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});

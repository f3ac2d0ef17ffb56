#!/usr/bin/env node
// Thin entry point: runs the bundled CLI (dist/bundle/, built by `npm install` via the prepare
// script: tsc, then scripts/bundle.mjs).
import { main } from '../dist/bundle/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});

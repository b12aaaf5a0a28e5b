#!/usr/bin/env node
// Thin launcher: the CLI is compiled from main/cli/tal.ts (with tal/cli.ts) by `npm run build` (run by `npm ci` through `prepare`).
import { main } from '../dist/main/cli/tal.js';

// A reader that stops early (`tal check --trace f.tal | head`) is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));

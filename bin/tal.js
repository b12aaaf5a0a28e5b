#!/usr/bin/env node
// Thin launcher: the CLI is compiled from tal/cli.ts by `npm run build` (run by `npm ci` through `prepare`).
import { main } from '../dist/tal/cli.js';

process.exitCode = await main(process.argv.slice(2));

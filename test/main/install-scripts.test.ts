// npm 11 runs a dependency's install scripts only when package.json allows
// them (npm 12 refuses by default). Electron's postinstall fetches the binary
// `npm start` runs, and esbuild's checks its native binary: a user's `npm ci`
// must run both. Every dependency with an install script has a decision.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { APP_ROOT } from '../../main/app/resource-paths.js';

test('package.json allows the install scripts of electron and esbuild, and decides every other one', () => {
  const pkg = JSON.parse(readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  assert.equal(pkg.allowScripts?.['electron'], true);
  assert.equal(pkg.allowScripts?.['esbuild'], true);
  const pending = execFileSync('npm', ['install-scripts', 'ls'], { cwd: APP_ROOT, encoding: 'utf8' });
  assert.doesNotMatch(pending, /not yet covered/, pending);
});

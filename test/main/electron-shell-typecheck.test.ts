// The Electron shell files (main/electron-main.ts, preload/preload.ts) import
// 'electron', so tsconfig.json leaves them out; this test type-checks them
// against the electron package's own types (.ci/run installs the package
// without its binary download).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { APP_ROOT } from '../../main/app/resource-paths.js';

test('Electron shell type-checks against electron.d.ts', async () => {
  const types = path.join(APP_ROOT, 'node_modules', 'electron', 'electron.d.ts');
  assert.ok(existsSync(types), 'the optional electron package is not installed: run ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci, as .ci/run does');
  const tsc = path.join(APP_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.electron.json'], { cwd: APP_ROOT }).catch((e: { stdout: string; code: number }) => e);
  assert.equal('code' in run ? run.code : 0, 0, 'stdout' in run ? run.stdout : '');
});

// The Electron shell end to end with Playwright's _electron: the window is
// sandboxed (no Node in the page), the preload exposes only the lab API, and
// the TAL workflow works through IPC. It needs the real Electron binary, which
// npm downloads from outside the npm registry in electron's postinstall; where
// that download is impossible the test says so and skips.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { _electron } from 'playwright-core';
import { APP_ROOT } from '../../main/app/resource-paths.js';
import { ARTIFACTS } from '../../bench/chromium.js';

/** The Electron executable as the electron package records it, or why there is none. */
function electronBinary(): { path: string } | { missing: string } {
  const pkg = path.join(APP_ROOT, 'node_modules', 'electron');
  if (!existsSync(path.join(pkg, 'package.json')))
    return {
      missing:
        'the optional electron package is not installed (npm drops it when its binary download fails; install with ELECTRON_SKIP_BINARY_DOWNLOAD=1 to keep its types)',
    };
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile))
    return {
      missing:
        'the Electron binary was not downloaded (node_modules/electron/path.txt is absent: its postinstall needs GitHub, which this machine cannot reach)',
    };
  const exe = path.join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? { path: exe } : { missing: `Electron binary ${exe} is missing` };
}

test('Electron shell: sandboxed window, preload API only, TAL check over IPC', async (t) => {
  const bin = electronBinary();
  if ('missing' in bin) return t.skip(bin.missing);
  const app = await _electron.launch({
    executablePath: bin.path,
    args: [APP_ROOT, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: { ...process.env, TAL_LAB_NO_BOOT: '1' },
  });
  t.after(() => app.close());
  const page = await app.firstWindow();
  const shots = path.join(ARTIFACTS, 'electron');
  await mkdir(shots, { recursive: true });

  // No Node in the page; the lab API is a set of functions, not ipcRenderer.
  assert.deepEqual(await page.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process]), [
    'undefined',
    'undefined',
  ]);
  const apiKeys = await page.evaluate(() => Object.keys((window as unknown as { lab: object }).lab).sort());
  assert.ok(apiKeys.includes('checkSource') && apiKeys.includes('on') && !apiKeys.includes('invoke'), apiKeys.join(','));

  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  await page.screenshot({ path: path.join(shots, '01-hello-accepted.png') });

  // The preload forwards anything, main validates it.
  const reply = await page.evaluate(() =>
    (window as unknown as { lab: { checkSource(r: unknown): Promise<unknown> } }).lab.checkSource({ source: '', file: '../../etc/passwd' }),
  );
  assert.deepEqual((reply as { ok: boolean; error: { code: string } }).error.code, 'E_BAD_PAYLOAD');
});

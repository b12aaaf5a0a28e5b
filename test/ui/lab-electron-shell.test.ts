// The page's side of the Electron shell, in Chromium: the Electron binary
// cannot be had here (test/ui/electron-e2e.test.ts skips), so the preload's
// window.labShell is stood in for by an init script with the same shape
// (LabShellApi) that records calls and lets the test send menu commands and
// links as main would. Checked: native Open/Save replace the workspace picker
// and go through handles; menu commands run the page's own commands; a share
// link the page makes passes main's link check (main/electron/lab-link.ts)
// unchanged; a link main sends opens in the editor and runs nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { parseLabLink } from '../../main/electron/lab-link.js';
import type { LabShellApi } from '../../preload/contract.js';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';

declare global {
  interface Window {
    shellCalls: Array<[string, unknown]>;
    shellEmit(event: string, payload: unknown): void;
    labShell?: LabShellApi;
  }
}

/** The stand-in preload API: native dialogs answer as if the person picked /home/me/picked.tal. */
function fakeLabShell(): void {
  const listeners = new Map<string, Array<(payload: unknown) => void>>();
  window.shellCalls = [];
  window.shellEmit = (event, payload) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  const file = (name: string, source: string) => ({
    ok: true,
    value: { ok: true, file: { handle: '123e4567-e89b-42d3-a456-426614174000', name, source }, message: `saved /home/me/${name}` },
  });
  window.labShell = {
    on(event: string, listener: (payload: unknown) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return () => undefined;
    },
    async openNative(req: unknown) {
      window.shellCalls.push(['openNative', req]);
      return {
        ok: true,
        value: {
          ok: true,
          file: { handle: '123e4567-e89b-42d3-a456-426614174000', name: 'picked.tal', source: '; picked from disk\n.code\n' },
          message: 'opened /home/me/picked.tal',
        },
      };
    },
    async saveNative(req: { source: string }) {
      window.shellCalls.push(['saveNative', req]);
      return file('picked.tal', req.source);
    },
    async saveNativeAs(req: { source: string }) {
      window.shellCalls.push(['saveNativeAs', req]);
      return file('my program – v2.tal', req.source); // a name the person typed in the dialog
    },
    async renameNative(req: unknown) {
      window.shellCalls.push(['renameNative', req]);
      return { ok: true, value: { ok: false, cancelled: true, message: 'rename cancelled' } };
    },
  } as unknown as LabShellApi;
}

test('Electron shell, page side: native file dialogs, menu commands, and links opened from outside', async (t) => {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser('about:blank', 'lab-electron-shell');
  t.after(() => b.close());
  const { page } = b;
  page.on('dialog', (d) => void d.accept());
  await page.addInitScript(fakeLabShell);
  await page.goto(shell.url);
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  const calls = () => page.evaluate(() => window.shellCalls);

  // Native Open replaces the workspace picker; the menu's Open runs it too.
  assert.equal(await page.locator('#workspace-open').count(), 0);
  await page.evaluate(() => window.shellEmit('menuCommand', 'open'));
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'picked.tal');
  assert.match((await page.textContent('.cm-content')) ?? '', /picked from disk/);
  assert.equal(await page.textContent('#dirty-marker'), '');

  // Edit, then Save from the menu: written through the handle, never a path.
  await page.locator('.cm-line').first().click();
  await page.keyboard.press('End');
  await page.keyboard.type(' edited');
  await page.waitForFunction(() => document.getElementById('dirty-marker')?.textContent === '● unsaved');
  await page.evaluate(() => window.shellEmit('menuCommand', 'save'));
  await page.waitForFunction(() => document.getElementById('dirty-marker')?.textContent === '');
  const saved = (await calls()).find(([m]) => m === 'saveNative')!;
  assert.deepEqual(Object.keys(saved[1] as object).sort(), ['handle', 'source']);
  assert.match((saved[1] as { source: string }).source, /^; picked from disk edited\n/);
  // The share link the page keeps in its address passes main's link check as it is.
  // (The fragment follows the editor after a short debounce.)
  await page.waitForFunction(() => location.hash.startsWith('#tal=') && document.getElementById('dirty-marker')?.textContent === '');
  let made = parseLabLink(`tal-lab://open${await page.evaluate(() => location.hash)}`);
  for (let i = 0; i < 50 && made.ok && !made.program.source.includes('edited'); i++) {
    await page.waitForTimeout(100);
    made = parseLabLink(`tal-lab://open${await page.evaluate(() => location.hash)}`);
  }
  assert.ok(made.ok, made.ok ? '' : made.message);
  assert.equal(made.program.file, 'picked.tal');
  assert.match(made.program.source, /^; picked from disk edited\n\.code\n/);
  await page.click('#file-open');
  assert.equal((await calls()).filter(([m]) => m === 'openNative').length, 2, 'the Open… button asks main too');

  // A link main accepted opens in the editor (after the unsaved prompt) and nothing runs.
  const program = { v: 1, file: 'linked.tal', source: '; from a link\n.code\nmain:\n  ret\n', mode: 'user', args: 'a b', stdin: 'in\n', images: '' };
  const link = parseLabLink(`tal-lab://open#tal=${deflateRawSync(Buffer.from(JSON.stringify(program))).toString('base64url')}`);
  assert.ok(link.ok);
  await page.evaluate((fragment) => window.shellEmit('openLink', fragment), link.fragment);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('opened the shared linked.tal (user mode)'));
  assert.match((await page.textContent('.cm-content')) ?? '', /from a link/);
  assert.equal(await page.inputValue('#run-args'), 'a b');
  assert.equal(await page.getAttribute('.run-bar', 'data-mode'), 'user');
  assert.ok(await page.isDisabled('#run-stop'), 'opening a link started no run');

  // Rename on a file not saved through a dialog says what to do instead of asking main.
  await page.evaluate(() => window.shellEmit('menuCommand', 'rename'));
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('use Save As'));
  assert.equal((await calls()).filter(([m]) => m === 'renameNative').length, 0);

  // A file on disk may have any name ("my program – v2.tal"); the lab's requests and links take bare
  // names. The page labels such a file with a bare name (as it does dropped files), so the file still
  // checks and its link still opens (the raw name made every check a payload error).
  await page.evaluate(() => window.shellEmit('menuCommand', 'saveAs'));
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'my_program___v2.tal');
  await page.locator('.cm-line').first().click();
  await page.keyboard.type('; checked ');
  await page.waitForFunction(() => /^(✓ accepted|✗ \d+ errors?)$/.test(document.getElementById('check-state')?.textContent ?? ''));
  assert.doesNotMatch((await page.textContent('#status')) ?? '', /check failed/);
  await page.waitForFunction(() => location.hash.startsWith('#tal=') && document.getElementById('dirty-marker')?.textContent === '● unsaved');
  let named = parseLabLink(`tal-lab://open${await page.evaluate(() => location.hash)}`);
  for (let i = 0; i < 50 && named.ok && named.program.file !== 'my_program___v2.tal'; i++) {
    await page.waitForTimeout(100);
    named = parseLabLink(`tal-lab://open${await page.evaluate(() => location.hash)}`);
  }
  assert.ok(named.ok && named.program.file === 'my_program___v2.tal', named.ok ? named.program.file : named.message);
  await b.shot('electron-page-side');
  assert.deepEqual(b.errors, []);
});

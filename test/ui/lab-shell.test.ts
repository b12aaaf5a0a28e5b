// The web shell in a real browser, independent of the TAL toolchain and the
// guest: examples picker, editor highlighting, check-as-you-type, terminal
// tabs and the benchmarks view.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';

test('web shell: examples, editor, terminals and benchmarks in Chromium', async (t) => {
  const examplesDir = await mkdtemp(path.join(tmpdir(), 'tal-lab-examples-'));
  const benchResultsDir = await mkdtemp(path.join(tmpdir(), 'tal-lab-bench-'));
  await writeFile(path.join(examplesDir, 'alpha.tal'), '; Alpha: the first example\n.code\nmain:\n  mov eax, 0\n');
  await writeFile(path.join(examplesDir, 'beta.tal'), '; Beta: the second example\n.code\nmain:\n  mov eax, 1 ; beta body\n');
  const shell = await startWebShell({ paths: { ...resolveLabPaths(), examplesDir, benchResultsDir }, port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, 'lab-shell');
  t.after(() => b.close());
  const { page } = b;

  await page.waitForSelector('#examples option[value="beta"]', { state: 'attached' });
  const options = await page.locator('#examples option').allTextContents();
  assert.deepEqual(options, ['Examples…', 'alpha — Alpha: the first example', 'beta — Beta: the second example']);
  // No "hello" among these, so the first one opens.
  await page.waitForFunction(() => document.querySelector('.cm-content')?.textContent?.includes('mov eax, 0'));
  await b.shot('first-example-open');

  await page.selectOption('#examples', 'beta');
  await page.waitForFunction(() => document.querySelector('.cm-content')?.textContent?.includes('beta body'));
  assert.equal(await page.textContent('#file-name'), 'beta.tal');
  // Highlighting: the mnemonic and the register get different token classes.
  const mov = page.locator('.cm-line', { hasText: 'beta body' }).locator('span', { hasText: /^mov$/ });
  const eax = page.locator('.cm-line', { hasText: 'beta body' }).locator('span', { hasText: /^eax$/ });
  assert.notEqual(await mov.getAttribute('class'), await eax.getAttribute('class'));

  // Typing re-checks (debounced): the check state leaves "checking…".
  await page.click('.cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n  add eax, 2');
  await page.waitForFunction(() => document.querySelector('.cm-content')?.textContent?.includes('add eax, 2'));
  await page.waitForFunction(() => !['checking…', 'not checked'].includes(document.getElementById('check-state')!.textContent!));
  await b.shot('typed-and-checked');

  assert.equal(await page.locator('.terminals .tab').count(), 4);
  // Focus can leave a terminal: Escape, then Tab moves on instead of going to the guest.
  await page.click('.term-pane[data-port="0"]');
  assert.ok(await page.evaluate(() => document.activeElement?.closest('.term-pane') !== null));
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.activeElement?.closest('.term-pane') === null), 'Escape then Tab left the terminal');
  await page.click('.terminals .tab[data-port="2"]');
  assert.equal(await page.locator('.term-pane[data-port="2"]').isVisible(), true);
  assert.equal(await page.locator('.term-pane[data-port="0"]').isVisible(), false);

  await page.click('#tab-benchmarks');
  await page.waitForSelector('#bench-empty');
  assert.match((await page.textContent('#bench-empty')) ?? '', /npm run bench/);
  await b.shot('benchmarks-empty');
  await writeFile(path.join(benchResultsDir, 'find.json'), JSON.stringify({ name: 'find', metric: 'kernel-mode speedup', ours: 31.5, unit: '%' }));
  await page.click('#bench-refresh');
  await page.waitForSelector('#bench-points tr[data-bench="find"]', { state: 'attached' });
  const findText = await page.textContent('#bench-points tr[data-bench="find"]');
  assert.match(findText ?? '', /31\.5 %/);
  assert.match(findText ?? '', /14\.0 %/); // the paper's figure, filled in by main
  await b.shot('benchmarks-with-result');

  assert.deepEqual(b.errors, []);
});

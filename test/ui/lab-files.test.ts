// Workspace files in Chromium: New, Save (as), the unsaved marker, Open,
// Rename, a refused hostile name, and a dropped .tal file opening as a file of
// its own; the files land in the workspace folder on the host.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';

test('workspace files: new, save, unsaved marker, open, rename, hostile name, drop', async (t) => {
  const workspaceDir = path.join(await mkdtemp(path.join(tmpdir(), 'tal-lab-ui-ws-')), 'ws');
  const shell = await startWebShell({ paths: { ...resolveLabPaths(), workspaceDir }, port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, 'lab-files');
  t.after(() => b.close());
  const { page } = b;
  const answers: string[] = [];
  page.on('dialog', (d) => void (d.type() === 'prompt' ? d.accept(answers.shift() ?? '') : d.accept()));
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  const status = async (re: RegExp): Promise<void> => {
    await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status')?.textContent ?? ''), re.source);
  };

  await page.click('#file-new');
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'untitled.tal');
  await page.click('.cm-content');
  await page.keyboard.insertText('; mine\n.code\n');
  assert.equal(await page.textContent('#dirty-marker'), '● unsaved');
  answers.push('mine');
  await page.keyboard.press('Control+s'); // an unsaved-to-workspace file: Save asks for a name
  await status(/^saved mine\.tal \(\d+ bytes\) in /);
  assert.equal(await page.textContent('#file-name'), 'mine.tal');
  assert.equal(await page.textContent('#dirty-marker'), '');
  assert.equal(await readFile(path.join(workspaceDir, 'mine.tal'), 'utf8'), '; mine\n.code\n');

  // Edit, then rename and save: the file keeps its new name and text.
  await page.keyboard.insertText('; more\n');
  assert.equal(await page.textContent('#dirty-marker'), '● unsaved');
  answers.push('renamed');
  await page.click('#file-rename');
  await status(/^renamed mine\.tal to renamed\.tal$/);
  await page.click('#file-save');
  await status(/^saved renamed\.tal/);
  assert.deepEqual(await readdir(workspaceDir), ['renamed.tal']);

  // A hostile Save As name is refused in words, nothing is written outside.
  answers.push('../escape');
  await page.click('#file-save-as');
  await status(/^cannot save: "\.\.\/escape\.tal" is not a workspace file name/);
  assert.deepEqual(await readdir(workspaceDir), ['renamed.tal']);

  // Another program (an example), then Open brings the saved file back.
  await page.selectOption('#examples', 'hello');
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'hello.tal');
  await page.selectOption('#workspace-open', 'renamed.tal');
  await status(/^opened renamed\.tal$/);
  assert.match((await page.textContent('.cm-content')) ?? '', /; mine.code; more/);

  // The same file open in two tabs: the second tab saves first; the first tab's Save is refused in
  // words instead of silently overwriting the other's work (it used to overwrite), and Save As keeps it.
  const other = await b.context.newPage();
  other.on('dialog', (d) => void d.accept());
  await other.goto(shell.url);
  await other.waitForFunction(() => [...document.querySelectorAll('#workspace-open option')].some((o) => o.textContent === 'renamed.tal'));
  await other.selectOption('#workspace-open', 'renamed.tal');
  await other.waitForFunction(() => document.getElementById('status')?.textContent === 'opened renamed.tal');
  await other.click('.cm-content');
  await other.keyboard.press('Control+End');
  await other.keyboard.insertText('; from the other tab\n');
  await other.keyboard.press('Control+s');
  await other.waitForFunction(() => /^saved renamed\.tal/.test(document.getElementById('status')?.textContent ?? ''));
  const theirs = await readFile(path.join(workspaceDir, 'renamed.tal'), 'utf8');
  assert.match(theirs, /; from the other tab/);
  await other.close();
  await page.click('.cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('; from this tab\n');
  await page.keyboard.press('Control+s');
  await status(/^cannot save: renamed\.tal changed in the workspace since it was opened or saved here/);
  assert.equal(await readFile(path.join(workspaceDir, 'renamed.tal'), 'utf8'), theirs);
  assert.equal(await page.textContent('#dirty-marker'), '● unsaved');
  answers.push('mine-too');
  await page.click('#file-save-as');
  await status(/^saved mine-too\.tal/);
  assert.match(await readFile(path.join(workspaceDir, 'mine-too.tal'), 'utf8'), /; from this tab/);

  // Dropping a .tal file opens it under its name; it is not pasted into the current text.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['; dropped program\n.code\n'], 'dropped.tal', { type: 'text/plain' }));
    document.querySelector('.cm-content')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'dropped.tal');
  assert.equal(((await page.textContent('.cm-content')) ?? '').replace(/\s/g, ''), ';droppedprogram.code');
  await b.shot('files');
  assert.deepEqual(b.errors, []);
});

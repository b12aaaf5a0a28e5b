// The lab's TAL workflow in Chromium against the real checker: open an
// example, make it unsafe and see the diagnostic inline and in the problems
// list, hover an instruction and see the type state before it, and try to run
// the unsafe program (main refuses before anything reaches the guest), and
// follow the disassembly back to the source.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';

test('lab: check as you type, diagnostics, type-state inspector, rejected run', async (t) => {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, 'lab-tal');
  t.after(() => b.close());
  const { page } = b;

  // hello.tal opens first and the checker accepts it.
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'hello.tal');
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  assert.match((await page.textContent('#problems')) ?? '', /No problems/);
  await b.shot('hello-accepted');

  // Make it unsafe: write 15 bytes from a 14-byte array.
  const lenLine = page.locator('.cm-line', { hasText: 'mov edx, 14' });
  await lenLine.locator('span', { hasText: /^14$/ }).dblclick();
  await page.keyboard.type('15');
  const problem = page.locator('.problem[data-code="E_SYSCALL_LEN"]');
  await problem.waitFor();
  assert.equal(await problem.getAttribute('data-line'), '19');
  assert.match((await problem.textContent()) ?? '', /not proven ≤ the length of the buffer/);
  assert.equal(await page.textContent('#check-state'), '✗ 1 error');
  await page.locator('.cm-lintRange-error').first().waitFor();
  await b.shot('unsafe-diagnostic');

  // Hover the rejected call: the inspector shows the state before it, with EDX now S(15).
  await page.locator('.cm-line', { hasText: 'call write' }).hover();
  await page.waitForSelector('#pane-type-state .ts-head[data-line="19"]');
  const regs = await page.locator('#pane-type-state .ts-regs tr').allTextContents();
  assert.deepEqual(regs, ['ebxS(1)', 'ecxbytes(14)', 'edxS(15)']);
  assert.match((await page.textContent('#pane-type-state .ts-stack')) ?? '', /tail: s/);
  await b.shot('inspector-hover-call');

  // Hovering the line that changed EDX marks what the previous instruction changed.
  await page.locator('.cm-line', { hasText: 'mov edx, 15' }).hover();
  await page.waitForSelector('#pane-type-state .ts-head[data-line="18"]');
  assert.deepEqual(await page.locator('#pane-type-state .ts-regs tr.changed th').allTextContents(), ['ecx']);

  // Running it is refused by main's checker; nothing is sent to the guest.
  await page.click('#run-kernel');
  await page.waitForFunction(() => document.getElementById('status')?.dataset['run'] === 'rejected');
  assert.match((await page.textContent('#status')) ?? '', /checker rejected hello\.tal \(1 error\); nothing was sent to the guest/);
  await b.shot('run-rejected');

  // Undo: accepted again.
  await page.click('.cm-content');
  await page.keyboard.press('Control+z');
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');

  // Disassembly: the built image, rows linked to source lines both ways.
  await page.click('#tab-disassembly');
  await page.waitForSelector('#pane-disassembly .dis-row[data-line="19"]');
  const callRow = page.locator('#pane-disassembly .dis-row[data-line="19"]');
  assert.match((await callRow.textContent()) ?? '', /call.*write/);
  assert.ok((await page.locator('#pane-disassembly .dis-runtime').count()) > 0, 'the trusted prologue is listed as runtime');
  await page.locator('.cm-line', { hasText: 'mov ecx, msg' }).hover();
  await page.waitForSelector('#pane-disassembly .dis-row.linked[data-line="17"]');
  await b.shot('disassembly-linked');
  await callRow.click();
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent?.includes('call write'));
  await page.click('#tab-type-state');

  // Another example through the picker.
  await page.selectOption('#examples', 'arraysum');
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'arraysum.tal');
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  await page.locator('.cm-line', { hasText: 'mov [esi + edi*4], edi' }).hover();
  await page.waitForSelector('#pane-type-state .ts-regs');
  assert.match((await page.textContent('#pane-type-state .ts-regs')) ?? '', /edi/);
  await b.shot('arraysum-inspector');

  assert.deepEqual(b.errors, []);
});

// Restoring a snapshot while a program runs, with the real guest in Chromium:
// the run in flight is cancelled and says why, the guest is the snapshot's
// (a file written after it is gone back to its old text), and the next Run
// works.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { SPIN, openLabWithGuest } from './lab-with-guest.js';

/** Types a command in the ttyS0 shell and waits for `expect` in its output. */
async function shell(page: Page, command: string, expect: string): Promise<void> {
  await page.click('.terminals .tab[data-port="0"]');
  await page.click('.term-pane[data-port="0"]');
  await page.keyboard.type(`${command}\n`);
  await page.waitForFunction((e) => document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent?.includes(e), expect, { timeout: 30_000 });
}

test('restoring a snapshot during a run: the run is cancelled with a reason, the guest is the snapshot’s, the next Run works', async (t) => {
  const b = await openLabWithGuest(t, 'lab-snapshot-run');
  const { page } = b;
  page.on('dialog', (d) => void d.accept());
  const status = async (re: RegExp, timeout = 60_000): Promise<void> => {
    await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status')?.textContent ?? ''), re.source, { timeout });
  };

  await shell(page, 'echo before > /tmp/snap-mark; echo mark-$((1+1))', 'mark-2');
  await page.click('#vm-snap-save');
  await status(/^snapshot saved: /);
  await shell(page, 'echo after > /tmp/snap-mark; echo state-$(cat /tmp/snap-mark)', 'state-after');

  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(SPIN);
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  const file = (await page.textContent('#file-name')) ?? '';
  await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
  await page.click('#run-kernel');
  await status(/^running .* in kernel mode/);
  await page.waitForFunction(() => !(document.getElementById('run-stop') as HTMLButtonElement).disabled);
  await new Promise((r) => setTimeout(r, 2000)); // let it spin in ring 0

  await page.click('#vm-snap-restore');
  await page.waitForFunction(() => document.getElementById('status')?.dataset['run'] === 'cancelled', undefined, { timeout: 60_000 });
  await status(/^restored the snapshot in \d+ ms; the run of .* in flight was cancelled$/);
  assert.ok((await page.textContent('#status'))?.includes(`the run of ${file} in flight was cancelled`));
  assert.equal(await page.isDisabled('#run-stop'), true, 'nothing runs any more');
  assert.equal(await page.isDisabled('#run-kernel'), false, 'Run is offered again');
  await page.waitForFunction(() =>
    document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent?.includes('was cancelled: the snapshot was restored'),
  );
  await b.shot('restored-during-run');

  // The guest is the snapshot's: the file written after it has its old text again.
  await shell(page, 'echo state-$(cat /tmp/snap-mark)-$((40+2))', 'state-before-42');

  // The next Run works.
  await page.selectOption('#examples', 'hello');
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
  await page.click('#run-kernel');
  await page.waitForFunction(() => (document.getElementById('status')?.dataset['run'] ?? '') !== '', undefined, { timeout: 90_000 });
  assert.equal(await page.getAttribute('#status', 'data-run'), 'exited', (await page.textContent('#status')) ?? '');
  await page.waitForFunction(() => document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent?.includes('Hello, world!'));
  assert.deepEqual(b.errors, []);
});

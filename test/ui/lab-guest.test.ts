// The lab with the real guest in Chromium: the guest boots (or resumes its
// snapshot), the ttyS0 terminal is a live console, and — when the guest kernel
// has TAL support — programs run in kernel mode and in user mode with their
// syscalls counted by path and drawn as transitions.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOOT_TIMEOUT_MS, openLabWithGuest } from './lab-with-guest.js';

test('lab with the guest: console terminal, runs in kernel and user mode, transitions', async (t) => {
  const b = await openLabWithGuest(t, 'lab-guest');
  const { page } = b;
  await b.shot('guest-running');

  await t.test('ttyS0 is a live console', async () => {
    await page.click('.term-pane[data-port="0"]');
    await page.keyboard.type('echo lab-$((6*7))\n');
    await page.waitForFunction(() => document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent?.includes('lab-42'), undefined, {
      timeout: 20_000,
    });
    await b.shot('console-echo');
  });

  await t.test('snapshot and restore from the header', async () => {
    await page.click('#vm-snap-save');
    await page.waitForFunction(() => /snapshot saved: [\d.]+ MiB/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await page.click('.term-pane[data-port="0"]');
    await page.keyboard.type('touch /tmp/after-snapshot; ls /tmp\n');
    await page.waitForFunction(() => document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent?.includes('after-snapshot'), undefined, {
      timeout: 20_000,
    });
    await page.click('#vm-snap-restore');
    await page.waitForFunction(() => /restored the snapshot in \d+ ms/.test(document.getElementById('status')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    // The file made after the snapshot is gone in the restored guest, and the console still answers.
    await page.click('.term-pane[data-port="0"]');
    await page.keyboard.type('clear; test -e /tmp/after-snapshot && echo file-$((1+1))-present || echo file-$((2+2))-absent\n');
    await page.waitForFunction(
      () => /file-[24]-(present|absent)/.test(document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent ?? ''),
      undefined,
      { timeout: 20_000 },
    );
    assert.match((await page.textContent('.term-pane[data-port="0"] .xterm-rows')) ?? '', /file-4-absent/);
    await b.shot('restored');
  });

  await t.test('kernel mode, then user mode: direct calls, then traps', async () => {
    const state = (await page.textContent('#vm-state')) ?? '';
    assert.doesNotMatch(state, /programs cannot run/, 'the committed guest kernel runs TAL programs');
    await page.selectOption('#examples', 'getpid_loop');
    await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
    await page.fill('#run-args', '20000');
    await page.click('#run-kernel');
    await page.waitForFunction(
      () => ['exited', 'refused', 'failed', 'unavailable'].includes(document.getElementById('status')?.dataset['run'] ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    assert.equal(await page.getAttribute('#status', 'data-run'), 'exited', (await page.textContent('#status')) ?? '');
    await page.waitForFunction(() => Number(document.getElementById('count-direct')?.textContent?.replace(/,/g, '')) >= 20_000);
    // The swimlane shows the program's own calls: getpid as direct calls, repeated.
    assert.match((await page.getAttribute('#swimlane', 'aria-label')) ?? '', /getpid direct ×[\d,]{4,}/);
    await page.waitForSelector('#rate-chart .uplot');
    await page.waitForSelector('#cost-chart .uplot');
    await b.shot('kernel-run');
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.click('#run-user');
    await page.waitForFunction(() => document.getElementById('status')?.dataset['run'] === 'exited', undefined, { timeout: 60_000 });
    await page.waitForFunction(() => Number(document.getElementById('count-trap')?.textContent?.replace(/,/g, '')) >= 20_000);
    assert.match((await page.getAttribute('#swimlane', 'aria-label')) ?? '', /getpid trap ×[\d,]{4,}/);
    const compare = (await page.textContent('#run-compare')) ?? '';
    assert.match(compare, /user mode — getpid_loop\.tal/);
    assert.match(compare, /kernel mode — getpid_loop\.tal/);
    await b.shot('user-run-compare');
    // The same view in the dark theme (README screenshots show both).
    await page.click('#theme-toggle');
    await page.waitForFunction(() => document.documentElement.dataset['theme'] === 'dark');
    await b.shot('user-run-compare-dark');
    await page.click('#theme-toggle');
  });

  await t.test('restart boots a fresh guest that runs programs again', async () => {
    // Record every state the header shows: booting can be brief when the snapshot resumes.
    await page.evaluate(() => {
      const el = document.getElementById('vm-state')!;
      const seen: string[] = [];
      (window as unknown as { vmStates: string[] }).vmStates = seen;
      new MutationObserver(() => seen.push(el.dataset['state'] ?? '')).observe(el, { attributes: true, childList: true, characterData: true, subtree: true });
    });
    await page.click('#vm-restart');
    await page.waitForFunction(
      () => {
        const seen = (window as unknown as { vmStates: string[] }).vmStates;
        return seen.includes('booting') && seen.at(-1) === 'running';
      },
      undefined,
      { timeout: BOOT_TIMEOUT_MS },
    );
    await page.selectOption('#examples', 'hello');
    await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.click('#run-kernel');
    await page.waitForFunction(() => document.getElementById('status')?.dataset['run'] === 'exited', undefined, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent?.includes('Hello, world!'));
    await b.shot('restarted-hello');
  });

  assert.deepEqual(b.errors, []);
});

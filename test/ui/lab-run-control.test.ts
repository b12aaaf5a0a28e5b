// Run control with the real guest in Chromium: Stop ends a runaway ring-0
// program quickly and leaves the guest and its files as they were; standard
// input reaches the program in both modes; shell-quoted arguments and the
// stated limits; one run's numbers agree everywhere however many calls it
// makes; and a guest that powers itself off is reported at once, with Run
// failing immediately and pointing at Restart.

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { SPIN, openLabWithGuest } from './lab-with-guest.js';

test('run control, stdin, arguments, honest numbers and a dead guest', async (t) => {
  const b = await openLabWithGuest(t, 'lab-run-control');
  const { page } = b;
  page.on('dialog', (d) => void d.accept()); // leaving the typed program for an example asks first
  assert.doesNotMatch((await page.textContent('#vm-state')) ?? '', /programs cannot run/, 'the committed guest kernel runs TAL programs');

  const setSource = async (source: string): Promise<void> => {
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(source);
    await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  };
  const runAndWait = async (button: string): Promise<string> => {
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.click(button);
    await page.waitForFunction(() => (document.getElementById('status')?.dataset['run'] ?? '') !== '', undefined, { timeout: 90_000 });
    return (await page.getAttribute('#status', 'data-run')) ?? '';
  };

  await t.test('Stop ends a spinning ring-0 program; the guest and its files are as they were', async () => {
    await page.click('.term-pane[data-port="0"]');
    await page.keyboard.type('echo kept > /tmp/before-stop\n');
    await setSource(SPIN);
    assert.equal(await page.isDisabled('#run-stop'), true, 'Stop is disabled while nothing runs');
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.click('#run-kernel');
    await page.waitForFunction(() => /running .* in kernel mode/.test(document.getElementById('status')?.textContent ?? ''));
    await new Promise((r) => setTimeout(r, 3000)); // let it spin
    const stop = page.getByRole('button', { name: 'Stop' });
    const t0 = performance.now();
    await stop.click();
    await page.waitForFunction(() => document.getElementById('status')?.dataset['run'] === 'stopped', undefined, { timeout: 30_000 });
    const ms = performance.now() - t0;
    t.diagnostic(`Stop to the run's reply: ${ms.toFixed(0)} ms`);
    assert.match(
      (await page.textContent('#status')) ?? '',
      /was stopped in kernel mode \(ring 0\) \(exit status 13[07]: SIG(INT|KILL)\); the guest and its files are as they were/,
    );
    await page.click('.term-pane[data-port="0"]');
    await page.keyboard.type('cat /tmp/before-stop; echo files-$((20+1))\n');
    await page.waitForFunction(() => /kept[^]*files-21/.test(document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent ?? ''), undefined, {
      timeout: 20_000,
    });
    await b.shot('stopped');
  });

  await t.test('standard input reaches the program in both modes', async () => {
    await page.selectOption('#examples', 'cat');
    await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
    await page.getByLabel('standard input').fill('stdin-kernel-line\n');
    assert.equal(await runAndWait('#run-kernel'), 'exited');
    await page.waitForFunction(() => document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent?.includes('stdin-kernel-line'));
    await page.getByLabel('standard input').fill('stdin-user-line\n');
    assert.equal(await runAndWait('#run-user'), 'exited');
    await page.waitForFunction(() => document.querySelector('.term-pane[data-port="0"] .xterm-rows')?.textContent?.includes('stdin-user-line'));
    await page.getByLabel('standard input').fill('');
  });

  await t.test('arguments: an unclosed quote and too many arguments are refused in words, before anything runs', async () => {
    await page.fill('#run-args', `'two words`);
    assert.equal(await runAndWait('#run-kernel'), 'invalid');
    assert.match((await page.textContent('#status')) ?? '', /arguments: a single quote at character 1 is not closed/);
    await page.fill('#run-args', Array.from({ length: 70 }, (_, i) => `a${i}`).join(' '));
    assert.equal(await runAndWait('#run-kernel'), 'invalid');
    assert.match((await page.textContent('#status')) ?? '', /arguments: at most 64 \(there are 70\)/);
    assert.match((await page.textContent('#run-limits')) ?? '', /up to 64 arguments/);
  });

  await t.test('100,000 calls: counters, lane and side by side agree exactly, in both modes', async () => {
    await page.selectOption('#examples', 'getpid_loop');
    await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
    await page.click('#tab-transitions');
    await page.click('#telemetry-reset');
    await page.fill('#run-args', `'100000'`);
    assert.equal(await runAndWait('#run-kernel'), 'exited');
    // 100,001 getpid (the loop and the one it prints), one write, and exit_group: all direct calls of the program.
    await page.waitForFunction(() => document.getElementById('count-direct')?.textContent === '100,003');
    const laneSum = async (): Promise<number> =>
      [...((await page.getAttribute('#swimlane', 'aria-label')) ?? '').matchAll(/×([\d,]+)/g)].reduce((a, m) => a + Number(m[1]!.replace(/,/g, '')), 0);
    assert.equal(await laneSum(), 100_003);
    assert.match((await page.textContent('#run-compare')) ?? '', /trapped: 0, direct: 100,003/);
    // Ctrl+Enter runs again in the last mode (kernel); then user mode by its button.
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.click('.cm-content');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(() => document.getElementById('status')?.dataset['run'] === 'exited', undefined, { timeout: 90_000 });
    await page.waitForFunction(() => document.getElementById('count-direct')?.textContent === '200,006');
    assert.equal(await runAndWait('#run-user'), 'exited');
    // In user mode exit_group does not return and is not recorded: the getpids and the write.
    await page.waitForFunction(() => document.getElementById('count-trap')?.textContent === '100,002');
    assert.equal(await laneSum(), 100_002);
    const compare = (await page.textContent('#run-compare')) ?? '';
    assert.match(compare, /trapped: 100,002, direct: 0/);
    assert.match(compare, /getpid: [\d,]+ ns direct vs [\d,]+ ns trapped/);
    assert.doesNotMatch((await page.textContent('#pane-transitions')) ?? '', /syscall \d+|#\d+/);
    await b.shot('honest-numbers');
  });

  await t.test('a guest that powers itself off is reported at once; Run fails at once and points at Restart', async () => {
    await page.click('.term-pane[data-port="0"]');
    await page.keyboard.type('poweroff -f\n');
    await page.waitForFunction(() => document.getElementById('vm-state')?.dataset['state'] === 'failed', undefined, { timeout: 20_000 });
    assert.match((await page.textContent('#vm-state')) ?? '', /stopped executing instructions[^]*Restart/);
    const t0 = performance.now();
    assert.equal(await runAndWait('#run-kernel'), 'unavailable');
    t.diagnostic(`Run on a dead guest answered in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(await page.getAttribute('#status', 'data-restart'), 'true');
    assert.match((await page.textContent('#status')) ?? '', /Press Restart/);
    await b.shot('dead-guest');
  });

  assert.deepEqual(b.errors, []);
});

// The runner terminal (ttyS3) with the real guest in Chromium shows what a
// person expects of a terminal: one line from the lab saying what ran, the
// program's own output (and, with stdin from the terminal, the typing echoed),
// and one line from the lab saying how it ended — never the runner's shell
// commands or its per-run markers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SPIN, openLabWithGuest } from './lab-with-guest.js';

/** What the runner types and prints on ttyS3 for itself: none of it may reach the page. */
const RUNNER_INTERNALS = [/__tal_/, /\/mnt\/host\/run-/, /talexec/, /read -r _tal_go/];

/** The terminal's lines as a person reads them: trailing blanks cut, empty rows left out. */
function nonEmptyLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
}

test('runner terminal: the program, a header and a footer, no runner internals', async (t) => {
  const b = await openLabWithGuest(t, 'lab-runner-terminal');
  const { page } = b;
  page.on('dialog', (d) => void d.accept());
  assert.doesNotMatch((await page.textContent('#vm-state')) ?? '', /programs cannot run/, 'the committed guest kernel runs TAL programs');

  // The runner terminal's rows on screen, one line each (the runs here print a few lines; the tab is shown).
  await page.evaluate(() => {
    (window as unknown as { runnerRows(): string }).runnerRows = () =>
      [...document.querySelectorAll('.term-pane[data-port="3"] .xterm-rows > div')].map((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
  });
  const runnerText = (): Promise<string> => page.evaluate(() => (window as unknown as { runnerRows(): string }).runnerRows());
  const waitRun = async (): Promise<string> => {
    await page.waitForFunction(() => ['exited', 'stopped', 'failed', 'refused'].includes(document.getElementById('status')?.dataset['run'] ?? ''), undefined, {
      timeout: 90_000,
    });
    return (await page.getAttribute('#status', 'data-run')) ?? '';
  };
  const assertClean = (text: string): void => {
    for (const re of RUNNER_INTERNALS) assert.doesNotMatch(text, re, `the runner terminal shows the runner's own ${re}:\n${text}`);
  };

  await t.test('hello.tal with arguments in kernel mode', async () => {
    await page.selectOption('#examples', 'hello');
    await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
    await page.fill('#run-args', `arg1 'arg two'`);
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.click('#run-kernel');
    assert.equal(await waitRun(), 'exited', (await page.textContent('#status')) ?? '');
    await page.click('.tab[data-port="3"]');
    await page.waitForFunction(() => /exited with status 0/.test((window as unknown as { runnerRows(): string }).runnerRows()), undefined, { timeout: 10_000 });
    const text = await runnerText();
    t.diagnostic(text.trim());
    assertClean(text);
    const lines = nonEmptyLines(text);
    const header = lines.indexOf(`$ hello.tal arg1 'arg two'  (kernel mode)`);
    assert.ok(header >= 0, `the header line is there:\n${text}`);
    assert.deepEqual(
      lines.slice(header + 1),
      ['Hello, world!', '[exited with status 0]'],
      'the program output between the header and the footer, nothing else',
    );
    await b.shot('runner-hello');
  });

  await t.test('cat.tal reading the terminal in user mode: the typing is echoed, the program answers', async () => {
    await page.selectOption('#examples', 'cat');
    await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
    await page.fill('#run-args', '');
    await page.check('#run-stdin-terminal');
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.click('#run-user');
    await page.waitForFunction(() =>
      /\$ cat\.tal {2}\(user mode, input from this terminal\)/.test((window as unknown as { runnerRows(): string }).runnerRows()),
    );
    // Typed before the program reads: the tty holds it for the program (what a terminal does).
    await page.click('.term-pane[data-port="3"]');
    await page.keyboard.type('typed-line-42\n');
    await page.waitForFunction(() => ((window as unknown as { runnerRows(): string }).runnerRows().match(/typed-line-42/g) ?? []).length >= 2, undefined, {
      timeout: 30_000,
    });
    await page.keyboard.press('Control+D');
    assert.equal(await waitRun(), 'exited', (await page.textContent('#status')) ?? '');
    await page.waitForFunction(() => /\[exited with status 0\]\s*$/.test((window as unknown as { runnerRows(): string }).runnerRows()));
    const text = await runnerText();
    t.diagnostic(text.trim());
    assertClean(text);
    const lines = nonEmptyLines(text);
    const header = lines.indexOf('$ cat.tal  (user mode, input from this terminal)');
    assert.ok(header >= 0, `the header line is there:\n${text}`);
    // The echo of the typing, then cat's copy of it, then the footer.
    assert.deepEqual(lines.slice(header + 1), ['typed-line-42', 'typed-line-42', '[exited with status 0]']);
    await page.uncheck('#run-stdin-terminal');
    await b.shot('runner-cat');
  });

  await t.test('Stop: the console echoes ^C, the lab says the run was stopped, the shell prompt is not shown', async () => {
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(SPIN);
    await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.click('#run-kernel');
    await page.waitForFunction(() => !(document.getElementById('run-stop') as HTMLButtonElement).disabled);
    await new Promise((r) => setTimeout(r, 2000)); // let it spin in ring 0
    await page.click('#run-stop');
    assert.equal(await waitRun(), 'stopped', (await page.textContent('#status')) ?? '');
    await page.click('.tab[data-port="3"]');
    await page.waitForFunction(() => /\[stopped: exit status 13[07]\]/.test((window as unknown as { runnerRows(): string }).runnerRows()));
    const text = await runnerText();
    t.diagnostic(text.trim());
    assertClean(text);
    const lines = nonEmptyLines(text);
    const header = lines.map((l) => /^\$ \S+\.tal {2}\(kernel mode\)$/.test(l)).lastIndexOf(true);
    assert.ok(header >= 0, `the header line is there:\n${text}`);
    for (const line of lines.slice(header + 1, -1)) assert.match(line, /^\^C$/, `only the console's echo of Ctrl-C before the footer:\n${text}`);
    assert.match(lines.at(-1)!, /^\[stopped: exit status 13[07]\]$/);
  });
});

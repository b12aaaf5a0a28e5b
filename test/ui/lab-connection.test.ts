// A dropped connection in the web shell: the page says so, reconnects by
// itself and says that too, and requests work again afterwards.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';

/** The lab in a fresh web shell, its first check done, every status line it shows recorded in `window.statuses`. */
async function openLab(t: TestContext, name: string) {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, name);
  t.after(() => b.close());
  const { page } = b;
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { statuses: string[] }).statuses = seen;
    const el = document.getElementById('status')!;
    new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
  });
  return { shell, b, page };
}

test('after a dropped connection the page reconnects, says so, and checks again', async (t) => {
  const { shell, b, page } = await openLab(t, 'lab-connection');
  shell.socket.dropClients();
  await page.waitForFunction(() => (window as unknown as { statuses: string[] }).statuses.includes('reconnected to the lab'), undefined, { timeout: 20_000 });
  const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  assert.ok(statuses.includes('lost the connection to the lab; reconnecting…'), statuses.join(' | '));
  assert.equal(await page.getAttribute('body', 'data-connection'), 'connected');
  // The reconnected page checks again: an edit is checked and rejected.
  await page.locator('.cm-line', { hasText: 'mov edx, 14' }).click();
  await page.keyboard.press('Home');
  await page.keyboard.type('bogus ');
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent?.startsWith('✗'));
  assert.deepEqual(
    b.errors.filter((e) => !/WebSocket/.test(e)),
    [],
  );
});

test('a request too large for one frame is refused in the page, and the connection stays', async (t) => {
  const { shell, b, page } = await openLab(t, 'lab-connection-oversized');
  // A 6 MiB paste: its check request is larger than a frame. It used to be sent, the server closed
  // the connection (1009), the page reconnected and checked again: a reconnect loop, never a reason.
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.evaluate(
    (text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.querySelector('.cm-content')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    },
    `; ${'x'.repeat(97)}\n`.repeat(62_000),
  );
  await page.waitForFunction(
    () => /^check failed: this request is [\d.]+ MiB; the lab takes at most [\d.]+ MiB/.test(document.getElementById('status')?.textContent ?? ''),
    undefined,
    {
      timeout: 120_000, // a hang detector only
    },
  );
  assert.equal(await page.textContent('#check-state'), 'not checked');
  assert.equal(shell.socket.clientCount(), 1);
  const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  assert.ok(!statuses.some((s) => /lost the connection|reconnected/.test(s)), statuses.join(' | '));
  assert.equal(await page.getAttribute('body', 'data-connection'), 'connected');
  assert.deepEqual(b.errors, []);
});

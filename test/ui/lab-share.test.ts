// Share links and the session in Chromium: the URL fragment always holds the
// program, mode, arguments and input; "Copy link" copies it; a fresh tab
// opened on it shows exactly that; and a reload without a link returns to the
// last session.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';

const SHARED = { v: 1, file: 'x.tal', source: '.code\n', mode: 'kernel', args: '', stdin: '', images: '' };

/** A `#tal=` fragment holding `value` as a share link does (the renderer's encodeShared). */
function linkOf(value: unknown): string {
  return `#tal=${deflateRawSync(Buffer.from(JSON.stringify(value))).toString('base64url')}`;
}

/** A share link whose program is `mib` MiB of one letter: deflate packs it about a thousand to one. */
async function deflatedBomb(mib: number): Promise<string> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  deflate.write('{"v":1,"file":"bomb.tal","mode":"kernel","args":"","stdin":"","images":"","source":"');
  const block = Buffer.alloc(1 << 20, 0x41);
  for (let i = 0; i < mib; i++) if (!deflate.write(block)) await new Promise((resolve) => deflate.once('drain', resolve));
  deflate.end('"}');
  await ended;
  return `#tal=${Buffer.concat(chunks).toString('base64url')}`;
}

test('share links restore program, mode, arguments and input; a reload restores the session', async (t) => {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, 'lab-share');
  t.after(() => b.close());
  const { page, context } = b;
  page.on('dialog', (d) => void d.accept()); // leaving with unsaved text asks first
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(shell.url).origin });
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');

  await page.selectOption('#examples', 'cat');
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'cat.tal');
  await page.locator('.cm-line').first().click();
  await page.keyboard.press('Home');
  await page.keyboard.type('; shared édition ✓\n');
  await page.fill('#run-args', `'two words' "it's" x\\ y`);
  await page.getByLabel('standard input').fill('line one\nline two\n');
  await page.click('#run-user'); // no guest here: the run is refused, but user mode is now the mode
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('not running'));
  await page.click('#copy-link');
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('link copied'));
  const href = page.url();
  assert.match(href, /#tal=[A-Za-z0-9_-]+$/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), href);
  const source = await page.evaluate(() => document.querySelector('.cm-content')!.textContent);

  // A fresh tab (another profile's storage is not needed: the link alone carries everything).
  const fresh = await context.newPage();
  await fresh.goto(href);
  await fresh.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('opened the shared cat.tal (user mode)'));
  assert.equal(await fresh.evaluate(() => document.querySelector('.cm-content')!.textContent), source);
  assert.equal(await fresh.inputValue('#run-args'), `'two words' "it's" x\\ y`);
  assert.equal(await fresh.getByLabel('standard input').inputValue(), 'line one\nline two\n');
  assert.equal(await fresh.textContent('#file-name'), 'cat.tal');
  assert.equal(await fresh.getAttribute('.run-bar', 'data-mode'), 'user');
  await fresh.close();

  // A damaged link says so in words.
  const broken = await context.newPage();
  await broken.goto(`${shell.url}#tal=AAAA`);
  await broken.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('cannot open the shared link: the link is damaged'));
  // Links are anyone's text: one naming a path, or a mode that is not a run button, is refused, not bent into shape.
  for (const [fields, why] of [
    [{ file: '../../etc/passwd.tal' }, 'the file name in the link is not a bare name'],
    [{ mode: 'ring0' }, 'the mode in the link is neither'],
    [{ run: true }, 'this is not a share link: it holds "run"'],
  ] as const) {
    const refused = await context.newPage();
    await refused.goto(`${shell.url}${linkOf({ ...SHARED, ...fields })}`);
    await refused.waitForFunction((w) => document.getElementById('status')?.textContent?.startsWith(`cannot open the shared link: ${w}`), why);
    assert.notEqual(await refused.textContent('#file-name'), SHARED.file);
    await refused.close();
  }
  await broken.close();

  // A zip bomb: half a MiB of link that inflates to 384 MiB took the tab down (renderer crash after
  // about a minute). It is refused once the inflated text passes the bound, and the tab stays usable.
  const bomb = await deflatedBomb(384);
  assert.ok(bomb.length < 600_000, `the bomb is a short link (${bomb.length} chars)`);
  const bombed = await context.newPage();
  let crashed = false;
  bombed.on('crash', () => {
    crashed = true;
  });
  await bombed.goto(`${shell.url}${bomb}`);
  await bombed.waitForFunction(
    () => document.getElementById('status')?.textContent?.startsWith('cannot open the shared link: the link unpacks to more than'),
    null,
    {
      timeout: 120_000, // a hang detector only
    },
  );
  assert.equal(crashed, false);
  assert.notEqual(await bombed.textContent('#file-name'), 'bomb.tal');
  assert.equal(await bombed.evaluate(() => 1 + 1), 2);
  await bombed.close();

  // Without a link, a reload returns to the last session: the edited text, arguments and input.
  await page.goto(shell.url);
  await page.waitForFunction(() => document.getElementById('file-name')?.textContent === 'cat.tal');
  assert.equal(await page.evaluate(() => document.querySelector('.cm-content')!.textContent), source);
  assert.equal(await page.getByLabel('standard input').inputValue(), 'line one\nline two\n');
  await b.shot('restored-session');

  // A link pasted into the address bar of a lab tab already open changes only the fragment: no reload.
  // It used to do nothing (the tab kept showing, and later re-encoding, its own program); it opens,
  // asking first about unsaved work (dialogs are accepted here).
  await page.locator('.cm-line').first().click();
  await page.keyboard.type('; unsaved\n');
  await page.goto(`${shell.url}${linkOf({ ...SHARED, file: 'pasted.tal', source: '; pasted\n.code\n', mode: 'user' })}`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('opened the shared pasted.tal (user mode)'));
  assert.equal(await page.evaluate(() => document.querySelector('.cm-content')!.textContent), '; pasted.code');
  assert.deepEqual(b.errors, []);
});

// The workspace folder, attacked through its API: names with "..", separators,
// absolute paths, NUL, hidden or non-.tal names are refused in words; a
// symlink planted in the folder (to a file or a folder outside) is neither
// read nor written through; overwrite and rename never clobber by surprise,
// and racing saves and renames lose nothing.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, symlink, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createLab } from '../../main/app/create-lab.js';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { textVersion, Workspace } from '../../main/app/workspace.js';
import type { WorkspaceListing, WorkspaceReply } from '../../preload/contract.js';

async function setup() {
  const base = await mkdtemp(path.join(tmpdir(), 'tal-lab-ws-'));
  const dir = path.join(base, 'workspace');
  const outside = path.join(base, 'outside');
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.tal'), 'secret');
  return { dir, outside, ws: new Workspace(dir) };
}

const rejects = async (p: Promise<unknown>, code: string, message: RegExp): Promise<void> => {
  await assert.rejects(p, (e: Error & { code?: string }) => e.code === code && message.test(e.message));
};

test('save, list, open, save-as refuses to clobber, rename', async () => {
  const { ws } = await setup();
  await ws.write('a.tal', '; a\n', false);
  await rejects(ws.write('a.tal', 'x', false), 'EXISTS', /a\.tal already exists/);
  await ws.write('a.tal', '; a2\n', true);
  assert.equal(await ws.read('a.tal'), '; a2\n');
  await ws.write('b.tal', '; b\n', false);
  await rejects(ws.rename('a.tal', 'b.tal'), 'EXISTS', /b\.tal already exists/);
  await ws.rename('a.tal', 'c.tal');
  assert.deepEqual(
    (await ws.list()).map((f) => f.name),
    ['b.tal', 'c.tal'],
  );
  await rejects(ws.read('a.tal'), 'NOT_FOUND', /a\.tal does not exist in the workspace/);
});

test('hostile names: .., separators, absolute paths, NUL, hidden and non-.tal names', async () => {
  const { ws, outside } = await setup();
  const hostile = [
    '../outside/secret.tal',
    '..',
    '../x.tal',
    'sub/x.tal',
    'sub\\x.tal',
    `${outside}/secret.tal`,
    '/etc/passwd',
    'x\0.tal',
    '.hidden.tal',
    'x.tal/',
    'x.txt',
    '',
    'x.tal\n',
    'con:.tal',
    ' x.tal',
  ];
  for (const name of hostile) {
    await rejects(ws.read(name), 'BAD_NAME', /is not a workspace file name/);
    await rejects(ws.write(name, 'pwned', true), 'BAD_NAME', /is not a workspace file name/);
    await rejects(ws.rename('x.tal', name), 'BAD_NAME', /is not a workspace file name/);
  }
  assert.equal(await readFile(path.join(outside, 'secret.tal'), 'utf8'), 'secret');
});

test('names Windows reserves for devices are refused on every system (on Windows, saving CON.tal writes to the console and keeps nothing)', async () => {
  const { ws } = await setup();
  for (const name of ['CON.tal', 'con.tal', 'nul.tal', 'Aux.tal', 'prn.tal', 'COM1.tal', 'lpt9.tal', 'nul.backup.tal', 'com0.tal']) {
    await rejects(ws.write(name, '; lost\n', false), 'BAD_NAME', /reserves for a device/);
    await rejects(ws.read(name), 'BAD_NAME', /reserves for a device/);
  }
  for (const name of ['console.tal', 'com10.tal', 'nuls.tal', 'my-con.tal']) await ws.write(name, '; kept\n', false);
  assert.equal((await ws.list()).length, 4);
});

test('a file that is not UTF-8 is refused, not opened with replacement characters a save would write back', async () => {
  const { ws, dir } = await setup();
  await ws.list();
  const latin1 = Buffer.from('; caf\xe9\n.code\n', 'latin1');
  await writeFile(path.join(dir, 'latin1.tal'), latin1);
  await rejects(ws.read('latin1.tal'), 'NOT_TEXT', /latin1\.tal is not UTF-8 text/);
  assert.deepEqual(await readFile(path.join(dir, 'latin1.tal')), latin1);
  await ws.write('utf8.tal', '; café ✓\n', false);
  assert.equal(await ws.read('utf8.tal'), '; café ✓\n');
});

test('a symlink in the folder is neither read nor written through, nor listed', async () => {
  const { ws, dir, outside } = await setup();
  await ws.list(); // creates the folder
  await symlink(path.join(outside, 'secret.tal'), path.join(dir, 'link.tal'));
  await symlink(outside, path.join(dir, 'dir.tal'));
  await rejects(ws.read('link.tal'), 'NOT_A_FILE', /symbolic link/);
  await rejects(ws.write('link.tal', 'pwned', true), 'NOT_A_FILE', /symbolic link/);
  await rejects(ws.write('link.tal', 'pwned', false), 'EXISTS', /already exists/);
  await rejects(ws.rename('link.tal', 'moved.tal'), 'NOT_A_FILE', /not a file/);
  assert.deepEqual(
    (await ws.list()).map((f) => f.name),
    [],
  );
  assert.equal(await readFile(path.join(outside, 'secret.tal'), 'utf8'), 'secret');
  assert.deepEqual(await readdir(outside), ['secret.tal']);
});

test('through the router: refusals are replies in words, and the payload is bounded', async () => {
  const { dir } = await setup();
  const { router } = await createLab({ paths: { ...resolveLabPaths(), workspaceDir: dir }, emit: () => undefined });
  const saved = await router.dispatch('saveFile', { name: 'mine.tal', source: '.code\n', overwrite: false });
  assert.ok(saved.ok && (saved.value as WorkspaceReply).ok);
  const bad = await router.dispatch('openFile', { name: '../../etc/passwd' });
  assert.ok(bad.ok);
  assert.equal((bad.value as WorkspaceReply).ok, false);
  assert.match((bad.value as WorkspaceReply).message, /is not a workspace file name/);
  const long = await router.dispatch('openFile', { name: 'x'.repeat(300) });
  assert.equal(long.ok, false);
  const listed = await router.dispatch('listFiles', {});
  assert.ok(listed.ok);
  assert.deepEqual(
    (listed.value as WorkspaceListing).files.map((f) => f.name),
    ['mine.tal'],
  );
});

test('concurrent requests lose nothing: racing renames onto one name, racing saves of one new name', async () => {
  const { ws } = await setup();
  for (let round = 0; round < 20; round++) {
    const names = ['a', 'b', 'c', 'd'].map((n) => `${n}${round}.tal`);
    await Promise.all(names.map((n) => ws.write(n, `; ${n}\n`, false)));
    // Every rename checks that the target is free; only one may win, the others are refused, no file is lost.
    const target = `t${round}.tal`;
    const results = await Promise.allSettled(names.map((n) => ws.rename(n, target)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: one rename wins`);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'EXISTS');
    const left = (await ws.list()).map((f) => f.name).filter((n) => n.endsWith(`${round}.tal`));
    assert.equal(left.length, names.length, `round ${round}: every program is still there (${left.join(', ')})`);
    const saves = await Promise.allSettled(['one', 'two'].map((text) => ws.write(`new${round}.tal`, text, false)));
    assert.equal(saves.filter((r) => r.status === 'fulfilled').length, 1);
  }
});

test('racing saves over one file leave one of the texts whole, never a mix', async () => {
  const { ws } = await setup();
  const long = `; long\n${'x'.repeat(300 * 1024)}\n`;
  const short = '; short\n';
  await ws.write('p.tal', '; first\n', false);
  for (let round = 0; round < 20; round++) {
    await Promise.all([ws.write('p.tal', long, true), ws.write('p.tal', short, true)]);
    const text = await ws.read('p.tal');
    assert.ok(
      text === long || text === short,
      `round ${round}: the file is a mix of two saves (${text.length} chars, starts ${JSON.stringify(text.slice(0, 12))})`,
    );
  }
});

test('Save with the version it opened does not overwrite a file changed meanwhile (another tab, another editor)', async () => {
  const { ws, dir } = await setup();
  await ws.write('p.tal', '; mine\n', false);
  const opened = textVersion(await ws.read('p.tal'));
  await writeFile(path.join(dir, 'p.tal'), '; theirs\n'); // another program writes it
  await rejects(ws.write('p.tal', '; mine, edited\n', true, opened), 'CHANGED', /p\.tal changed in the workspace since it was opened[^]*nothing was written/);
  assert.equal(await ws.read('p.tal'), '; theirs\n');
  // At the version it holds, the save goes through; two tabs saving from one version: one wins, one is told.
  const now = textVersion('; theirs\n');
  const both = await Promise.allSettled([ws.write('p.tal', '; tab A\n', true, now), ws.write('p.tal', '; tab B\n', true, now)]);
  assert.deepEqual(
    both.map((r) => r.status),
    ['fulfilled', 'rejected'],
  );
  assert.equal(await ws.read('p.tal'), '; tab A\n');
  // A byte-order mark is kept as text, so the version of what was opened is the version of the bytes.
  await writeFile(path.join(dir, 'bom.tal'), '\uFEFF; bom\n');
  await ws.write('bom.tal', '; saved\n', true, textVersion(await ws.read('bom.tal')));
});

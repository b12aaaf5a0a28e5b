// The workspace folder, attacked through its API: names with "..", separators,
// absolute paths, NUL, hidden or non-.tal names are refused in words; a
// symlink planted in the folder (to a file or a folder outside) is neither
// read nor written through; overwrite and rename never clobber by surprise.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, symlink, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createLab } from '../../main/app/create-lab.js';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { Workspace } from '../../main/app/workspace.js';
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

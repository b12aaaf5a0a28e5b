// The Electron shell's native file dialogs, from the dialog's result on: only
// .tal regular files, bounded; the page holds handles, never paths, so a
// hostile page can write only where the person chose; and the shell's IPC
// answers only its own window with payloads that pass their schema.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { NativeFiles } from '../../main/electron/native-files.js';
import { registerShellIpc, type ShellHandlers } from '../../main/electron/shell-ipc.js';
import { SHELL_METHOD_CHANNELS, type NativeFileReply } from '../../preload/contract.js';
import { ownWindowsPolicy } from '../../main/ipc/electron-ipc.js';
import { FakeIpcMain, senderEvent } from './electron-mock.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'tal-lab-native-'));

function file(r: NativeFileReply) {
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.file;
}

test('open, save, save as, rename: through handles, on the chosen paths', async () => {
  const dir = await tempDir();
  const a = path.join(dir, 'a.tal');
  await writeFile(a, '; a\n');
  const files = new NativeFiles();
  const opened = file(await files.opened({ canceled: false, filePaths: [a] }));
  assert.deepEqual([opened.name, opened.source], ['a.tal', '; a\n']);
  assert.doesNotMatch(opened.handle, /[/\\]/, 'a handle, not a path');

  file(await files.save(opened.handle, '; a, edited\n'));
  assert.equal(await readFile(a, 'utf8'), '; a, edited\n');

  // GTK's dialog leaves the extension off: .tal is added.
  const b = file(await files.savedAs({ canceled: false, filePath: path.join(dir, 'b') }, '; b\n'));
  assert.equal(b.name, 'b.tal');
  assert.equal(await readFile(path.join(dir, 'b.tal'), 'utf8'), '; b\n');

  const renamed = file(await files.renamed(b.handle, { canceled: false, filePath: path.join(dir, 'c.tal') }));
  assert.deepEqual([renamed.name, renamed.handle], ['c.tal', b.handle]);
  file(await files.save(b.handle, '; c\n'));
  assert.equal(await readFile(path.join(dir, 'c.tal'), 'utf8'), '; c\n');
  const clash = await files.renamed(b.handle, { canceled: false, filePath: a });
  assert.ok(!clash.ok && /already exists/.test(clash.message), 'rename does not overwrite');
});

test('cancelled dialogs, non-.tal files, folders, oversized and non-UTF-8 files are refused in words', async () => {
  const dir = await tempDir();
  const files = new NativeFiles();
  const cancelled = await files.opened({ canceled: true, filePaths: [] });
  assert.deepEqual(cancelled, { ok: false, cancelled: true, message: 'open cancelled' });
  await writeFile(path.join(dir, 'notes.txt'), 'x');
  const refusals: Array<[NativeFileReply, RegExp]> = [
    [await files.opened({ canceled: false, filePaths: [path.join(dir, 'notes.txt')] }), /not a \.tal file/],
    [await files.opened({ canceled: false, filePaths: ['relative.tal'] }), /no usable path/],
    [await files.savedAs({ canceled: false, filePath: path.join(dir, 'x.sh') }, 'echo'), /not a \.tal file/],
    [await files.savedAs({ canceled: false, filePath: path.join(dir, 'big.tal') }, 'x'.repeat(512 * 1024 + 1)), /larger than 512 KiB/],
  ];
  await writeFile(path.join(dir, 'huge.tal'), 'x'.repeat(512 * 1024 + 1));
  refusals.push([await files.opened({ canceled: false, filePaths: [path.join(dir, 'huge.tal')] }), /larger than 512 KiB/]);
  await writeFile(path.join(dir, 'latin1.tal'), Buffer.from([0x3b, 0x20, 0xe9, 0x0a]));
  refusals.push([await files.opened({ canceled: false, filePaths: [path.join(dir, 'latin1.tal')] }), /cannot open latin1\.tal/]);
  await mkdir(path.join(dir, 'folder.tal'));
  refusals.push([await files.opened({ canceled: false, filePaths: [path.join(dir, 'folder.tal')] }), /cannot open folder\.tal/]);
  for (const [r, pattern] of refusals) {
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, pattern);
  }
});

test('a handle the page made up, or one never issued, writes nothing', async () => {
  const files = new NativeFiles();
  const r = await files.save('00000000-0000-4000-8000-000000000000', 'pwned');
  assert.ok(!r.ok && /use Save As/.test(r.message));
  const rr = await files.renamed('00000000-0000-4000-8000-000000000000', { canceled: false, filePath: '/tmp/x.tal' });
  assert.ok(!rr.ok && /use Save As/.test(rr.message));
});

test('saving through a symbolic link planted at the chosen name is refused', async () => {
  const dir = await tempDir();
  const target = path.join(dir, 'target.txt');
  await writeFile(target, 'original');
  await symlink(target, path.join(dir, 'link.tal'));
  const r = await new NativeFiles().savedAs({ canceled: false, filePath: path.join(dir, 'link.tal') }, 'pwned');
  assert.equal(r.ok, false);
  assert.equal(await readFile(target, 'utf8'), 'original');
});

test('shell IPC: own window only, one payload, strict schemas; handlers see only valid requests', async () => {
  const ipc = new FakeIpcMain();
  const calls: string[] = [];
  const reply: NativeFileReply = { ok: false, cancelled: true, message: 'test' };
  const called = async (what: string): Promise<NativeFileReply> => {
    calls.push(what);
    return reply;
  };
  const handlers: ShellHandlers = {
    openNative: () => called('open'),
    saveNative: (r) => called(`save ${r.handle}`),
    saveNativeAs: (r) => called(`saveAs ${r.name}`),
    renameNative: (r) => called(`rename ${r.handle}`),
  };
  const page = 'file:///app/dist/renderer/index.html';
  registerShellIpc(
    ipc,
    handlers,
    ownWindowsPolicy(() => [1], page),
  );
  const own = senderEvent({ id: 1, url: page });
  const handle = '123e4567-e89b-42d3-a456-426614174000';

  assert.deepEqual(await ipc.invoke(SHELL_METHOD_CHANNELS.openNative, own, {}), { ok: true, value: reply });
  assert.deepEqual(await ipc.invoke(SHELL_METHOD_CHANNELS.saveNative, own, { handle, source: 'x' }), { ok: true, value: reply });
  const bad = [
    await ipc.invoke(SHELL_METHOD_CHANNELS.openNative, senderEvent({ id: 2, url: page }), {}),
    await ipc.invoke(SHELL_METHOD_CHANNELS.openNative, senderEvent({ id: 1, url: page, subframe: true }), {}),
    await ipc.invoke(SHELL_METHOD_CHANNELS.openNative, own),
    await ipc.invoke(SHELL_METHOD_CHANNELS.saveNative, own, { handle: '/etc/passwd', source: 'x' }),
    await ipc.invoke(SHELL_METHOD_CHANNELS.saveNative, own, { handle, source: 'x', path: '/etc/passwd' }),
    await ipc.invoke(SHELL_METHOD_CHANNELS.saveNativeAs, own, { name: 'a.tal', source: 'x'.repeat(512 * 1024 + 1) }),
    await ipc.invoke(SHELL_METHOD_CHANNELS.renameNative, own, { handle, to: '/tmp/x.tal' }),
  ] as Array<{ ok: boolean; error?: { code: string } }>;
  assert.deepEqual(
    bad.map((r) => r.error?.code),
    ['E_UNTRUSTED_SENDER', 'E_UNTRUSTED_SENDER', 'E_BAD_MESSAGE', 'E_BAD_PAYLOAD', 'E_BAD_PAYLOAD', 'E_BAD_PAYLOAD', 'E_BAD_PAYLOAD'],
  );
  assert.deepEqual(calls, ['open', `save ${handle}`]);
});

// The committed guest tools: they match their manifest and their sources, a
// stale or altered binary is refused with a clear code, and (where the cross
// compiler is installed) rebuilding them gives the same bytes.

import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildGuestTools, haveGuestCompiler } from '../../bench/build-guest-tools.js';
import { DEFAULT_TOOL_DIRS, GuestToolsError, guestToolNames, loadGuestTools, type GuestManifest } from '../../bench/guest-tools.js';

async function copyOfTools(): Promise<{ sourceDir: string; binDir: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'tal-bench-tools-'));
  await cp(DEFAULT_TOOL_DIRS.sourceDir, path.join(root, 'guest'), { recursive: true });
  return { sourceDir: path.join(root, 'guest'), binDir: path.join(root, 'guest', 'bin') };
}

async function loadError(dirs: { sourceDir: string; binDir: string }): Promise<GuestToolsError> {
  try {
    await loadGuestTools(dirs);
  } catch (error) {
    assert.ok(error instanceof GuestToolsError, String(error));
    return error;
  }
  throw new Error('loadGuestTools accepted the tools');
}

test('the committed guest tools are up to date with their sources and are static i386 ELF files', async () => {
  const tools = await loadGuestTools();
  assert.deepEqual(Object.keys(tools).sort(), guestToolNames().sort());
  for (const bytes of Object.values(tools)) {
    assert.deepEqual([...bytes.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'ELF magic');
    assert.equal(bytes[4], 1, 'ELFCLASS32');
    assert.equal(bytes[18], 3, 'EM_386');
  }
});

test('a source changed after the build makes the tools stale', async () => {
  const dirs = await copyOfTools();
  await writeFile(path.join(dirs.sourceDir, 'timeit.c'), `${await readFile(path.join(dirs.sourceDir, 'timeit.c'), 'utf8')}\n/* edited */\n`);
  const error = await loadError(dirs);
  assert.equal(error.code, 'GUEST_TOOLS_STALE');
  assert.equal(error.tool, 'timeit');
  assert.match(error.message, /npm run build:bench-guest/);
});

test('a shared header change makes every tool stale', async () => {
  const dirs = await copyOfTools();
  await writeFile(path.join(dirs.sourceDir, 'rt.h'), `${await readFile(path.join(dirs.sourceDir, 'rt.h'), 'utf8')}\n`);
  assert.equal((await loadError(dirs)).code, 'GUEST_TOOLS_STALE');
});

test('an altered binary or a missing manifest is refused', async () => {
  const dirs = await copyOfTools();
  const binary = path.join(dirs.binDir, 'mktree');
  const bytes = await readFile(binary);
  bytes[bytes.length - 1] ^= 0xff;
  await writeFile(binary, bytes);
  const corrupt = await loadError(dirs);
  assert.equal(corrupt.code, 'GUEST_TOOLS_CORRUPT');
  assert.equal(corrupt.tool, 'mktree');
  bytes[bytes.length - 1] ^= 0xff;
  await writeFile(binary, bytes);

  const manifest = JSON.parse(await readFile(path.join(dirs.binDir, 'manifest.json'), 'utf8')) as GuestManifest;
  delete (manifest.tools as Partial<GuestManifest['tools']>).echo_verify;
  await writeFile(path.join(dirs.binDir, 'manifest.json'), JSON.stringify(manifest));
  assert.equal((await loadError(dirs)).code, 'GUEST_TOOLS_MISSING');

  await writeFile(path.join(dirs.binDir, 'manifest.json'), '{');
  assert.equal((await loadError(dirs)).code, 'GUEST_TOOLS_MISSING');
});

test('rebuilding the tools reproduces the committed binaries', async () => {
  assert.ok(haveGuestCompiler(), 'i686-linux-gnu-gcc is missing: apt-get install gcc-i686-linux-gnu (.ci/run installs it)');
  const dirs = await copyOfTools();
  const committed = JSON.parse(await readFile(path.join(DEFAULT_TOOL_DIRS.binDir, 'manifest.json'), 'utf8')) as GuestManifest;
  const rebuilt = await buildGuestTools(dirs);
  for (const name of guestToolNames()) assert.equal(rebuilt.tools[name].sha256, committed.tools[name].sha256, name);
});

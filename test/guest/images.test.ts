// The committed guest images (kernel-images/images) are what their manifest
// says, and were built from the committed kernel-images sources: a patch,
// config or initramfs file changed without `npm run build:guest` fails here.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const kernelImages = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../../kernel-images' : '../../kernel-images');

interface Manifest {
  debian_packages: Record<string, string>;
  inputs: Record<string, string>;
  outputs: Record<string, { sha256: string; size: number }>;
  control_region: { symbol: string; phys: string; size: number };
}

async function manifest(): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(kernelImages, 'images', 'manifest.json'), 'utf8')) as Manifest;
}

async function sha256(file: string): Promise<{ sha256: string; size: number }> {
  const bytes = await readFile(file);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

test('every committed guest image matches manifest.json', async () => {
  const m = await manifest();
  assert.deepEqual(Object.keys(m.outputs).sort(), ['bios.bin', 'bzImage', 'initramfs.cpio.gz', 'vgabios-stdvga.bin']);
  for (const [name, expected] of Object.entries(m.outputs)) {
    assert.deepEqual(await sha256(path.join(kernelImages, 'images', name)), expected, name);
  }
});

test('the images were built from the committed kernel-images sources', async () => {
  const m = await manifest();
  assert.ok(
    Object.keys(m.inputs).some((name) => name.startsWith('patches/')),
    'the patch series is an input',
  );
  for (const [name, digest] of Object.entries(m.inputs)) {
    const actual = (await sha256(path.join(kernelImages, name))).sha256;
    assert.equal(actual, digest, `${name} changed since the images were built: run npm run build:guest`);
  }
});

test('the manifest announces the control region the host uses', async () => {
  const { control_region: region, debian_packages: packages } = await manifest();
  assert.equal(region.symbol, 'tal_region');
  assert.match(region.phys, /^0x[0-9a-f]{8}$/);
  assert.equal(Number(region.phys) % 4096, 0, 'page-aligned');
  assert.equal(region.size, 4096 + 2048 * 32);
  assert.match(packages['linux-source-6.1'] ?? '', /^6\.1\./);
});

// The guest's boot files, as produced by kernel-images/ (see its build script):
// SeaBIOS, its VGA BIOS, the kernel and the initramfs, plus manifest.json.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VmError } from './errors.js';

export const IMAGE_FILES = {
  bios: 'bios.bin',
  vgaBios: 'vgabios-stdvga.bin',
  bzImage: 'bzImage',
  initrd: 'initramfs.cpio.gz',
} as const;
export type ImageName = keyof typeof IMAGE_FILES;

export interface GuestImages {
  dir: string;
  files: Record<ImageName, Uint8Array>;
  /** manifest.json parsed, or null when the directory has none. */
  manifest: Record<string, unknown> | null;
  /** SHA-256 over every boot file: identifies the guest for snapshot caching. */
  digest: string;
}

/** kernel-images/images of this checkout (from dist/main/vm or main/vm); TAL_LAB_IMAGES overrides it. */
export function defaultImagesDir(): string {
  if (process.env.TAL_LAB_IMAGES) return resolve(process.env.TAL_LAB_IMAGES);
  const here = fileURLToPath(new URL('.', import.meta.url));
  const repoRoot = here.includes('/dist/') ? resolve(here, '../../..') : resolve(here, '../..');
  return join(repoRoot, 'kernel-images', 'images');
}

export async function loadGuestImages(dir: string): Promise<GuestImages> {
  const files = {} as Record<ImageName, Uint8Array>;
  const hash = createHash('sha256');
  for (const [name, fileName] of Object.entries(IMAGE_FILES) as [ImageName, string][]) {
    const path = join(dir, fileName);
    try {
      files[name] = new Uint8Array(await readFile(path));
    } catch (error) {
      throw new VmError('BAD_IMAGES', `cannot read guest image ${path}: ${(error as Error).message}`, { path });
    }
    hash.update(`${fileName}\0${files[name].length}\0`).update(files[name]);
  }
  return { dir, files, manifest: await readManifest(join(dir, 'manifest.json')), digest: hash.digest('hex') };
}

async function readManifest(path: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new VmError('BAD_IMAGES', `invalid manifest ${path}: ${(error as Error).message}`, { path });
  }
}

/**
 * A copy in a fresh ArrayBuffer of exactly their size, safe to transfer to the worker.
 * (Buffer#slice would return a view: transferring its buffer would detach the caller's bytes.)
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return copyBytes(bytes).buffer as ArrayBuffer;
}

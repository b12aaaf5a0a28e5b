// Booted-guest snapshots on disk, so the CLI and the tests resume a guest in
// well under a second instead of cold booting. A snapshot is only valid for the
// exact images, v86 version and machine options it was taken with; the file
// name is a hash of all of them.

import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Bump when what a snapshot contains changes meaning (e.g. the guest setup done before saving). */
const SNAPSHOT_FORMAT = 1;
/** Snapshots kept in the cache (each ≈20 MiB); older ones, of images since rebuilt, are deleted. */
const KEEP_SNAPSHOTS = 4;

export interface SnapshotIdentity {
  imagesDigest: string;
  memoryMiB: number;
  cmdline: string;
}

export function defaultCacheDir(): string {
  if (process.env.TAL_LAB_CACHE_DIR) return process.env.TAL_LAB_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tal-lab');
}

export function snapshotKey(identity: SnapshotIdentity): string {
  const v86Version = (createRequire(import.meta.url)('v86/package.json') as { version: string }).version;
  const material = JSON.stringify({
    format: SNAPSHOT_FORMAT,
    v86Version,
    imagesDigest: identity.imagesDigest,
    memoryMiB: identity.memoryMiB,
    cmdline: identity.cmdline,
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

export function snapshotPath(cacheDir: string, identity: SnapshotIdentity): string {
  return join(cacheDir, `guest-${snapshotKey(identity)}.v86state`);
}

/** The cached snapshot's bytes, or null when there is none. */
export async function loadSnapshot(cacheDir: string, identity: SnapshotIdentity): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(snapshotPath(cacheDir, identity)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Write atomically (temp file + rename) so a concurrent reader never sees half a snapshot. */
export async function storeSnapshot(cacheDir: string, identity: SnapshotIdentity, state: Uint8Array): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const path = snapshotPath(cacheDir, identity);
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, state);
  await rename(temp, path);
  await pruneSnapshots(cacheDir);
  return path;
}

async function pruneSnapshots(cacheDir: string): Promise<void> {
  const names = (await readdir(cacheDir)).filter((name) => /^guest-[0-9a-f]{32}\.v86state$/.test(name));
  const dated = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(join(cacheDir, name)).catch(() => null))?.mtimeMs ?? 0 })));
  dated.sort((a, b) => b.mtime - a.mtime);
  // Another process may be pruning too: a file already gone is fine.
  await Promise.all(dated.slice(KEEP_SNAPSHOTS).map(({ name }) => unlink(join(cacheDir, name)).catch(() => undefined)));
}

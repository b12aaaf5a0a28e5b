import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSnapshot, snapshotKey, snapshotPath, storeSnapshot, type SnapshotIdentity } from '../../main/vm/snapshot-cache.js';

const base: SnapshotIdentity = { imagesDigest: 'a'.repeat(64), memoryMiB: 128, cmdline: 'console=ttyS0' };

describe('snapshot cache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tal-snapshots-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keys a snapshot by images, memory size and command line', () => {
    const keys = new Set([
      snapshotKey(base),
      snapshotKey({ ...base, imagesDigest: 'b'.repeat(64) }),
      snapshotKey({ ...base, memoryMiB: 256 }),
      snapshotKey({ ...base, cmdline: 'console=ttyS0 quiet' }),
    ]);
    assert.equal(keys.size, 4);
    assert.equal(snapshotKey({ ...base }), snapshotKey(base));
  });

  it('stores and loads a snapshot, and knows when there is none', async () => {
    assert.equal(await loadSnapshot(dir, base), null);
    const state = Uint8Array.from([1, 2, 3, 4]);
    const path = await storeSnapshot(dir, base, state);
    assert.equal(path, snapshotPath(dir, base));
    assert.deepEqual(await loadSnapshot(dir, base), state);
  });

  it('keeps only the four most recent snapshots', async () => {
    for (let i = 0; i < 6; i++) {
      await storeSnapshot(dir, { ...base, memoryMiB: 100 + i }, Uint8Array.of(i));
      await new Promise((resolve) => setTimeout(resolve, 20)); // distinct modification times
    }
    const left = (await readdir(dir)).filter((name) => name.endsWith('.v86state'));
    assert.equal(left.length, 4);
    assert.deepEqual(await loadSnapshot(dir, { ...base, memoryMiB: 105 }), Uint8Array.of(5));
    assert.equal(await loadSnapshot(dir, base), null, 'the oldest went first');
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GUEST_SHARE_DIR, type LaunchedGuest } from '../../main/vm/index.js';
import { rejection, resumeGuest } from './guest-fixture.js';

describe('9p file delivery and guest memory access', { timeout: 180_000 }, () => {
  let guest: LaunchedGuest;
  before(async () => {
    guest = await resumeGuest();
  });
  after(async () => {
    await guest?.vm.stop();
  });

  it('delivers a binary file to the guest intact', async () => {
    const bytes = randomBytes(200_000);
    await guest.vm.putFile('payload.bin', bytes);
    const result = await guest.vm.exec(`sha256sum ${GUEST_SHARE_DIR}/payload.bin`, { timeoutMs: 30_000 });
    assert.equal(result.exitStatus, 0, result.output);
    assert.equal(result.output.split(' ')[0], createHash('sha256').update(bytes).digest('hex'));
  });

  it('reads back a file the guest wrote into the share', async () => {
    await guest.vm.putFile('words.txt', Buffer.from('kernel mode\n'));
    const result = await guest.vm.exec(`tr a-z A-Z < ${GUEST_SHARE_DIR}/words.txt > ${GUEST_SHARE_DIR}/shout.txt`);
    assert.equal(result.exitStatus, 0, result.output);
    assert.equal(Buffer.from(await guest.vm.getFile('shout.txt')).toString(), 'KERNEL MODE\n');
  });

  it('reports missing files and bad share paths', async () => {
    const missing = await rejection(guest.vm.getFile('no-such-file'));
    assert.equal(missing.code, 'GUEST_FILE_NOT_FOUND');
    assert.equal(missing.location?.path, 'no-such-file');
    assert.equal((await rejection(guest.vm.putFile('no-dir/x', Uint8Array.of(1)))).code, 'GUEST_FILE_NOT_FOUND');
    assert.equal((await rejection(guest.vm.putFile('../escape', Uint8Array.of(1)))).code, 'BAD_ARGUMENT');
  });

  it('reads and writes guest physical memory (seen by the kernel)', async () => {
    const vm = guest.vm;
    // The hostname lives in the kernel's init_uts_ns: { sysname[65] = "Linux", nodename[65], ... }.
    const name = `tal${randomBytes(4).toString('hex')}`;
    assert.equal((await vm.exec(`hostname ${name}`)).exitStatus, 0);
    const address = await findUtsNodename(guest, name);
    assert.ok(address !== null, 'found the hostname in init_uts_ns');
    await vm.writeMemory(address, Buffer.from('TAL'));
    assert.equal((await vm.exec('hostname')).output, `TAL${name.slice(3)}\n`);
    assert.deepEqual(Buffer.from(await vm.readMemory(address, 3)).toString(), 'TAL');
  });

  it('rejects memory ranges outside guest RAM', async () => {
    const memory = guest.boot.memoryMiB * 2 ** 20;
    assert.equal((await rejection(guest.vm.readMemory(memory - 2, 4))).code, 'BAD_ARGUMENT');
    assert.equal((await rejection(guest.vm.writeMemory(-1, Uint8Array.of(0)))).code, 'BAD_ARGUMENT');
  });
});

async function findUtsNodename(guest: LaunchedGuest, name: string): Promise<number | null> {
  const chunk = 4 * 2 ** 20;
  const needle = Buffer.from(`${name}\0`);
  const memory = guest.boot.memoryMiB * 2 ** 20;
  for (let base = 0; base < memory; base += chunk) {
    const bytes = Buffer.from(await guest.vm.readMemory(base, Math.min(chunk + 128, memory - base)));
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
      if (at >= 65 && bytes.subarray(at - 65, at - 59).toString('latin1') === 'Linux\0') return base + at;
    }
  }
  return null;
}

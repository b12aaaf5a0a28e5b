import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VmService, type VmError } from '../../main/vm/index.js';
import { delay, rejection, resumeGuest } from './guest-fixture.js';

describe('VM lifecycle and failures', { timeout: 180_000 }, () => {
  it('rejects pending calls when the emulator worker dies', async () => {
    const { vm } = await resumeGuest();
    const crashes: VmError[] = [];
    const exits: number[] = [];
    vm.on('crash', (error) => crashes.push(error));
    vm.on('exit', (code) => exits.push(code));
    const running = rejection(vm.exec('sleep 60', { timeoutMs: 120_000 }));
    const queued = rejection(vm.exec('echo never'));
    await delay(200);
    await vm.kill();
    assert.equal((await running).code, 'WORKER_EXIT');
    assert.equal((await queued).code, 'WORKER_EXIT');
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0]!.code, 'WORKER_EXIT');
    assert.equal(exits.length, 1);
    assert.equal((await rejection(vm.readMemory(0, 16))).code, 'WORKER_EXIT');
    assert.equal((await rejection(vm.exec('true'))).code, 'WORKER_EXIT');
  });

  it('stop() ends the VM cleanly and rejects what was pending', async () => {
    const { vm } = await resumeGuest();
    const crashes: VmError[] = [];
    vm.on('crash', (error) => crashes.push(error));
    const exited = new Promise<number>((resolve) => vm.once('exit', resolve));
    const running = rejection(vm.exec('sleep 60', { timeoutMs: 120_000 }));
    await delay(200);
    await vm.stop();
    assert.equal((await running).code, 'STOPPED');
    await exited;
    assert.equal(crashes.length, 0, 'a requested stop is not a crash');
    assert.equal((await rejection(vm.exec('true'))).code, 'NOT_RUNNING');
    await vm.stop(); // a second stop is harmless
  });

  it('fails a boot that reaches no prompt in time, with the console tail', async () => {
    const vm = new VmService();
    const error = await rejection(vm.boot({ bootTimeoutMs: 1500 }));
    assert.equal(error.code, 'BOOT_TIMEOUT');
    assert.match(error.message, /1500 ms/);
    assert.equal(typeof error.location?.outputTail, 'string');
    assert.equal((await rejection(vm.exec('true'))).code, 'BOOT_TIMEOUT');
  });

  it('rejects a missing images directory and an impossible memory size', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tal-images-'));
    try {
      const missing = await rejection(new VmService().boot({ imagesDir: empty }));
      assert.equal(missing.code, 'BAD_IMAGES');
      assert.match(missing.message, /bios\.bin/);
    } finally {
      await rm(empty, { recursive: true });
    }
    const small = await rejection(new VmService().boot({ memoryMiB: 32 }));
    assert.equal(small.code, 'BAD_ARGUMENT');
    assert.match(small.message, /64 MiB/);
  });
});

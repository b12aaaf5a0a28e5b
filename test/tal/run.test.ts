// `tal run` end to end against the real guest in v86: the same program prints
// the same output in user and kernel mode, and only the kernel-mode run calls
// the kernel directly.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tal } from './cli-harness.js';

const example = (name: string): string => join(process.cwd(), 'tal', 'examples', `${name}.tal`);

describe('tal run in the guest', { timeout: 240_000 }, () => {
  for (const name of ['hello', 'factorial', 'list']) {
    test(`${name}: same output in user and kernel mode, direct calls only in kernel mode`, async () => {
      const user = await tal('run', example(name), '--mode', 'user');
      const kernel = await tal('run', example(name), '--mode', 'kernel');
      assert.equal(user.code, 0, user.err);
      assert.equal(kernel.code, 0, kernel.err);
      assert.equal(kernel.out, user.out);
      assert.match(user.err, /the program's syscalls by path: direct 0, int80 [1-9]\d*, sysenter 0/);
      assert.match(kernel.err, /the program's syscalls by path: direct [1-9]\d*, int80 0, sysenter 0/);
    });
  }

  test('arguments reach the program', async () => {
    const r = await tal('run', example('getpid_loop'), '500', '--mode', 'kernel');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /getpid\s+direct\s+50[01] calls/);
  });

  test('a rejected program never reaches the guest', async () => {
    const r = await tal('run', join(process.cwd(), 'test', 'check', 'reject', 'bounds-const-past-end-bytes.tal'));
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.err, /starting the guest/);
  });
});

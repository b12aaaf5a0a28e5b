// Unbounded recursion with the largest frames the checker allows (4 KiB per
// call) ends through the trusted stack check before every call — on the host, and
// in ring 0 in the guest, where running into the guard page would otherwise be
// a double fault.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildSource } from '../../tal/build.js';
import { spawnI386Sync } from '../../tal/host-i386.js';
import { tal } from './cli-harness.js';

const DEEP = `.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
        call down
        xor eax, eax
        ret
down: forall r:stack. code {ESP: sptr (code {ESP: sptr r}) :: r}
        sub esp, 4092
        mov dword [esp], 1
        call down
        add esp, 4092
        ret
`;

const work = mkdtempSync(join(tmpdir(), 'tal-stack-'));

describe('the stack guard', { timeout: 180_000 }, () => {
  for (const trap of ['int80', 'sysenter'] as const) {
    test(`ends runaway recursion on the host (${trap})`, () => {
      const b = buildSource(DEEP, 'deep.tal', { elf: trap });
      assert.ok(b.ok && b.elf !== undefined);
      const exe = join(work, `deep-${trap}`);
      writeFileSync(exe, b.elf);
      chmodSync(exe, 0o755);
      const r = spawnI386Sync(exe, [], { encoding: 'latin1', timeout: 120_000 });
      assert.equal(r.stderr, 'tal: stack exhausted\n');
      assert.equal(r.status, 134);
    });
  }

  test('ends runaway recursion in ring 0 without harming the guest', async () => {
    const src = join(work, 'deep.tal');
    writeFileSync(src, DEEP);
    const r = await tal('run', src, '--mode', 'kernel');
    assert.match(r.out, /tal: stack exhausted/);
    assert.match(r.err, /exited, exit status 134/);
    const after = await tal('run', join(process.cwd(), 'tal', 'examples', 'hello.tal'), '--mode', 'kernel');
    assert.equal(after.out, 'Hello, world!\n');
  });
});

// How the host runs i386 programs (tal/host-i386.ts): the probe, both ways of
// running (the host kernel where it can, qemu-i386 always — CI's machines
// cannot execute i386 binaries, so the qemu path is what the other host tests
// use there), and the errors that say what to install.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildSource } from '../../tal/build.js';
import { chooseI386Host, hostKernelRunsI386, i386Command, i386Host, I386HostError, I386_HOST_ENV } from '../../tal/host-i386.js';

const work = mkdtempSync(join(tmpdir(), 'tal-host-i386-'));
after(() => rmSync(work, { recursive: true, force: true }));

function helloElf(): string {
  const source = readFileSync(join(process.cwd(), 'tal', 'examples', 'hello.tal'), 'utf8');
  const b = buildSource(source, 'hello.tal', { elf: 'int80' });
  assert.ok(b.ok && b.elf !== undefined);
  const file = join(work, 'hello');
  writeFileSync(file, b.elf);
  chmodSync(file, 0o755);
  return file;
}

test('the probe agrees with what the host kernel does with an i386 program', () => {
  const direct = spawnSync(helloElf(), [], { encoding: 'latin1' });
  const ran = direct.error === undefined && direct.stdout === 'Hello, world!\n';
  assert.equal(hostKernelRunsI386(), ran, `spawning the ELF directly: ${direct.error?.message ?? `status ${direct.status}`}`);
  assert.equal(chooseI386Host({ ...process.env, [I386_HOST_ENV]: '' }).kind, ran ? 'native' : 'qemu');
});

test('qemu-i386 runs the ELF build, with arguments and the program’s own pid', () => {
  const host = chooseI386Host({ ...process.env, [I386_HOST_ENV]: 'qemu' });
  assert.equal(host.kind, 'qemu');
  const r = spawnSync(host.kind === 'qemu' ? host.path : '', [helloElf()], { encoding: 'latin1', timeout: 60_000 });
  assert.equal(r.stdout, 'Hello, world!\n');
  assert.equal(r.status, 0);
});

test('the chosen way runs programs, and the command line says how', () => {
  const file = helloElf();
  const c = i386Command(file, ['a b']);
  assert.deepEqual(c, i386Host().kind === 'native' ? { command: file, args: ['a b'] } : { command: 'qemu-i386', args: [file, 'a b'] });
});

test('without qemu-i386 on a host that cannot run i386, the error says what to install', () => {
  const noTools = { PATH: join(work, 'empty'), [I386_HOST_ENV]: 'qemu' };
  assert.throws(
    () => chooseI386Host(noTools),
    (e: unknown) => e instanceof I386HostError && /apt-get install qemu-user/.test(e.message),
  );
  assert.throws(() => chooseI386Host({ ...process.env, [I386_HOST_ENV]: 'bochs' }), /must be "native" or "qemu"/);
});

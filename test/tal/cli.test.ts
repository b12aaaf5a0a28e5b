// The `tal` command line: exit codes (0 accepted, 1 rejected, 2 usage or I/O),
// outputs, and that a rejected program never produces an image.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tal } from './cli-harness.js';

const work = mkdtempSync(join(tmpdir(), 'tal-cli-'));
const hello = join(process.cwd(), 'tal', 'examples', 'hello.tal');

const UNSAFE = `.import write
.data
msg: .bytes "hi"
.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
        mov ebx, 1
        mov ecx, msg
        mov edx, 3
        call write
        xor eax, eax
        ret
`;

test('check accepts an example with exit 0', async () => {
  const r = await tal('check', hello);
  assert.equal(r.code, 0);
  assert.match(r.out, /hello\.tal: ok/);
});

test('check --trace prints the state before every instruction', async () => {
  const r = await tal('check', '--trace', hello);
  assert.equal(r.code, 0);
  assert.match(r.out, /^main:$/m);
  assert.match(r.out, /19: call write\n\s+regs {2}EBX: S\(1\), ECX: bytes\(14\), EDX: S\(14\)/);
});

test('check --json gives diagnostics and trace as data', async () => {
  const r = await tal('check', '--json', hello);
  const j = JSON.parse(r.out) as { ok: boolean; trace: unknown[] };
  assert.equal(j.ok, true);
  assert.equal(j.trace.length, 6);
});

test('a rejected program exits 1 with a located diagnostic and build writes nothing', async () => {
  const src = join(work, 'unsafe.tal');
  writeFileSync(src, UNSAFE);
  const c = await tal('check', src);
  assert.equal(c.code, 1);
  assert.match(c.err, /unsafe\.tal:9:9: error E_SYSCALL_LEN/);
  assert.match(c.err, /expected: int<=2/);
  const out = join(work, 'unsafe.talo');
  const b = await tal('build', src, '-o', out);
  assert.equal(b.code, 1);
  assert.equal(existsSync(out), false);
});

test('build writes a .talo and an ELF; --key signs', async () => {
  const out = join(work, 'hello.talo');
  const r = await tal('build', hello, '-o', out, '--elf', join(work, 'hello'), '--key', '00'.repeat(32));
  assert.equal(r.code, 0, r.err);
  const bytes = readFileSync(out);
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'TALO');
  assert.equal(bytes.subarray(bytes.length - 40, bytes.length - 36).toString('latin1'), 'TSIG');
  assert.equal(readFileSync(join(work, 'hello')).subarray(1, 4).toString('latin1'), 'ELF');
});

test('usage and I/O errors exit 2', async () => {
  assert.equal((await tal()).code, 2);
  assert.equal((await tal('frobnicate')).code, 2);
  assert.equal((await tal('check')).code, 2);
  assert.equal((await tal('check', join(work, 'missing.tal'))).code, 2);
  assert.equal((await tal('check', '--bogus', hello)).code, 2);
  assert.equal((await tal('build', hello)).code, 2, 'build without -o');
  assert.equal((await tal('build', hello, '-o', join(work, 'x.talo'), '--key', 'zz')).code, 2);
  assert.equal((await tal('build', hello, '-o', join(work, 'no', 'such', 'dir', 'x.talo'))).code, 2);
});

test('disasm lists the code with source lines; a corrupt image exits 1', async () => {
  const out = join(work, 'for-disasm.talo');
  assert.equal((await tal('build', hello, '-o', out)).code, 0);
  const r = await tal('disasm', '--source', hello, out);
  assert.equal(r.code, 0);
  assert.match(r.out, /call write\s+; line 19: call write; import write \(nr 4\)/);
  const bad = join(work, 'bad.talo');
  writeFileSync(bad, 'not an image');
  const b = await tal('disasm', bad);
  assert.equal(b.code, 1);
  assert.match(b.err, /TALO_TRUNCATED/);
});

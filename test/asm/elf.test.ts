// Static i386 ELF output, run natively on this (x86-64) machine with both trap
// paths: output, exit status, argv handling, zeroed heap, heap exhaustion.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Program } from '../../tal/ast.js';
import { writeElf, type TrapKind } from '../../tal/asm/elf.js';
import { block, i, ins, m, program, r } from './build.js';
import { HELLO_TEXT, assembleOk, echoArgProgram, exhaustProgram, helloProgram, zeroedProgram } from './samples.js';

const dir = mkdtempSync(join(tmpdir(), 'tal-elf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

function run(p: Program, trap: TrapKind, args: string[] = []): { status: number | null; stdout: Buffer; stderr: string } {
  const file = join(dir, `prog-${serial++}`);
  writeFileSync(file, writeElf(assembleOk(p), { trap }));
  chmodSync(file, 0o755);
  const res = spawnSync(file, args, { timeout: 10000 });
  if (res.error !== undefined) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr.toString() };
}

for (const trap of ['int80', 'sysenter'] as const) {
  describe(`ELF with ${trap} gates`, () => {
    it('hello: write(1, msg, len) and exit 0', () => {
      const res = run(helloProgram(), trap);
      assert.equal(res.stdout.toString(), HELLO_TEXT);
      assert.equal(res.status, 0);
      assert.equal(res.stderr, '');
    });

    it("main's EAX becomes the exit status", () => {
      assert.equal(run(helloProgram(42), trap).status, 42);
    });

    it('echoes argv[1] through newarray, malloc and write', () => {
      for (const arg of ['hi', 'a somewhat longer argument with spaces', 'ünïcödé ✓', 'x'.repeat(5000)]) {
        const res = run(echoArgProgram(), trap, [arg, 'ignored']);
        assert.equal(res.stdout.toString(), `${arg}\n`);
        assert.equal(res.status, 0);
      }
      assert.equal(run(echoArgProgram(), trap).status, 2);
    });

    it('new arrays and tuples read as zeros, with the length word set', () => {
      assert.equal(run(zeroedProgram(), trap).status, 100);
    });

    it('heap exhaustion in malloc prints the message and exits 134', () => {
      const res = run(exhaustProgram(), trap);
      assert.equal(res.stderr, 'tal: heap exhausted\n');
      assert.equal(res.status, 134);
      assert.equal(res.stdout.length, 0);
    });

    it('an argument larger than the heap exhausts it in the prologue', () => {
      const res = run(echoArgProgram(4096), trap, ['y'.repeat(5000)]);
      assert.equal(res.stderr, 'tal: heap exhausted\n');
      assert.equal(res.status, 134);
    });

    it('newarray with an absurd register length takes the heap-exhausted path', () => {
      const p = program({ code: [block('main', ins('mov', r('ecx'), i(-1)), { kind: 'newarray', dst: 'eax', elem: 'word', length: { kind: 'reg', reg: 'ecx' }, loc: { line: 900, col: 1 }, text: 'newarray eax, word, ecx' }, ins('ret'))] });
      const res = run(p, trap);
      assert.equal(res.stderr, 'tal: heap exhausted\n');
      assert.equal(res.status, 134);
    });
  });
}

describe('ELF sysenter variant', () => {
  it('calls through the vDSO entry from AT_SYSINFO, not the int 0x80 fallback', () => {
    // Reads the ELF's vsyscall word (the word after the data section, i.e. after the runtime
    // message, the last data item) and exits with its top byte: 0x08 would be the fallback in
    // the text segment; the vDSO of a 32-bit process is mapped near the top of the 4 GiB space.
    const p = program({
      code: [block('main', ins('mov', r('eax'), m({ label: '<heap_message>', disp: 20, size: 4 })), ins('shr', r('eax'), i(24)), ins('ret'))],
    });
    const status = run(p, 'sysenter').status!;
    assert.notEqual(status, 0x08);
    assert.ok(status >= 0x80, `vsyscall top byte 0x${status.toString(16)}`);
  });
});

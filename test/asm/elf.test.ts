// Static i386 ELF output, run on this host (natively, or through qemu-i386:
// tal/host-i386.ts) with both trap paths: output, exit status, argv handling,
// zeroed heap, heap exhaustion. That the sysenter variant really calls through
// the vDSO's AT_SYSINFO entry is checked on a real i386 kernel, in the guest
// (test/vm/elf-in-guest.test.ts).

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Program } from '../../tal/ast.js';
import { writeElf, type TrapKind } from '../../tal/asm/elf.js';
import { spawnI386Sync } from '../../tal/host-i386.js';
import { block, i, ins, program, r } from './build.js';
import { HELLO_TEXT, assembleOk, echoArgProgram, exhaustProgram, helloProgram, zeroedProgram } from './samples.js';

const dir = mkdtempSync(join(tmpdir(), 'tal-elf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

function run(p: Program, trap: TrapKind, args: string[] = []): { status: number | null; stdout: Buffer; stderr: string } {
  const file = join(dir, `prog-${serial++}`);
  writeFileSync(file, writeElf(assembleOk(p), { trap }));
  chmodSync(file, 0o755);
  const res = spawnI386Sync(file, args, { timeout: 60_000 });
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
      const p = program({
        code: [
          block(
            'main',
            ins('mov', r('ecx'), i(-1)),
            { kind: 'newarray', dst: 'eax', elem: 'word', length: { kind: 'reg', reg: 'ecx' }, loc: { line: 900, col: 1 }, text: 'newarray eax, word, ecx' },
            ins('ret'),
          ),
        ],
      });
      const res = run(p, trap);
      assert.equal(res.stderr, 'tal: heap exhausted\n');
      assert.equal(res.status, 134);
    });
  });
}

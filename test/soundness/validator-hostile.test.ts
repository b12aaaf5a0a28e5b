// The validator must be able to fail. Each case pairs an accepted program A
// with a program B that differs from it only where A's claims stop being true,
// and instruments B with A's claims — as if the checker had accepted B with a
// wrong rule. The instrumented run must report the violation, naming the
// instruction and the claim. A validator that passed these would be a test
// that cannot fail.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VIOLATION_STATUS } from '../../tal/validate/instrument.js';
import { runI386 } from '../../tal/validate/run-i386.js';
import { classify } from '../../tal/validate/validate.js';
import { program, withClaimsOf } from './wrong-claims.js';

/** Runs B instrumented with the claims the checker made for A (same line layout), as if the errors named in `overlooked` had not been found. */
async function forged(a: string, b: string, overlooked: string[] = []): Promise<{ message: string; status: number | undefined }> {
  const inst = withClaimsOf(a, b, overlooked);
  const run = await runI386(inst.elf);
  const o = classify(run, inst.points);
  return { message: o.kind === 'violation' ? o.message : `${o.kind}: ${run.stderr}`, status: run.status };
}

async function expectViolation(a: string, b: string, pattern: RegExp, overlooked: string[] = []): Promise<void> {
  const r = await forged(a, b, overlooked);
  assert.equal(r.status, VIOLATION_STATUS, r.message);
  assert.match(r.message, pattern);
}

describe('the validator reports claims that do not hold', { timeout: 120_000 }, () => {
  test('a constant that is not what the checker claims (S(n))', async () => {
    await expectViolation(program(['mov eax, 5', 'nop', 'ret']), program(['mov eax, 6', 'nop', 'ret']), /b\.tal:\d+: nop: EAX: S\(5\) \(actual 0x00000006\)/);
  });

  test('a bound that does not hold (int<n)', async () => {
    await expectViolation(
      program(['mov eax, [pad]', 'and eax, 255', 'nop', 'ret']),
      program(['mov eax, [pad]', 'or eax, 300', 'nop', 'ret']),
      /nop: EAX: int<=255 \(actual 0x0000012c\)/,
    );
  });

  test('an integer the checker calls a byte array (a forged pointer)', async () => {
    await expectViolation(
      program(['mov ecx, buf', 'nop', 'xor eax, eax', 'ret'], ['buf: .bytes [8]']),
      program(['mov ecx, 4660', 'nop', 'xor eax, eax', 'ret'], ['buf: .bytes [8]']),
      /nop: ECX: bytes\(8\) \(not element 0 of a live array of this kind of this program\) \(actual 0x00001234\)/,
    );
  });

  test('a pointer into the middle of an object', async () => {
    await expectViolation(
      program(['mov ecx, cell', 'nop', 'xor eax, eax', 'ret'], ['cell: .tuple 1, 2, 3']),
      program(['lea ecx, [cell + 4]', 'nop', 'xor eax, eax', 'ret'], ['cell: .tuple 1, 2, 3']),
      /ECX: \*\[int, int, int\] \(not the start of a live tuple/,
    );
  });

  test('a word array used as a byte array (wrong kind of object)', async () => {
    await expectViolation(
      program(['mov ecx, buf', 'nop', 'xor eax, eax', 'ret'], ['buf: .bytes [8]', 'tbl: .words 1, 2']),
      program(['mov ecx, tbl', 'nop', 'xor eax, eax', 'ret'], ['buf: .bytes [8]', 'tbl: .words 1, 2']),
      /ECX: bytes\(8\) \(not element 0 of a live array of this kind/,
    );
  });

  test("an array's length word overwritten", async () => {
    await expectViolation(
      program(['newarray ecx, word, 4', 'mov dword [ecx], 9', 'nop', 'xor eax, eax', 'ret']),
      program(['newarray ecx, word, 4', 'mov dword [ecx-4], 9', 'nop', 'xor eax, eax', 'ret']),
      /nop: ECX: words\(4, int\) \(the array's length word was changed; actual = the allocated length\) \(actual 0x00000004\)/,
    );
  });

  test('a heap tuple with fewer fields than claimed', async () => {
    await expectViolation(
      program(['malloc ecx, *[int, int, int]', 'mov dword [ecx], 1', 'nop', 'xor eax, eax', 'ret']),
      program(['malloc ecx, *[int]', 'mov dword [ecx], 1', 'nop', 'xor eax, eax', 'ret']),
      /mov dword \[ecx\], 1: ECX: \*\[int\^u, int\^u, int\^u\] \(the tuple has fewer fields; actual = its field count\) \(actual 0x00000001\)/,
    );
  });

  test('a field whose value breaks its type (checked through the pointer)', async () => {
    await expectViolation(
      program(['malloc ecx, *[bytes(8)]', 'mov dword [ecx], buf', 'nop', 'xor eax, eax', 'ret'], ['buf: .bytes [8]']),
      program(['malloc ecx, *[bytes(8)]', 'mov dword [ecx], 4660', 'nop', 'xor eax, eax', 'ret'], ['buf: .bytes [8]']),
      /nop: ECX: \*\[bytes\(8\)\], field 0 \(not element 0 of a live array of this kind of this program\) \(actual 0x00001234\)/,
    );
  });

  test('a stack slot that does not hold its claimed type', async () => {
    await expectViolation(
      program(['push 7', 'nop', 'pop eax', 'ret']),
      program(['push 8', 'nop', 'pop eax', 'ret']),
      /nop: \[esp\+0\]: S\(7\) \(actual 0x00000008\)/,
    );
  });

  test('a code pointer that is not a typed label', async () => {
    const f = 'f: forall r:stack. code {ESP: sptr (code {ESP: sptr r}) :: r}';
    const a = program(['mov eax, f', 'nop', 'xor eax, eax', 'ret', f, '        ret'], ['cell: .tuple 1']);
    const b = program(['mov eax, cell', 'nop', 'xor eax, eax', 'ret', f, '        ret'], ['cell: .tuple 1']);
    await expectViolation(a, b, /nop: EAX: .*code.*\(not a typed label or a return point of this program\)/);
  });

  test('stale flags: the compared register changed after the cmp', async () => {
    const data = ['tbl: .words 4, 5'];
    await expectViolation(
      program(['mov eax, [tbl]', 'mov ecx, [tbl + 4]', 'cmp eax, ecx', 'nop', 'jb .x', '.x:', '        xor eax, eax', 'ret'], data),
      program(['mov eax, [tbl]', 'mov ecx, [tbl + 4]', 'cmp eax, ecx', 'mov ecx, 0', 'jb .x', '.x:', '        xor eax, eax', 'ret'], data),
      /jb \.x: the flags hold cmp eax, ecx \(actual = saved CF \| ZF << 1\) \(actual 0x00000001\)/,
    );
  });

  test('ESP outside the program stack', async () => {
    const head = ['.stack 4096'];
    await expectViolation(
      program(['sub esp, 8', 'nop', 'add esp, 8', 'xor eax, eax', 'ret'], [], head),
      program(['sub esp, 8200', 'nop', 'add esp, 8200', 'xor eax, eax', 'ret'], [], head),
      /nop: ESP within the program's stack/,
    );
  });

  test('an instruction the checker never reached', async () => {
    await expectViolation(
      program(['xor eax, eax', 'ret', '.dead:', '        ret']),
      program(['xor eax, eax', 'jmp .dead', '.dead:', '        ret']),
      /ret: the checker never reached this instruction/,
      // The checker refuses unreachable code (E_UNREACHABLE): this is a checker that overlooked it.
      ['E_UNREACHABLE'],
    );
  });

  test('the same programs with their own claims validate (the forgeries above are what fails)', async () => {
    const a = program([
      'newarray ecx, word, 4',
      'mov dword [ecx], 9',
      'push 7',
      'nop',
      'pop eax',
      'mov eax, 4',
      'cmp eax, 5',
      'jb .x',
      '.x:',
      '        xor eax, eax',
      'ret',
    ]);
    const r = await forged(a, a);
    assert.equal(r.status, 0, r.message);
  });
});

// Layout of an assembled image (data section, symbols, imports, line table,
// addresses, digest) and the program-level diagnostics.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Program } from '../../tal/ast.js';
import { assemble } from '../../tal/asm/assemble.js';
import { block, bytes, ins, malloc, newarray, program, resolveImport, words } from './build.js';
import { assembleOk, mixedProgram } from './samples.js';

describe('assembled image layout', () => {
  const p = mixedProgram();
  const image = assembleOk(p, 'the source');
  const sym = (name: string): number => image.symbols.find((s) => s.name === name)!.offset;
  const word = (off: number): number => new DataView(image.data.buffer).getUint32(off, true);

  it('data: runtime words, then arrays after their length word, tuples plain, 4-aligned', () => {
    assert.deepEqual([word(0), word(4)], [0, image.heapSize]);
    assert.deepEqual([sym('msg'), word(8)], [12, 3]);
    assert.equal(new TextDecoder().decode(image.data.subarray(12, 15)), 'odd');
    assert.equal(image.data[15], 0);
    assert.deepEqual([sym('table'), word(16)], [20, 3]);
    assert.deepEqual([word(20), word(24), word(28)], [1, 0xffffffff, 0x7fffffff]);
    assert.deepEqual([sym('pair'), word(32), word(36)], [32, 3, 4]);
    assert.deepEqual([sym('empty'), word(40)], [44, 0]);
    assert.deepEqual([sym('<stack_limit>'), word(44)], [44, 0]); // the prologue sets it
    assert.deepEqual([sym('<stack_message>'), word(48)], [52, 21]);
    assert.equal(new TextDecoder().decode(image.data.subarray(52, 73)), 'tal: stack exhausted\n');
    assert.deepEqual([sym('<heap_message>'), word(76)], [80, 20]);
    assert.equal(new TextDecoder().decode(image.data.subarray(80, 100)), 'tal: heap exhausted\n');
    assert.equal(image.data.length, 100);
  });

  it('relocates the runtime words to the heap', () => {
    assert.deepEqual(
      image.relocs.filter((x) => x.section === 'data'),
      [
        { kind: 'abs32', section: 'data', offset: 0, target: 'heap' },
        { kind: 'abs32', section: 'data', offset: 4, target: 'heap' },
      ],
    );
  });

  it('imports the program’s syscalls in order, then the runtime’s missing ones', () => {
    assert.deepEqual(image.imports, [
      { nr: 20, name: 'getpid' },
      { nr: 4, name: 'write' },
      { nr: 252, name: 'exit_group' },
    ]);
  });

  it('starts with the prologue; the line table covers every instruction, runtime as line 0', () => {
    assert.equal(image.entry, 0);
    assert.equal(sym('<prologue>'), 0);
    const offsets = image.lines.map((x) => x.codeOffset);
    assert.ok(offsets.every((o, k) => k === 0 || o > offsets[k - 1]!));
    const userLines = p.code.flatMap((b) => b.instrs.map((x) => x.loc.line));
    assert.deepEqual(
      image.lines.filter((x) => x.line !== 0).map((x) => x.line),
      userLines,
    );
    // A label starts with the stack guard (runtime, line 0: cmp esp, [<stack_limit>]; jb), then its first instruction.
    const atMain = image.lines.findIndex((x) => x.codeOffset === sym('main'));
    assert.deepEqual(
      image.lines.slice(atMain, atMain + 3).map((x) => x.line),
      [0, 0, userLines[0]],
    );
    assert.equal(image.lines[0]!.line, 0);
  });

  it('places code, data and heap on consecutive pages', () => {
    assert.equal(image.codeVaddr, 0x08048000);
    assert.equal(image.dataVaddr, 0x08048000 + Math.ceil(image.code.length / 4096) * 4096);
    assert.equal(image.heapVaddr, image.dataVaddr + 4096);
    const moved = assemble(p, '', { resolveImport, codeVaddr: 0x10000000 }).image!;
    assert.equal(moved.codeVaddr, 0x10000000);
    assert.deepEqual(moved.code, image.code, 'code is section-relative');
  });

  it('digest = SHA-256("talc-1\\0" ‖ source)', () => {
    assert.deepEqual(Buffer.from(image.digest), createHash('sha256').update('talc-1\0the source').digest());
  });

  it('rounds heap and stack up to pages (the stack to at least one)', () => {
    const img = assembleOk({ ...p, heapSize: 5000, stackSize: 0 });
    assert.deepEqual([img.heapSize, img.stackSize], [8192, 4096]);
  });

  it('is deterministic', () => {
    const again = assembleOk(mixedProgram(), 'the source');
    assert.deepEqual(again.code.length, image.code.length);
    assert.deepEqual(again.data, image.data);
  });
});

describe('program-level diagnostics', () => {
  const main = (...extra: Program['code']): Program['code'] => [block('main', ins('ret')), ...extra];
  const cases: [string, string, Program, ((name: string) => number | undefined)?][] = [
    ['a label defined twice', 'E_ASM_DUPLICATE_LABEL', program({ code: main(block('main', ins('ret'))) })],
    ['a code label that is also data', 'E_ASM_DUPLICATE_LABEL', program({ data: [bytes('buf', 'x')], code: main(block('buf', ins('ret'))) })],
    ['a label named like a runtime import', 'E_ASM_DUPLICATE_LABEL', program({ code: main(block('write', ins('ret'))) })],
    ['an unknown import', 'E_ASM_UNKNOWN_IMPORT', program({ imports: ['frobnicate'], code: main() })],
    ['a forbidden syscall', 'E_ASM_UNKNOWN_IMPORT', program({ imports: ['fork'], code: main() })],
    [
      'the same syscall under two names',
      'E_ASM_DUPLICATE_IMPORT',
      program({ imports: ['write', 'write2'], code: main() }),
      (n) => (n.startsWith('write') ? 4 : n === 'exit_group' ? 252 : undefined),
    ],
    [
      'an import name that does not fit the table',
      'E_ASM_IMPORT_NAME',
      program({ imports: ['a_very_long_system_call_name_x'], code: main() }),
      (n) => n.length,
    ],
    [
      '65 imports',
      'E_ASM_TOO_MANY_IMPORTS',
      program({ imports: Array.from({ length: 64 }, (_, k) => `sys${k}`), code: main() }),
      (n) => (n.startsWith('sys') ? 1000 + Number(n.slice(3)) : resolveImport(n)),
    ],
    ['a missing entry label', 'E_ASM_NO_ENTRY', program({ code: [block('start', ins('ret'))] })],
    ['an entry label that is data', 'E_ASM_NO_ENTRY', program({ entry: 'buf', data: [bytes('buf', 'x')], code: main() })],
    ['a heap above 64 MiB', 'E_ASM_HEAP_SIZE', program({ heapSize: (64 << 20) + 1, code: main() })],
    ['a stack above 1 MiB', 'E_ASM_STACK_SIZE', program({ stackSize: (1 << 20) + 1, code: main() })],
    ['a data word beyond 32 bits', 'E_ASM_DATA_VALUE', program({ data: [words('w', [2 ** 32])], code: main() })],
    ['data above 4 MiB', 'E_ASM_TOO_LARGE', program({ data: [bytes('big', new Uint8Array(4 << 20))], code: main() })],
    ['malloc into esp', 'E_ASM_ALLOC_REGISTER', program({ code: [block('main', malloc('esp', 2), ins('ret'))] })],
    ['newarray into esp', 'E_ASM_ALLOC_REGISTER', program({ code: [block('main', newarray('esp', 'byte', 4), ins('ret'))] })],
    ['newarray whose length is its destination', 'E_ASM_ALLOC_REGISTER', program({ code: [block('main', newarray('ecx', 'word', 'ecx'), ins('ret'))] })],
    ['newarray with the length in esp', 'E_ASM_ALLOC_REGISTER', program({ code: [block('main', newarray('ecx', 'word', 'esp'), ins('ret'))] })],
    ['newarray longer than 64 MiB of words', 'E_ASM_ARRAY_LENGTH', program({ code: [block('main', newarray('eax', 'word', (16 << 20) + 1), ins('ret'))] })],
    ['newarray with a negative length', 'E_ASM_ARRAY_LENGTH', program({ code: [block('main', newarray('eax', 'byte', -1), ins('ret'))] })],
  ];
  for (const [name, code, p, resolver] of cases) {
    it(`${name} → ${code}`, () => {
      const res = assemble(p, '', { resolveImport: resolver ?? resolveImport });
      assert.equal(res.image, undefined);
      assert.deepEqual(
        res.diagnostics.map((d) => d.code),
        [code],
        JSON.stringify(res.diagnostics),
      );
      assert.ok(res.diagnostics[0]!.message.length > 0);
    });
  }

  it('points at the offending declaration', () => {
    const p = program({ imports: ['write', 'nosuch'], code: main() });
    const res = assemble(p, '', { resolveImport });
    assert.deepEqual([res.diagnostics[0]!.line, res.diagnostics[0]!.col], [p.imports[1]!.loc.line, p.imports[1]!.loc.col]);
    const dup = program({ code: [block('main', ins('ret')), block('main', ins('ret'))] });
    assert.equal(assemble(dup, '', { resolveImport }).diagnostics[0]!.line, dup.code[1]!.loc.line);
    const alloc = malloc('esp', 1);
    const res2 = assemble(program({ code: [block('main', alloc, ins('ret'))] }), '', { resolveImport });
    assert.deepEqual([res2.diagnostics[0]!.line, res2.diagnostics[0]!.instruction], [alloc.loc.line, alloc.text]);
  });
});

// Disassembly listings: instructions, source lines from the line table, and relocation annotations.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disassemble, disassembleTalo, formatDisassembly } from '../../tal/asm/disasm.js';
import { writeTalo } from '../../tal/asm/talo.js';
import { helloProgram, assembleOk } from './samples.js';

describe('disassembler', () => {
  const p = helloProgram(3);
  const main = p.code[0]!.instrs;
  const lineOf = (k: number): number => main[k]!.loc.line;
  const image = assembleOk(p);

  it('lists the program with source lines and the runtime with line 0', () => {
    const res = disassembleTalo(writeTalo(image));
    assert.ok(res.ok);
    const user = res.lines.filter((l) => l.line !== 0);
    assert.deepEqual(
      user.map((l) => [l.line, l.text]),
      [
        [lineOf(0), 'mov ebx, 1'],
        [lineOf(1), 'mov ecx, 0xc'],
        [lineOf(2), 'mov edx, [8]'],
        [lineOf(3), 'call write'],
        [lineOf(4), 'mov eax, 3'],
        [lineOf(5), 'ret'],
      ],
    );
    assert.equal(res.lines[0]!.offset, image.entry);
    assert.equal(res.lines[0]!.line, 0);
    assert.equal(res.lines[0]!.address, image.codeVaddr + image.entry);
    assert.ok(res.lines.filter((l) => l.line === 0).length > 20, 'runtime instructions are listed');
  });

  it('annotates import calls and absolute addresses', () => {
    const res = disassembleTalo(writeTalo(image));
    assert.ok(res.ok);
    const byLine = new Map(res.lines.map((l) => [l.line, l]));
    assert.equal(byLine.get(lineOf(3))!.annotation, 'import write (nr 4)');
    assert.equal(byLine.get(lineOf(3))!.bytes, 'e800000000');
    assert.equal(byLine.get(lineOf(1))!.annotation, 'data+0xc');
    assert.equal(byLine.get(lineOf(1))!.bytes, 'b90c000000');
  });

  it('names labels and branch targets when the symbol table is known', () => {
    const lines = disassemble(image, image.symbols);
    const main = lines.findIndex((l) => l.labels?.includes('main'));
    assert.match(lines[main]!.text, /^cmp esp, /, 'a label starts with the stack guard');
    assert.equal(lines[main]!.annotation, 'data <stack_limit>');
    assert.equal(lines[main + 2]!.line, lineOf(0));
    const ecx = lines.find((l) => l.line === lineOf(1))!;
    assert.equal(ecx.annotation, 'data msg');
    const edx = lines.find((l) => l.line === lineOf(2))!;
    assert.equal(edx.annotation, 'data msg-4');
    const callMain = lines.find((l) => l.line === 0 && l.text.startsWith('call') && l.annotation === '→ main');
    assert.ok(callMain, 'the prologue calls main');
  });

  it('formats a listing with the source text of each line', () => {
    const source = Array.from({ length: lineOf(5) }, (_, k) => `source line ${k + 1}`).join('\n');
    const text = formatDisassembly(disassemble(image, image.symbols), source);
    assert.match(text, /^<prologue>:\n00000000 {2}8d94240080ffff +lea edx, \[esp-0x8000\] +; runtime$/m);
    assert.match(text, /^main:\n[0-9a-f]{8} {2}3b25[0-9a-f]{8} +cmp esp, \[0x[0-9a-f]+\] +; runtime; data <stack_limit>$/m);
    assert.match(text, new RegExp(`^[0-9a-f]{8}  bb01000000 +mov ebx, 1 +; line ${lineOf(0)}: source line ${lineOf(0)}$`, 'm'));
    assert.match(text, new RegExp(`call write +; line ${lineOf(3)}: source line ${lineOf(3)}; import write \\(nr 4\\)$`, 'm'));
  });

  it('refuses a corrupt file with the reader’s error', () => {
    const bad = writeTalo(image);
    bad[0] = 0;
    const res = disassembleTalo(bad);
    assert.ok(!res.ok && res.error.code === 'TALO_BAD_MAGIC');
  });
});

// Small hand-built programs shared by the assembler tests.

import assert from 'node:assert/strict';
import type { Program } from '../../tal/ast.js';
import { assemble } from '../../tal/asm/assemble.js';
import type { AssembledImage } from '../../tal/asm/image.js';
import { block, bytes, i, ins, l, m, malloc, newarray, program, r, resolveImport, tuple, words } from './build.js';

export function assembleOk(p: Program, source = 'source text'): AssembledImage {
  const res = assemble(p, source, { resolveImport });
  assert.deepEqual(res.diagnostics, []);
  return res.image!;
}

export const HELLO_TEXT = 'hello, world\n';

/** write(1, msg, len); return 0 — the prologue turns main's EAX into the exit status. */
export function helloProgram(status = 0): Program {
  return program({
    imports: ['write'],
    data: [bytes('msg', HELLO_TEXT)],
    code: [
      block(
        'main',
        ins('mov', r('ebx'), i(1)),
        ins('mov', r('ecx'), l('msg')),
        ins('mov', r('edx'), m({ label: 'msg', disp: -4, size: 4 })),
        ins('call', l('write')),
        ins('mov', r('eax'), i(status)),
        ins('ret'),
      ),
    ],
  });
}

/**
 * Prints argv[1] and a newline (exit 2 without an argument). Copies the argument into a
 * new byte array one longer (newarray with a register length), and passes the pointer and
 * length to write through a heap tuple (malloc).
 */
export function echoArgProgram(heapSize = 65536): Program {
  return program({
    imports: ['write'],
    heapSize,
    code: [
      block(
        'main',
        ins('mov', r('esi'), r('ebx')),
        ins('cmp', m({ base: 'esi', disp: -4, size: 4 }), i(2)),
        ins('jb', l('usage')),
        ins('mov', r('edi'), m({ base: 'esi', disp: 4 })),
        ins('mov', r('ecx'), m({ base: 'edi', disp: -4 })),
        ins('lea', r('eax'), m({ base: 'ecx', disp: 1 })),
        newarray('ebx', 'byte', 'eax'),
        ins('xor', r('edx'), r('edx')),
      ),
      block(
        'copy',
        ins('cmp', r('edx'), r('ecx')),
        ins('jae', l('copied')),
        ins('mov', r('al'), m({ base: 'edi', index: 'edx' })),
        ins('mov', m({ base: 'ebx', index: 'edx' }), r('al')),
        ins('inc', r('edx')),
        ins('jmp', l('copy')),
      ),
      block(
        'copied',
        ins('mov', m({ base: 'ebx', index: 'ecx', size: 1 }), i(10)),
        malloc('eax', 2),
        ins('mov', m({ base: 'eax' }), r('ebx')),
        ins('mov', m({ base: 'eax', disp: 4 }), r('ecx')),
        ins('inc', m({ base: 'eax', disp: 4, size: 4 })),
        ins('mov', r('ecx'), m({ base: 'eax' })),
        ins('mov', r('edx'), m({ base: 'eax', disp: 4 })),
        ins('mov', r('ebx'), i(1)),
        ins('call', l('write')),
        ins('xor', r('eax'), r('eax')),
        ins('ret'),
      ),
      block('usage', ins('mov', r('eax'), i(2)), ins('ret')),
    ],
  });
}

/** Allocates 16-byte tuples until the heap runs out. */
export function exhaustProgram(): Program {
  return program({ heapSize: 4096, code: [block('main', malloc('eax', 4), ins('jmp', l('main')))] });
}

/**
 * newarray word 100, byte 37 (odd length) and a tuple: sums every element of the
 * new arrays and the array's length word; exits with (sum + 100) — 100 iff the heap reads as zeros.
 */
export function zeroedProgram(): Program {
  return program({
    code: [
      block(
        'main',
        newarray('esi', 'word', 100),
        newarray('edi', 'byte', 37),
        malloc('ebp', 3),
        ins('xor', r('eax'), r('eax')),
        ins('xor', r('ecx'), r('ecx')),
      ),
      block(
        'words',
        ins('add', r('eax'), m({ base: 'esi', index: 'ecx', scale: 4 })),
        ins('inc', r('ecx')),
        ins('cmp', r('ecx'), m({ base: 'esi', disp: -4, size: 4 })),
        ins('jb', l('words')),
        ins('xor', r('ecx'), r('ecx')),
      ),
      block(
        'bytes',
        ins('movzx', r('edx'), m({ base: 'edi', index: 'ecx', size: 1 })),
        ins('add', r('eax'), r('edx')),
        ins('inc', r('ecx')),
        ins('cmp', r('ecx'), i(37)),
        ins('jb', l('bytes')),
      ),
      block(
        'done',
        ins('add', r('eax'), m({ base: 'ebp' })),
        ins('add', r('eax'), m({ base: 'ebp', disp: 8 })),
        ins('add', r('eax'), m({ base: 'esi', disp: -4 })),
        ins('ret'),
      ),
    ],
  });
}

/** A program with every kind of data item and a mix of code, for format tests. */
export function mixedProgram(): Program {
  return program({
    imports: ['getpid', 'write'],
    data: [bytes('msg', 'odd'), words('table', [1, -1, 0x7fffffff]), tuple('pair', [3, 4]), bytes('empty', new Uint8Array(0))],
    code: [
      block(
        'main',
        ins('call', l('getpid')),
        ins('mov', r('ecx'), l('table')),
        ins('mov', r('edx'), m({ label: 'pair', disp: 4 })),
        ins('push', l('helper')),
        ins('pop', r('eax')),
        ins('nop'),
      ),
      block('helper', ins('mov', r('eax'), i(0)), ins('ret')),
    ],
  });
}

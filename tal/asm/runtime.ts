// The trusted runtime every image carries (docs/talo.md, "Entry contract"):
// the prologue at the entry point and the heap-exhausted path. It is written
// as machine instructions and goes through the same encoder as the program;
// its line-table entries carry line 0.

import type { MachineInstr } from '../ast.js';
import { HEAP_END, HEAP_EXHAUSTED, HEAP_NEXT, InstrBuilder, imm, label, maxElements, mem, reg } from './pseudo.js';

export const PROLOGUE = '<prologue>';
export const HEAP_MESSAGE = '<heap_message>';
export const HEAP_MESSAGE_TEXT = 'tal: heap exhausted\n';
export const HEAP_EXHAUSTED_STATUS = 134;
export const STACK_LIMIT = '<stack_limit>';
export const STACK_EXHAUSTED = '<stack_exhausted>';
export const STACK_MESSAGE = '<stack_message>';
export const STACK_MESSAGE_TEXT = 'tal: stack exhausted\n';
export const STACK_EXHAUSTED_STATUS = 134;
/** The imports the runtime calls; every image has them. */
export const RUNTIME_IMPORTS = ['write', 'exit_group'] as const;

export interface RuntimeBlock {
  label: string;
  instrs: MachineInstr[];
}

const RUNTIME_LOC = { line: 0, col: 0 };

function block(name: string, body: (b: InstrBuilder) => void): RuntimeBlock {
  const b = new InstrBuilder(RUNTIME_LOC, `runtime ${name}`);
  body(b);
  return { label: name, instrs: b.out };
}

const ARGV_NEXT = '<argv_next>';
const STRLEN = '<strlen>';
const STRLEN_DONE = '<strlen_done>';
const COPY = '<copy>';
const COPY_DONE = '<copy_done>';
const ARGV_DONE = '<argv_done>';
const EXIT = '<exit>';
const EXHAUSTED_EXIT = '<heap_exhausted_exit>';

/**
 * The stack guard before every call of program code (not of imports): calls are
 * the only way a checked program's stack grows without bound (a function's own
 * frame is bounded by the checker: at most .stack bytes). Below the limit, the
 * program ends through the stack-exhausted path instead of running into the
 * guard page, which in ring 0 would be a double fault.
 */
export function stackCheck(loc: { line: number; col: number }, text: string): MachineInstr[] {
  const b = new InstrBuilder(loc, text);
  b.emit('cmp', reg('esp'), mem({ label: STACK_LIMIT, size: 4 }));
  b.emit('jb', label(STACK_EXHAUSTED));
  return b.out;
}

/**
 * Entry: EAX = &argc. Sets the stack limit to half of .stack below the entry
 * ESP — the other half is room for the deepest single frame below the last
 * checked call, since the checker bounds a frame by .stack. Then builds `words(argc, bytes)` in the heap (each argv string
 * copied into a byte array) and calls the program's entry label with it in EBX,
 * then exit_group(EAX). Registers: EBP = &argc, EDI = the argv array, ESI = i,
 * EBX = argv[i] (C string), ECX = its length, EDX = the new byte array.
 */
export function prologue(entryLabel: string, stackSize: number): RuntimeBlock[] {
  return [
    block(PROLOGUE, (b) => {
      b.emit('lea', reg('edx'), mem({ base: 'esp', disp: -Math.floor(stackSize / 2) }));
      b.emit('mov', mem({ label: STACK_LIMIT, size: 4 }), reg('edx'));
      b.emit('mov', reg('ebp'), reg('eax'));
      b.emit('mov', reg('ecx'), mem({ base: 'ebp', size: 4 }));
      b.emit('cmp', reg('ecx'), imm(maxElements(4)));
      b.emit('ja', label(HEAP_EXHAUSTED));
      b.emit('mov', reg('edi'), mem({ label: HEAP_NEXT, size: 4 }));
      b.emit('lea', reg('edx'), mem({ base: 'edi', index: 'ecx', scale: 4, disp: 4 }));
      b.emit('cmp', reg('edx'), mem({ label: HEAP_END, size: 4 }));
      b.emit('ja', label(HEAP_EXHAUSTED));
      b.emit('mov', mem({ label: HEAP_NEXT, size: 4 }), reg('edx'));
      b.emit('mov', mem({ base: 'edi', size: 4 }), reg('ecx'));
      b.emit('add', reg('edi'), imm(4));
      b.emit('xor', reg('esi'), reg('esi'));
    }),
    block(ARGV_NEXT, (b) => {
      b.emit('cmp', reg('esi'), mem({ base: 'ebp', size: 4 }));
      b.emit('jae', label(ARGV_DONE));
      b.emit('mov', reg('ebx'), mem({ base: 'ebp', index: 'esi', scale: 4, disp: 4, size: 4 }));
      b.emit('xor', reg('ecx'), reg('ecx'));
    }),
    block(STRLEN, (b) => {
      b.emit('cmp', mem({ base: 'ebx', index: 'ecx', size: 1 }), imm(0));
      b.emit('je', label(STRLEN_DONE));
      b.emit('inc', reg('ecx'));
      b.emit('jmp', label(STRLEN));
    }),
    block(STRLEN_DONE, (b) => {
      b.emit('cmp', reg('ecx'), imm(maxElements(1)));
      b.emit('ja', label(HEAP_EXHAUSTED));
      b.emit('mov', reg('edx'), mem({ label: HEAP_NEXT, size: 4 }));
      b.emit('lea', reg('eax'), mem({ base: 'edx', index: 'ecx', disp: 7 }));
      b.emit('and', reg('eax'), imm(-4));
      b.emit('cmp', reg('eax'), mem({ label: HEAP_END, size: 4 }));
      b.emit('ja', label(HEAP_EXHAUSTED));
      b.emit('mov', mem({ label: HEAP_NEXT, size: 4 }), reg('eax'));
      b.emit('mov', mem({ base: 'edx', size: 4 }), reg('ecx'));
      b.emit('add', reg('edx'), imm(4));
      b.emit('mov', mem({ base: 'edi', index: 'esi', scale: 4, size: 4 }), reg('edx'));
    }),
    // Copies backwards; the length is < 2^31, so the sign flag ends the loop.
    block(COPY, (b) => {
      b.emit('dec', reg('ecx'));
      b.emit('js', label(COPY_DONE));
      b.emit('mov', reg('al'), mem({ base: 'ebx', index: 'ecx', size: 1 }));
      b.emit('mov', mem({ base: 'edx', index: 'ecx', size: 1 }), reg('al'));
      b.emit('jmp', label(COPY));
    }),
    block(COPY_DONE, (b) => {
      b.emit('inc', reg('esi'));
      b.emit('jmp', label(ARGV_NEXT));
    }),
    block(ARGV_DONE, (b) => {
      b.emit('mov', reg('ebx'), reg('edi'));
      b.emit('call', label(entryLabel));
      b.emit('mov', reg('ebx'), reg('eax'));
    }),
    // exit_group does not return; if a gate ever did, calling it again is the only safe move.
    block(EXIT, (b) => {
      b.emit('call', label('exit_group'));
      b.emit('jmp', label(EXIT));
    }),
  ];
}

/** write(2, "tal: stack exhausted\n", 21); exit_group(134). Reached from the check before any call. */
export function stackExhaustedPath(): RuntimeBlock[] {
  return [
    block(STACK_EXHAUSTED, (b) => {
      b.emit('mov', reg('ebx'), imm(2));
      b.emit('mov', reg('ecx'), label(STACK_MESSAGE));
      b.emit('mov', reg('edx'), imm(STACK_MESSAGE_TEXT.length));
      b.emit('call', label('write'));
      b.emit('mov', reg('ebx'), imm(STACK_EXHAUSTED_STATUS));
      b.emit('jmp', label(EXHAUSTED_EXIT));
    }),
  ];
}

/** write(2, "tal: heap exhausted\n", 20); exit_group(134). Reached by a jump from any allocation. */
export function heapExhaustedPath(): RuntimeBlock[] {
  return [
    block(HEAP_EXHAUSTED, (b) => {
      b.emit('mov', reg('ebx'), imm(2));
      b.emit('mov', reg('ecx'), label(HEAP_MESSAGE));
      b.emit('mov', reg('edx'), imm(HEAP_MESSAGE_TEXT.length));
      b.emit('call', label('write'));
      b.emit('mov', reg('ebx'), imm(HEAP_EXHAUSTED_STATUS));
    }),
    block(EXHAUSTED_EXIT, (b) => {
      b.emit('call', label('exit_group'));
      b.emit('jmp', label(EXHAUSTED_EXIT));
    }),
  ];
}

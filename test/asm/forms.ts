// Every instruction form the assembler supports: each mnemonic (aliases
// included) × operand shapes × registers, scales, displacement and immediate sizes.

import type { MachineInstr, MemOperand, Operand, Reg } from '../../tal/ast.js';
import { ins, i, l, m, r } from './build.js';
import { CONDITION_SUFFIXES } from './gnu.js';

export const R32: Reg[] = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
export const R16: Reg[] = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
export const R8: Reg[] = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const REGS: Record<8 | 16 | 32, Reg[]> = { 8: R8, 16: R16, 32: R32 };
const WIDTHS = [8, 16, 32] as const;

/** Addressing shapes: base only (incl. esp/ebp special cases), disp8/disp32, SIB with every scale, no base, absolute, label forms. */
export const ADDRESSES: Partial<Omit<MemOperand, 'kind' | 'size'>>[] = [
  { base: 'ebx' },
  { base: 'esp' },
  { base: 'ebp' },
  { base: 'eax', disp: 8 },
  { base: 'esi', disp: -8 },
  { base: 'edi', disp: 127 },
  { base: 'edx', disp: -128 },
  { base: 'ecx', disp: 128 },
  { base: 'ebx', disp: 0x1000 },
  { base: 'ebp', disp: -0x12345 },
  { base: 'esp', disp: 0x7fffffff },
  { base: 'ebx', index: 'ecx', scale: 1 },
  { base: 'edx', index: 'esi', scale: 2, disp: 4 },
  { base: 'ebp', index: 'edi', scale: 4 },
  { base: 'esp', index: 'eax', scale: 8, disp: -128 },
  { base: 'eax', index: 'ebp', scale: 4, disp: 0x400 },
  { index: 'ecx', scale: 4 },
  { index: 'ebp', scale: 2, disp: 0x100 },
  { index: 'eax', scale: 1, disp: -4 },
  { disp: 0x1234 },
  { disp: 0xfffffffc },
  { label: 'arr' },
  { label: 'arr', disp: -4 },
  { label: 'warr', base: 'ebx', index: 'ecx', scale: 4, disp: 8 },
  { label: 'warr', index: 'esi', scale: 4 },
  { label: 'tup', base: 'eax' },
];

const IMMEDIATES = [0, 1, 5, 127, 128, 255, -1, -128, -129, 0x7fff, 0x8000, 0xffff, -32768, 0x12345678, 0x7fffffff, -0x80000000, 0xffffffff];

function fits(v: number, w: number): boolean {
  return v >= -(2 ** (w - 1)) && v <= 2 ** w - 1;
}

const mem = (a: (typeof ADDRESSES)[number], size?: 1 | 2 | 4): MemOperand => (size === undefined ? m(a) : m({ ...a, size }));
const sizeOf = (w: 8 | 16 | 32): 1 | 2 | 4 => (w / 8) as 1 | 2 | 4;

/** Non-branch forms, as machine instructions on consecutive lines. */
export function dataForms(): MachineInstr[] {
  const out: MachineInstr[] = [];
  const add = (mn: string, ...ops: Operand[]): void => {
    out.push(ins(mn, ...ops));
  };
  const alu = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'mov'];
  for (const mn of alu) {
    for (const w of WIDTHS) {
      for (const a of REGS[w]) for (const b of REGS[w]) add(mn, r(a), r(b));
      REGS[w].forEach((reg, k) => {
        for (const [j, a] of ADDRESSES.entries()) {
          // size from the register alone, or also spelled out
          add(mn, r(reg), mem(a, (j + k) % 2 === 0 ? undefined : sizeOf(w)));
          add(mn, mem(a, (j + k) % 2 === 1 ? undefined : sizeOf(w)), r(reg));
        }
        for (const v of IMMEDIATES.filter((x) => fits(x, w))) add(mn, r(reg), i(v));
      });
      for (const a of ADDRESSES) for (const v of IMMEDIATES.filter((x) => fits(x, w))) add(mn, mem(a, sizeOf(w)), i(v));
    }
    for (const reg of R32) for (const name of ['arr', 'warr', 'main', 'back']) add(mn, r(reg), l(name));
    for (const a of ADDRESSES) add(mn, mem(a), l('arr'));
  }
  for (const w of WIDTHS) {
    for (const a of REGS[w]) for (const b of REGS[w]) {
      add('test', r(a), r(b));
      add('xchg', r(a), r(b));
    }
    for (const reg of REGS[w]) {
      for (const v of IMMEDIATES.filter((x) => fits(x, w))) add('test', r(reg), i(v));
      for (const a of ADDRESSES.slice(0, 8)) {
        add('test', mem(a), r(reg));
        add('test', r(reg), mem(a, sizeOf(w)));
        add('xchg', r(reg), mem(a));
        add('xchg', mem(a, sizeOf(w)), r(reg));
      }
    }
    for (const a of ADDRESSES) add('test', mem(a, sizeOf(w)), i(w === 8 ? 0x81 : -2));
  }
  for (const reg of R32) add('test', r(reg), l('arr'));
  for (const mn of ['movzx', 'movsx']) {
    for (const d of R32) for (const s of [...R8, ...R16]) add(mn, r(d), r(s));
    for (const d of R16) for (const s of R8) add(mn, r(d), r(s));
    for (const a of ADDRESSES) {
      add(mn, r('eax'), mem(a, 1));
      add(mn, r('edi'), mem(a, 2));
      add(mn, r('cx'), mem(a, 1));
    }
  }
  for (const reg of R32) for (const a of ADDRESSES) add('lea', r(reg), mem(a));
  for (const mn of ['inc', 'dec', 'neg', 'not', 'mul', 'div', 'idiv', 'imul']) {
    for (const w of WIDTHS) {
      for (const reg of REGS[w]) add(mn, r(reg));
      for (const a of ADDRESSES) add(mn, mem(a, sizeOf(w)));
    }
  }
  for (const w of [16, 32] as const) {
    for (const a of REGS[w]) for (const b of REGS[w]) add('imul', r(a), r(b));
    for (const reg of REGS[w]) {
      for (const a of ADDRESSES.slice(0, 10)) add('imul', r(reg), mem(a));
      for (const v of IMMEDIATES.filter((x) => fits(x, w))) {
        add('imul', r(reg), i(v));
        add('imul', r(reg), r(REGS[w][(REGS[w].indexOf(reg) + 3) % 8]!), i(v));
      }
      for (const a of ADDRESSES.slice(10, 20)) add('imul', r(reg), mem(a, sizeOf(w)), i(-3));
    }
  }
  for (const mn of ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sar']) {
    for (const w of WIDTHS) {
      for (const reg of REGS[w]) for (const c of [1, 0, 5, 31, 255]) add(mn, r(reg), i(c));
      for (const reg of REGS[w]) add(mn, r(reg), r('cl'));
      for (const a of ADDRESSES) {
        add(mn, mem(a, sizeOf(w)), i(1));
        add(mn, mem(a, sizeOf(w)), i(7));
        add(mn, mem(a, sizeOf(w)), r('cl'));
      }
    }
  }
  for (const mn of ['shld', 'shrd']) {
    for (const w of [16, 32] as const) {
      for (const a of REGS[w]) for (const b of REGS[w]) {
        add(mn, r(a), r(b), i(4));
        add(mn, r(a), r(b), r('cl'));
      }
      for (const a of ADDRESSES) {
        add(mn, mem(a), r(REGS[w][2]!), i(31));
        add(mn, mem(a, sizeOf(w)), r(REGS[w][6]!), r('cl'));
      }
    }
  }
  for (const reg of R32) {
    add('push', r(reg));
    add('pop', r(reg));
    add('bswap', r(reg));
    add('call', r(reg));
    add('jmp', r(reg));
  }
  for (const a of ADDRESSES) {
    add('push', mem(a));
    add('pop', mem(a, 4));
    add('call', mem(a));
    add('jmp', mem(a, 4));
  }
  for (const v of IMMEDIATES) add('push', i(v));
  for (const name of ['arr', 'main']) add('push', l(name));
  for (const cc of CONDITION_SUFFIXES) {
    for (const reg of R8) add(`set${cc}`, r(reg));
    for (const a of ADDRESSES.slice(0, 6)) add(`set${cc}`, mem(a, 1));
    add(`set${cc}`, mem(ADDRESSES[7]!));
    for (const w of [16, 32] as const) add(`cmov${cc}`, r(REGS[w][1]!), r(REGS[w][6]!));
    for (const a of ADDRESSES.slice(0, 6)) add(`cmov${cc}`, r('esi'), mem(a));
    add(`cmov${cc}`, r('di'), mem(ADDRESSES[3]!, 2));
  }
  for (const mn of ['cdq', 'cwde', 'cbw', 'cwd', 'nop', 'rdtsc', 'ret']) add(mn);
  for (const v of [0, 8, 0x7fff, 0xffff]) add('ret', i(v));
  return out;
}

/** Direct branches: every conditional alias to a near (backward) and a far (forward) label, loop/jecxz, calls. */
export function branchForms(back: string, far: string): MachineInstr[] {
  const out: MachineInstr[] = [ins('loop', l(back)), ins('jecxz', l(back)), ins('jmp', l(back))];
  for (const cc of CONDITION_SUFFIXES) out.push(ins(`j${cc}`, l(back)), ins(`j${cc}`, l(far)));
  out.push(ins('jmp', l(far)), ins('call', l(back)), ins('call', l(far)), ins('call', l('write')), ins('call', l('getpid')));
  return out;
}

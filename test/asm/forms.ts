// Instances of every row of the instruction table (tal/instructions.ts), generated from its
// operand kinds: several registers, every addressing shape for r/m operands (with the size
// spelled out and, where the form implies it, left out), boundary immediates. An instance is
// kept only when the classifier maps it back to the row it was generated from, so each row's
// instances are exactly that form (an earlier row that shadows a later one leaves it empty,
// which test/asm/instructions.test.ts refuses).

import type { MachineInstr, MemOperand, Operand, Reg } from '../../tal/ast.js';
import { classify } from '../../tal/classify.js';
import { FORMS, type Form, type OperandKind } from '../../tal/instructions.js';
import { ins, i, l, m, r } from './build.js';

export const R32: Reg[] = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
export const R16: Reg[] = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
export const R8: Reg[] = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];

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

/** Candidate operands for each operand kind (boundary values for immediates; labels are defined by the caller's program). */
export function candidates(k: OperandKind): Operand[] {
  const mems = (size?: 1 | 2 | 4): Operand[] => ADDRESSES.map((a) => m(size === undefined ? a : { ...a, size }));
  switch (k) {
    case 'r8':
      return R8.map(r);
    case 'r16':
      return R16.map(r);
    case 'r32':
      return R32.map(r);
    case 'r/m8':
      return [...R8.map(r), ...mems(1), ...mems()];
    case 'r/m32':
      return [...R32.map(r), ...mems(4), ...mems()];
    case 'm':
      return mems();
    case 'AL':
      return [r('al')];
    case 'AX':
      return [r('ax')];
    case 'EAX':
      return [r('eax')];
    case 'CL':
      return [r('cl')];
    case 'one':
      return [i(1)];
    case 'imm8':
      return [0, 1, 5, 127, 128, 255, -1, -128].map(i);
    case 'imm16':
      return [0, 128, 0x7fff, 0x8000, 0xffff, -1, -129, -32768].map(i);
    case 'imm32':
      return [...[0x12345678, 0x7fffffff, -0x80000000, 0xffffffff, 128, -129, 0x8000, 0xff80].map(i), l('arr'), l('warr'), l('main'), l('back')];
    case 'simm8':
      return [0, 1, 5, 127, -1, -128, 0xffff, 0xff80, 0xffffffff, 0xffffff80].map(i);
    case 'count8':
      return [0, 2, 5, 7, 31, 255].map(i);
    case 'uimm16':
      return [0, 8, 0x7fff, 0xffff].map(i);
    case 'rel8':
    case 'rel32':
    case 'rel':
      return [];
  }
}

function isBranch(f: Form): boolean {
  return f.operands.some((k) => k === 'rel' || k === 'rel8' || k === 'rel32');
}

/** Instances of one non-branch row: position p of instance j takes the (j + 3p)-th candidate, so registers vary across positions. */
export function instancesOf(f: Form): MachineInstr[] {
  const cands = f.operands.map(candidates);
  if (cands.some((c) => c.length === 0)) return []; // branch rows: branchForms places them
  const n = Math.max(1, ...cands.map((c) => c.length));
  const out: MachineInstr[] = [];
  const seen = new Set<string>();
  for (let j = 0; j < n; j++) {
    const ops = cands.map((c, p) => c[(j + 3 * p) % c.length]!);
    const x = ins(f.mnemonic, ...ops);
    const c = classify(x);
    const key = JSON.stringify(ops);
    if (c.ok && c.form === f && !seen.has(key)) {
      seen.add(key);
      out.push(x);
    }
  }
  return out;
}

/** Instances of every non-branch row, as machine instructions on consecutive lines. */
export function dataForms(): MachineInstr[] {
  return FORMS.filter((f) => !isBranch(f)).flatMap(instancesOf);
}

/** Direct branches of every branch row: to a near (backward) label and, where rel32 exists, a far (forward) one; calls also to imports. */
export function branchForms(back: string, far: string): MachineInstr[] {
  return FORMS.filter(isBranch).flatMap((f) => {
    const targets = f.operands[0] === 'rel8' ? [back] : f.mnemonic === 'call' ? [back, far, 'write', 'getpid'] : [back, far];
    return targets.map((t) => ins(f.mnemonic, l(t)));
  });
}

// Expansion of the allocating pseudo-instructions into trusted inline bump
// allocations against the runtime words heap_next/heap_end (docs/talo.md).
// The checker trusts these sequences: each returns fresh, zero-filled,
// 4-aligned memory inside the heap, or jumps to the heap-exhausted path, and
// clobbers only the destination register and the flags.

import type { MachineInstr, MemOperand, Operand, PseudoInstr, SourceLoc } from '../ast.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import type { Reg32 } from '../types.js';
import { tupleBytes } from '../types.js';
import { MAX_HEAP_SIZE } from './image.js';

/** Runtime symbols. `<` cannot start a TAL identifier, so these never clash with program labels. */
export const HEAP_NEXT = '<heap_next>';
export const HEAP_END = '<heap_end>';
export const HEAP_EXHAUSTED = '<heap_exhausted>';

export class PseudoError extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
  ) {
    super(message);
  }
}

/** Builds machine instructions that carry the pseudo-instruction's location and text. */
export class InstrBuilder {
  readonly out: MachineInstr[] = [];

  constructor(
    private readonly loc: SourceLoc,
    private readonly text: string,
  ) {}

  emit(mnemonic: string, ...operands: Operand[]): void {
    this.out.push({ kind: 'machine', mnemonic, operands, loc: this.loc, text: this.text });
  }
}

export const reg = (r: Reg32 | 'cl' | 'al'): Operand => ({ kind: 'reg', reg: r });
export const imm = (value: number): Operand => ({ kind: 'imm', value });
export const label = (name: string): Operand => ({ kind: 'label', name });
export function mem(parts: Partial<Omit<MemOperand, 'kind'>>): MemOperand {
  return { kind: 'mem', scale: 1, disp: 0, ...parts };
}

/** Largest element count whose payload stays within 64 MiB, so no size computation can overflow. */
export function maxElements(elemSize: 1 | 4): number {
  return MAX_HEAP_SIZE / elemSize;
}

/**
 * malloc r, T:  r = heap_next; heap_next += S, or jump to the heap-exhausted path.
 *   mov r,[heap_next]; add r,S; jc exh; cmp r,[heap_end]; ja exh; mov [heap_next],r; sub r,S
 */
function malloc(b: InstrBuilder, dst: Reg32, size: number): void {
  b.emit('mov', reg(dst), mem({ label: HEAP_NEXT, size: 4 }));
  b.emit('add', reg(dst), imm(size));
  b.emit('jc', label(HEAP_EXHAUSTED));
  b.emit('cmp', reg(dst), mem({ label: HEAP_END, size: 4 }));
  b.emit('ja', label(HEAP_EXHAUSTED));
  b.emit('mov', mem({ label: HEAP_NEXT, size: 4 }), reg(dst));
  b.emit('sub', reg(dst), imm(size));
}

/** newarray with a constant length: one allocation of the rounded size, then the length word. */
function newArrayConst(b: InstrBuilder, dst: Reg32, elemSize: 1 | 4, length: number): void {
  const bytes = Math.ceil((4 + length * elemSize) / 4) * 4;
  b.emit('mov', reg(dst), mem({ label: HEAP_NEXT, size: 4 }));
  b.emit('add', reg(dst), imm(bytes));
  b.emit('jc', label(HEAP_EXHAUSTED));
  b.emit('cmp', reg(dst), mem({ label: HEAP_END, size: 4 }));
  b.emit('ja', label(HEAP_EXHAUSTED));
  b.emit('mov', mem({ label: HEAP_NEXT, size: 4 }), reg(dst));
  b.emit('sub', reg(dst), imm(bytes - 4));
  b.emit('mov', mem({ base: dst, disp: -4, size: 4 }), imm(length));
}

/**
 * newarray with the length in register l (l ≤ MAX, checked first, so r + l*scale + 7
 * cannot wrap: heap addresses are below 0xB0000000). xchg hands back the old
 * heap_next without needing a scratch register.
 */
function newArrayReg(b: InstrBuilder, dst: Reg32, elemSize: 1 | 4, length: Reg32): void {
  b.emit('cmp', reg(length), imm(maxElements(elemSize)));
  b.emit('ja', label(HEAP_EXHAUSTED));
  b.emit('mov', reg(dst), mem({ label: HEAP_NEXT, size: 4 }));
  b.emit('lea', reg(dst), mem({ base: dst, index: length, scale: elemSize, disp: 7 }));
  b.emit('and', reg(dst), imm(-4));
  b.emit('cmp', reg(dst), mem({ label: HEAP_END, size: 4 }));
  b.emit('ja', label(HEAP_EXHAUSTED));
  b.emit('xchg', reg(dst), mem({ label: HEAP_NEXT, size: 4 }));
  b.emit('mov', mem({ base: dst, size: 4 }), reg(length));
  b.emit('add', reg(dst), imm(4));
}

/** The machine instructions a pseudo-instruction stands for (none for the type-only ones). */
export function expandPseudo(p: PseudoInstr): MachineInstr[] {
  const b = new InstrBuilder(p.loc, p.text);
  if (p.kind === 'malloc') {
    if (p.dst === 'esp') throw new PseudoError('E_ASM_ALLOC_REGISTER', 'malloc cannot allocate into esp');
    malloc(b, p.dst, tupleBytes(p.type));
  } else if (p.kind === 'newarray') {
    const elemSize = p.elem === 'byte' ? 1 : 4;
    if (p.dst === 'esp') throw new PseudoError('E_ASM_ALLOC_REGISTER', 'newarray cannot allocate into esp');
    if (p.length.kind === 'imm') {
      const n = p.length.value;
      if (!Number.isInteger(n) || n < 0 || n > maxElements(elemSize)) {
        throw new PseudoError('E_ASM_ARRAY_LENGTH', `array length ${n} is not in 0..${maxElements(elemSize)}`);
      }
      newArrayConst(b, p.dst, elemSize, n);
    } else {
      const l = p.length.reg;
      if (l === p.dst) throw new PseudoError('E_ASM_ALLOC_REGISTER', `the length register ${l} cannot also be the destination`);
      if (l === 'esp') throw new PseudoError('E_ASM_ALLOC_REGISTER', 'the length cannot be in esp');
      newArrayReg(b, p.dst, elemSize, l);
    }
  }
  return b.out;
}

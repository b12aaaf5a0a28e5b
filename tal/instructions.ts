// The instruction table: every mnemonic TAL checks and assembles, with what it reads and
// writes. The checker refuses a mnemonic that is not here (E_UNSUPPORTED) and the encoder's
// list of mnemonics must be exactly these (test/asm/instructions.test.ts); the list in
// docs/tal.md, "Instructions", is tested against it, and so is the reject corpus: for every
// form with a memory operand that writes a register, a case where that register is also in
// the address (test/check/forms.test.ts).

import { CONDITIONS } from './conditions.js';
import type { Reg32 } from './types.js';

export interface InstrSpec {
  /** The group it is listed under in docs/tal.md. */
  group: 'data' | 'arithmetic' | 'compare' | 'control' | 'other';
  /** Numbers of explicit operands it takes. */
  arity: readonly number[];
  /** Explicit operands it writes, by position (0 = the first). */
  writes: readonly number[];
  /** Whether an explicit operand may be memory. */
  memory: boolean;
  /** Registers it reads or writes without naming them (ESP: the stack). */
  implicitReads: readonly Reg32[];
  implicitWrites: readonly Reg32[];
  /** What it does to the flags. */
  flags: 'write' | 'read' | 'keep' | 'read-write';
}

function spec(group: InstrSpec['group'], arity: number[], writes: number[], memory: boolean, flags: InstrSpec['flags'], implicitReads: Reg32[] = [], implicitWrites: Reg32[] = []): InstrSpec {
  return { group, arity, writes, memory, implicitReads, implicitWrites, flags };
}

const ALU = spec('arithmetic', [2], [0], true, 'write');
const CARRY = spec('arithmetic', [2], [0], true, 'read-write');
const SHIFT = spec('arithmetic', [2], [0], true, 'write', []);
const UNARY = spec('arithmetic', [1], [0], true, 'write');
const WIDE = spec('arithmetic', [1], [], true, 'write', ['eax'], ['eax', 'edx']);
const DIVIDE = spec('arithmetic', [1], [], true, 'write', ['eax', 'edx'], ['eax', 'edx']);

const BASE: Record<string, InstrSpec> = {
  mov: spec('data', [2], [0], true, 'keep'),
  movzx: spec('data', [2], [0], true, 'keep'),
  movsx: spec('data', [2], [0], true, 'keep'),
  lea: spec('data', [2], [0], true, 'keep'),
  xchg: spec('data', [2], [0, 1], true, 'keep'),
  push: spec('data', [1], [], true, 'keep', ['esp'], ['esp']),
  pop: spec('data', [1], [0], false, 'keep', ['esp'], ['esp']),
  cdq: spec('data', [0], [], false, 'keep', ['eax'], ['edx']),
  cwd: spec('data', [0], [], false, 'keep', ['eax'], ['edx']),
  cwde: spec('data', [0], [], false, 'keep', ['eax'], ['eax']),
  cbw: spec('data', [0], [], false, 'keep', ['eax'], ['eax']),
  add: ALU, sub: ALU, and: ALU, or: ALU, xor: ALU,
  adc: CARRY, sbb: CARRY,
  shl: SHIFT, shr: SHIFT, sar: SHIFT, rol: SHIFT, ror: SHIFT,
  rcl: { ...SHIFT, flags: 'read-write' }, rcr: { ...SHIFT, flags: 'read-write' },
  shld: spec('arithmetic', [3], [0], true, 'write'),
  shrd: spec('arithmetic', [3], [0], true, 'write'),
  inc: UNARY, dec: UNARY, neg: UNARY, not: { ...UNARY, flags: 'keep' },
  imul: spec('arithmetic', [1, 2, 3], [0], true, 'write', ['eax'], ['eax', 'edx']),
  mul: WIDE, div: DIVIDE, idiv: DIVIDE,
  bswap: spec('arithmetic', [1], [0], false, 'keep'),
  cmp: spec('compare', [2], [], true, 'write'),
  test: spec('compare', [2], [], true, 'write'),
  jmp: spec('control', [1], [], true, 'keep'),
  call: spec('control', [1], [], true, 'write', ['esp'], ['esp', 'eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp']),
  ret: spec('control', [0, 1], [], false, 'write', ['esp'], ['esp']),
  loop: spec('control', [1], [], false, 'keep', ['ecx'], ['ecx']),
  jecxz: spec('control', [1], [], false, 'keep', ['ecx']),
  nop: spec('other', [0], [], false, 'keep'),
  rdtsc: spec('other', [0], [], false, 'keep', [], ['eax', 'edx']),
};

/** Every mnemonic, the condition families (jcc, setcc, cmovcc) written out with every alias. */
export const INSTRUCTIONS: Readonly<Record<string, InstrSpec>> = {
  ...BASE,
  ...Object.fromEntries(Object.keys(CONDITIONS).flatMap((cc) => [
    [`j${cc}`, spec('control', [1], [], false, 'read')],
    [`set${cc}`, spec('arithmetic', [1], [0], true, 'read')],
    [`cmov${cc}`, spec('arithmetic', [2], [0], true, 'read')],
  ])),
};

export function instructionSpec(mnemonic: string): InstrSpec | undefined {
  return Object.hasOwn(INSTRUCTIONS, mnemonic) ? INSTRUCTIONS[mnemonic] : undefined;
}

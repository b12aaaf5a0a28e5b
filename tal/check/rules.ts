// Which rule checks which mnemonic, and which mnemonics are rejected outright.

import type { MachineInstr } from '../ast.js';
import { fail } from './errors.js';
import { operandSize } from './operands.js';
import { binary, bswap, cmovcc, cmp, doubleShift, multiply, setcc, shift, test, unary } from './rules-arith.js';
import { conditionOf } from '../conditions.js';
import { instructionSpec } from '../instructions.js';
import { call, jcc, jecxz, jmp, loop, ret } from './rules-control.js';
import { lea, mov, movExtend, nop, pop, push, rdtsc, signExtend, xchg } from './rules-data.js';
import type { Rule } from './rule.js';

const RULES: Record<string, Rule> = {
  mov,
  movzx: movExtend,
  movsx: movExtend,
  lea,
  xchg,
  push,
  pop,
  cdq: signExtend,
  cwd: signExtend,
  cwde: signExtend,
  cbw: signExtend,
  nop,
  rdtsc,
  add: binary,
  sub: binary,
  and: binary,
  or: binary,
  xor: binary,
  adc: binary,
  sbb: binary,
  shl: shift,
  shr: shift,
  sar: shift,
  rol: shift,
  ror: shift,
  rcl: shift,
  rcr: shift,
  shld: doubleShift,
  shrd: doubleShift,
  inc: unary,
  dec: unary,
  neg: unary,
  not: unary,
  cmp,
  test,
  imul: multiply,
  mul: multiply,
  div: multiply,
  idiv: multiply,
  bswap,
  jmp,
  call,
  ret,
  loop,
  jecxz,
};

/** Instructions that would let a ring-0 program escape the type system or control the machine. */
const PRIVILEGED: Record<string, string> = {
  int: 'traps into the kernel; TAL code calls typed imports instead',
  int1: 'raises a debug trap',
  int3: 'raises a breakpoint trap',
  into: 'raises an overflow trap',
  syscall: 'traps into the kernel; TAL code calls typed imports instead',
  sysenter: 'traps into the kernel; TAL code calls typed imports instead',
  sysexit: 'returns from the kernel to user mode',
  sysret: 'returns from the kernel to user mode',
  iret: 'returns from an interrupt with an arbitrary frame',
  iretd: 'returns from an interrupt with an arbitrary frame',
  cli: 'disables interrupts',
  sti: 'enables interrupts',
  hlt: 'halts the processor',
  in: 'reads an I/O port',
  out: 'writes an I/O port',
  insb: 'reads an I/O port',
  insw: 'reads an I/O port',
  insd: 'reads an I/O port',
  outsb: 'writes an I/O port',
  outsw: 'writes an I/O port',
  outsd: 'writes an I/O port',
  lgdt: 'loads the descriptor tables',
  lidt: 'loads the interrupt table',
  lldt: 'loads the descriptor tables',
  ltr: 'loads the task register',
  lmsw: 'writes a control register',
  clts: 'writes a control register',
  invlpg: 'flushes the TLB',
  invd: 'discards caches',
  wbinvd: 'flushes caches',
  rdmsr: 'reads a model-specific register',
  wrmsr: 'writes a model-specific register',
  popf: 'can change the interrupt flag and I/O privilege level',
  popfd: 'can change the interrupt flag and I/O privilege level',
  lds: 'loads a segment register',
  les: 'loads a segment register',
  lfs: 'loads a segment register',
  lgs: 'loads a segment register',
  lss: 'loads a segment register',
  swapgs: 'swaps the kernel GS base',
};

const UNSUPPORTED_HINTS: Record<string, string> = {
  enter: 'build the frame with push and sub esp, 4k',
  sal: 'write shl, the same instruction',
  leave: 'pop the frame with add esp, 4k and pop',
  movsb: 'copy in a loop with a bounds-checked index',
  movsd: 'copy in a loop with a bounds-checked index',
  stosb: 'store in a loop with a bounds-checked index',
  stosd: 'store in a loop with a bounds-checked index',
  lodsb: 'load in a loop with a bounds-checked index',
  pushad: 'push the registers you need one by one',
  popad: 'pop the registers you need one by one',
};

/** Registers outside the general-purpose file: writing them is privileged, reading them is useless to TAL. */
const SYSTEM_REGISTER = /^(cr[0-8]|dr[0-7]|[cdefgs]s)$/i;

export function ruleFor(ins: MachineInstr): Rule {
  const m = ins.mnemonic;
  const why = PRIVILEGED[m];
  if (why !== undefined) fail('E_PRIVILEGED', `'${m}' is not allowed in TAL: it ${why}`);
  for (const op of ins.operands) {
    if (op.kind === 'label' && SYSTEM_REGISTER.test(op.name)) fail('E_PRIVILEGED', `'${op.name}' is a system register; TAL code cannot touch it`);
  }
  // The instruction table (tal/instructions.ts) is what the assembler encodes too: nothing outside it is checked.
  const spec = instructionSpec(m);
  const rule = spec === undefined ? undefined : (RULES[m] ?? (conditionOf(m, 'j') !== undefined ? jcc : conditionOf(m, 'set') !== undefined ? setcc : conditionOf(m, 'cmov') !== undefined ? cmovcc : undefined));
  if (spec === undefined || rule === undefined) {
    const hint = UNSUPPORTED_HINTS[m];
    return fail('E_UNSUPPORTED', `'${m}' is not an instruction TAL checks`, hint !== undefined ? { hint } : { hint: 'see docs/tal.md, "Instructions"' });
  }
  if (!spec.arity.includes(ins.operands.length)) fail('E_OPERANDS', `${m} takes ${spec.arity.join(' or ')} operand(s), found ${ins.operands.length}`);
  if (!spec.memory && ins.operands.some((op) => op.kind === 'mem')) fail('E_OPERAND', `${m} takes no memory operand`);
  immediatesFit(ins);
  return rule;
}

/** Counts that the CPU reads as one byte (shifts, rotates) or one word (ret n), whatever the other operand. */
const COUNT_BYTES: Readonly<Record<string, 1 | 2>> = { shl: 1, shr: 1, sar: 1, rol: 1, ror: 1, rcl: 1, rcr: 1, shld: 1, shrd: 1, ret: 2 };

/**
 * Every immediate fits the bytes it is encoded in — a count's own width, else the size of the
 * operand it goes with (a dword when none says otherwise) — so an accepted program never reaches
 * the assembler with one it cannot encode (the state-embedding soak found `mov byte [m], 4294967295`).
 */
function immediatesFit(ins: MachineInstr): void {
  const count = COUNT_BYTES[ins.mnemonic];
  for (const op of ins.operands) {
    if (op.kind !== 'imm') continue;
    if (count !== undefined) {
      if (!Number.isInteger(op.value) || op.value < 0 || op.value >= 2 ** (8 * count)) fail('E_OPERAND', `the count ${op.value} does not fit in ${8 * count} bits`);
      continue;
    }
    const bytes = ins.operands.map(operandSize).find((w) => w !== undefined) ?? 4;
    const bits = 8 * bytes;
    if (!Number.isInteger(op.value) || op.value < -(2 ** (bits - 1)) || op.value > 2 ** bits - 1) fail('E_OPERAND', `the immediate ${op.value} does not fit in ${bits} bits`);
  }
}

/** Whether the checker has a rule for a mnemonic of the instruction table (every one must). */
export function hasRule(m: string): boolean {
  return Object.hasOwn(RULES, m) || conditionOf(m, 'j') !== undefined || conditionOf(m, 'set') !== undefined || conditionOf(m, 'cmov') !== undefined;
}

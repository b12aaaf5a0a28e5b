// Which judgment types each form of the instruction table, and which mnemonics are refused outright.

import type { MachineInstr } from '../ast.js';
import { classify, type Unclassified } from '../classify.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import type { Form, RuleName } from '../instructions.js';
import { conditionOf } from '../conditions.js';
import { fail } from './errors.js';
import { parentReg } from './operands.js';
import { binary, bswap, cmovcc, cmp, doubleShift, multiply, setcc, shift, test, unary } from './rules-arith.js';
import { call, jcc, jecxz, jmp, loop, ret } from './rules-control.js';
import { lea, mov, movExtend, nop, pop, push, rdtsc, signExtend, xchg } from './rules-data.js';
import type { Rule } from './rule.js';

/** The judgment of each rule name the instruction table refers to (a Record: none can be missing). */
export const RULES: Readonly<Record<RuleName, Rule>> = {
  mov,
  movExtend,
  lea,
  xchg,
  push,
  pop,
  signExtend,
  nop,
  rdtsc,
  binary,
  shift,
  doubleShift,
  unary,
  cmp,
  test,
  multiply,
  bswap,
  jmp,
  call,
  ret,
  loop,
  jecxz,
  jcc,
  setcc,
  cmovcc,
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

const UNCLASSIFIED: Readonly<Record<Unclassified['why'], DiagnosticCode>> = {
  mnemonic: 'E_UNSUPPORTED',
  arity: 'E_OPERANDS',
  size: 'E_OPERAND',
  range: 'E_OPERAND',
  form: 'E_UNSUPPORTED',
};

/**
 * A form outside the table that is also one of the escapes the checker names on its own — part of
 * ESP as a value, a jump to an absolute address — is reported as that, the more telling reason.
 */
function refineMissingForm(ins: MachineInstr): void {
  for (const op of ins.operands) {
    if (op.kind === 'reg' && op.reg !== 'esp' && parentReg(op.reg) === 'esp')
      fail('E_STACK_ALIAS', `${op.reg.toUpperCase()} (part of ESP) cannot be copied or used as a value`, { hint: 'reach the stack through [esp + 4*k]' });
  }
  const control = ins.mnemonic === 'jmp' || ins.mnemonic === 'call' || conditionOf(ins.mnemonic, 'j') !== undefined;
  if (control && ins.operands[0]?.kind === 'imm') fail('E_JUMP_TARGET', `${ins.mnemonic} to an absolute address is not allowed`, { hint: 'jump to a label' });
}

/**
 * The instruction's row of the instruction table (the form the assembler encodes), the rule that
 * types it, and the instruction as the row encodes it (memory sizes spelled out): the one to check.
 */
export function ruleFor(ins: MachineInstr): { form: Form; rule: Rule; ins: MachineInstr } {
  const m = ins.mnemonic;
  const why = PRIVILEGED[m];
  if (why !== undefined) fail('E_PRIVILEGED', `'${m}' is not allowed in TAL: it ${why}`);
  for (const op of ins.operands) {
    if (op.kind === 'label' && SYSTEM_REGISTER.test(op.name)) fail('E_PRIVILEGED', `'${op.name}' is a system register; TAL code cannot touch it`);
  }
  // The instruction table (tal/instructions.ts) is what the assembler encodes too: nothing outside it is checked.
  const c = classify(ins);
  if (!c.ok) {
    if (c.why === 'form') refineMissingForm(ins);
    const hint =
      c.why === 'mnemonic'
        ? (UNSUPPORTED_HINTS[m] ?? 'see docs/tal.md, "Instructions"')
        : c.why === 'size'
          ? 'write byte [...], word [...] or dword [...]'
          : 'see docs/tal.md, "Instructions", for the forms TAL checks';
    return fail(UNCLASSIFIED[c.why], c.message, { hint });
  }
  return { form: c.form, rule: RULES[c.form.rule], ins: c.ins };
}

// Rules for arithmetic, logic and comparison. Results are integers; constants
// fold; `and` with a constant and `shr` bound the result (useful as array indices).
// `add esp, 4k` / `sub esp, 4k` pop and push stack slots.

import type { MachineInstr, Operand } from '../ast.js';
import type { WordType } from '../types.js';
import { fail } from './errors.js';
import { isReg32, operandSize, readOperand, refuseEspWrite, regType, writeOperand } from './operands.js';
import { arity, type Rule } from './rule.js';
import { through } from './rules-data.js';
import { restack, showWord, unwrittenOnTop, type FlagOperand, type State } from './state.js';
import { isIntLike } from './word-kinds.js';

const INT: WordType = { k: 'int' };

function constOf(t: WordType): number | undefined {
  return t.k === 'sing' && t.n.k === 'const' ? t.n.value : undefined;
}

function requireInt(t: WordType, what: string): void {
  if (!isIntLike(t)) {
    fail('E_NOT_INT', `${what} holds ${showWord(t)}, not an integer`, {
      expected: 'int',
      found: showWord(t),
      hint: 'pointer arithmetic is not allowed: index arrays with [arr + idx] instead',
    });
  }
}

const FOLD: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  and: (a, b) => a & b,
  or: (a, b) => a | b,
  xor: (a, b) => a ^ b,
  shl: (a, b) => a << (b & 31),
  shr: (a, b) => a >>> (b & 31),
  sar: (a, b) => a >> (b & 31),
  imul: (a, b) => Math.imul(a, b),
};

function espAdjust(s: State, ins: MachineInstr, src: Operand): void {
  if (src.kind !== 'imm' || src.value % 4 !== 0) fail('E_ESP_WRITE', `${ins.mnemonic} esp takes a constant multiple of 4`);
  const bytes = (src as { value: number }).value | 0;
  const slots = (ins.mnemonic === 'add' ? bytes : -bytes) / 4;
  if (slots >= 0) {
    if (slots > s.stack.depth) fail('E_STACK_UNDERFLOW', `add esp, ${bytes} pops ${slots} slot(s) but only ${s.stack.depth} are known`);
    s.stack = restack(s.stack, slots);
  } else {
    // Stack probing: the next store must land within one guard page of memory already touched,
    // or a large reservation could step over the guard page below the stack into other memory.
    const unwritten = unwrittenOnTop(s.stack) - slots;
    if (unwritten * 4 + 4 > STACK_PROBE_BYTES) {
      fail(
        'E_STACK_LIMIT',
        `${ins.mnemonic} esp, ${bytes} leaves ${unwritten * 4} unwritten bytes below the last written stack slot; at most ${STACK_PROBE_BYTES - 4} are allowed`,
        {
          hint: 'write (or push) the slots you reserve before reserving more: the guard page below the stack only catches accesses within a page of the stack',
        },
      );
    }
    s.stack = restack(s.stack, 0, new Array<WordType>(-slots).fill({ k: 'uninit' }));
  }
}

/** The guard page below the program's stack: one page. */
const STACK_PROBE_BYTES = 4096;

/** add/sub/and/or/xor/adc/sbb dst, src. */
export const binary: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [dst, src] = ins.operands as [Operand, Operand];
  if (dst.kind === 'reg' && dst.reg === 'esp' && (ins.mnemonic === 'add' || ins.mnemonic === 'sub')) {
    espAdjust(s, ins, src);
    delete s.flags;
    return through(s);
  }
  refuseEspWrite(dst, ins.mnemonic);
  if (dst.kind === 'mem' && src.kind === 'mem') fail('E_OPERAND', `${ins.mnemonic} cannot combine two memory operands`);
  const size = operandSize(dst) ?? operandSize(src) ?? 4;
  const sameReg = dst.kind === 'reg' && src.kind === 'reg' && dst.reg === src.reg;
  if (sameReg && (ins.mnemonic === 'xor' || ins.mnemonic === 'sub')) {
    // The zeroing idioms do not read their operand.
    writeOperand(s, pre, env, dst, size === 4 ? { k: 'sing', n: { k: 'const', value: 0 } } : INT);
    delete s.flags;
    return through(s);
  }
  const a = readOperand(pre, env, dst, size);
  const b = readOperand(pre, env, src, size);
  requireInt(a, describeOperand(dst));
  requireInt(b, describeOperand(src));
  let result: WordType = INT;
  const ca = constOf(a);
  const cb = constOf(b);
  const fold = FOLD[ins.mnemonic];
  if (size === 4 && fold !== undefined && ca !== undefined && cb !== undefined) result = { k: 'sing', n: { k: 'const', value: fold(ca, cb) >>> 0 } };
  else if (ins.mnemonic === 'and' && cb !== undefined) result = { k: 'below', n: { k: 'const', value: cb }, strict: false };
  else if (ins.mnemonic === 'and' && ca !== undefined) result = { k: 'below', n: { k: 'const', value: ca }, strict: false };
  writeOperand(s, pre, env, dst, size === 4 ? result : INT, size);
  delete s.flags;
  return through(s);
};

/** shl/shr/sar/rol/ror/rcl/rcr dst, imm|cl. */
export const shift: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [dst, count] = ins.operands as [Operand, Operand];
  refuseEspWrite(dst, ins.mnemonic);
  if (count.kind === 'reg' && count.reg !== 'cl') fail('E_OPERAND', `${ins.mnemonic} shifts by an immediate or by cl`);
  if (count.kind !== 'reg' && count.kind !== 'imm') fail('E_OPERAND', `${ins.mnemonic} shifts by an immediate or by cl`);
  const size = operandSize(dst) ?? 4;
  const a = readOperand(pre, env, dst, size);
  requireInt(a, describeOperand(dst));
  readOperand(pre, env, count, 1);
  let result: WordType = INT;
  const ca = constOf(a);
  const cc = count.kind === 'imm' ? count.value & 31 : undefined;
  const fold = FOLD[ins.mnemonic];
  if (size === 4 && fold !== undefined && ca !== undefined && cc !== undefined) result = { k: 'sing', n: { k: 'const', value: fold(ca, cc) >>> 0 } };
  else if (ins.mnemonic === 'shr' && cc !== undefined && cc > 0) result = { k: 'below', n: { k: 'const', value: 2 ** (32 - cc) }, strict: true };
  writeOperand(s, pre, env, dst, size === 4 ? result : INT, size);
  delete s.flags;
  return through(s);
};

/** shld/shrd dst, src, imm|cl. */
export const doubleShift: Rule = (s, ins, { env }, pre) => {
  arity(ins, 3);
  const [dst, src, count] = ins.operands as [Operand, Operand, Operand];
  refuseEspWrite(dst, ins.mnemonic);
  requireInt(readOperand(pre, env, dst), describeOperand(dst));
  requireInt(readOperand(pre, env, src), describeOperand(src));
  if (!(count.kind === 'imm' || (count.kind === 'reg' && count.reg === 'cl'))) fail('E_OPERAND', `${ins.mnemonic} shifts by an immediate or by cl`);
  readOperand(pre, env, count, 1);
  writeOperand(s, pre, env, dst, INT);
  delete s.flags;
  return through(s);
};

/** inc/dec/neg/not dst. */
export const unary: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1);
  const dst = ins.operands[0]!;
  if (dst.kind === 'reg' && dst.reg === 'esp') fail('E_ESP_WRITE', `${ins.mnemonic} esp would move the stack pointer by a non-word amount`);
  const size = operandSize(dst) ?? 4;
  if (dst.kind === 'mem' && dst.size === undefined)
    fail('E_OPERAND', 'the size of this memory operand is unknown', { hint: 'write byte [...] or dword [...]' });
  const a = readOperand(pre, env, dst, size);
  requireInt(a, describeOperand(dst));
  const ca = constOf(a);
  let result: WordType = INT;
  if (size === 4 && ca !== undefined) {
    const v = ins.mnemonic === 'inc' ? ca + 1 : ins.mnemonic === 'dec' ? ca - 1 : ins.mnemonic === 'neg' ? -ca : ~ca;
    result = { k: 'sing', n: { k: 'const', value: v >>> 0 } };
  }
  writeOperand(s, pre, env, dst, size === 4 ? result : INT, size);
  if (ins.mnemonic !== 'not') delete s.flags;
  return through(s);
};

/** cmp a, b: records the comparison for the conditional jump that follows. */
export const cmp: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [a, b] = ins.operands as [Operand, Operand];
  if (a.kind === 'mem' && b.kind === 'mem') fail('E_OPERAND', 'cmp cannot compare two memory operands');
  if (a.kind === 'imm') fail('E_OPERAND', 'the first operand of cmp cannot be an immediate');
  const size = operandSize(a) ?? operandSize(b) ?? 4;
  const ta = readOperand(pre, env, a, size);
  const tb = readOperand(pre, env, b, size);
  if (size === 4) s.flags = { kind: 'cmp', a: flagOperand(a, ta), b: flagOperand(b, tb) };
  else delete s.flags;
  return through(s);
};

function flagOperand(op: Operand, t: WordType): FlagOperand {
  return op.kind === 'reg' && isReg32(op.reg) ? { reg: op.reg, type: t } : { type: t };
}

/** test a, b: `test r, r` records a zero test for the conditional jump that follows. */
export const test: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [a, b] = ins.operands as [Operand, Operand];
  const size = operandSize(a) ?? operandSize(b) ?? 4;
  readOperand(pre, env, a, size);
  readOperand(pre, env, b, size);
  if (a.kind === 'reg' && b.kind === 'reg' && a.reg === b.reg && isReg32(a.reg)) s.flags = { kind: 'test', reg: a.reg };
  else delete s.flags;
  return through(s);
};

/** imul in its 1-, 2- and 3-operand forms, mul, div, idiv. Division by zero is a run-time fault the kernel contains. */
export const multiply: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1, 2, 3);
  const ops = ins.operands;
  if (ops.length === 1) {
    const size = operandSize(ops[0]!) ?? 4;
    if (size !== 4) fail('E_ACCESS_SIZE', `${ins.mnemonic} is only checked in its 32-bit form`);
    requireInt(readOperand(pre, env, ops[0]!), describeOperand(ops[0]!));
    requireInt(regType(pre, 'eax'), 'eax');
    if (ins.mnemonic === 'div' || ins.mnemonic === 'idiv') requireInt(regType(pre, 'edx'), 'edx');
    s.regs.set('eax', INT);
    s.regs.set('edx', INT);
    delete s.flags;
    return through(s);
  }
  if (ins.mnemonic !== 'imul') fail('E_OPERANDS', `${ins.mnemonic} takes one operand`);
  const dst = ops[0]!;
  refuseEspWrite(dst, ins.mnemonic);
  if (dst.kind !== 'reg' || !isReg32(dst.reg)) fail('E_OPERAND', 'imul writes a 32-bit register');
  const a = readOperand(pre, env, ops[1]!);
  requireInt(a, describeOperand(ops[1]!));
  let result: WordType = INT;
  if (ops.length === 3) {
    const b = readOperand(pre, env, ops[2]!);
    if (ops[2]!.kind !== 'imm') fail('E_OPERAND', 'the third operand of imul is an immediate');
    const ca = constOf(a);
    const cb = constOf(b);
    if (ca !== undefined && cb !== undefined) result = { k: 'sing', n: { k: 'const', value: Math.imul(ca, cb) >>> 0 } };
  } else {
    const d = readOperand(pre, env, dst);
    requireInt(d, describeOperand(dst));
    const ca = constOf(a);
    const cd = constOf(d);
    if (ca !== undefined && cd !== undefined) result = { k: 'sing', n: { k: 'const', value: Math.imul(ca, cd) >>> 0 } };
  }
  writeOperand(s, pre, env, dst, result);
  delete s.flags;
  return through(s);
};

/** bswap r32. */
export const bswap: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1);
  const r = ins.operands[0]!;
  refuseEspWrite(r, ins.mnemonic);
  if (r.kind !== 'reg' || !isReg32(r.reg)) fail('E_OPERAND', 'bswap takes a 32-bit register');
  requireInt(readOperand(pre, env, r), describeOperand(r));
  writeOperand(s, pre, env, r, INT);
  return through(s);
};

/** setcc r/m8: writes 0 or 1. */
export const setcc: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1);
  const dst = ins.operands[0]!;
  if (operandSize(dst) !== 1 && !(dst.kind === 'mem' && dst.size === undefined)) fail('E_OPERAND', `${ins.mnemonic} writes a byte`);
  writeOperand(s, pre, env, dst, INT, 1);
  return through(s);
};

/** cmovcc r32, r/m32: the destination may keep its value or take the source's, so both must be integers. */
export const cmovcc: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [dst, src] = ins.operands as [Operand, Operand];
  refuseEspWrite(dst, ins.mnemonic);
  if (dst.kind !== 'reg' || !isReg32(dst.reg)) fail('E_OPERAND', `${ins.mnemonic} writes a 32-bit register`);
  const a = readOperand(pre, env, dst);
  const b = readOperand(pre, env, src);
  requireInt(a, describeOperand(dst));
  requireInt(b, describeOperand(src));
  writeOperand(s, pre, env, dst, INT);
  return through(s);
};

function describeOperand(op: Operand): string {
  switch (op.kind) {
    case 'reg':
      return op.reg;
    case 'imm':
      return String(op.value);
    case 'label':
      return op.name;
    case 'mem':
      return 'the memory operand';
  }
}

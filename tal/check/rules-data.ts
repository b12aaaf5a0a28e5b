// Rules for moving data: mov, movzx/movsx, lea, xchg, push, pop, cdq and friends.

import type { MachineInstr } from '../ast.js';
import type { WordType } from '../types.js';
import { fail } from './errors.js';
import { isReg32, operandSize, readOperand, refuseEspWrite, regType, writeOperand } from './operands.js';
import { arity, type Rule, type StepOut } from './rule.js';
import { restack, slotAt, type State } from './state.js';

const INT: WordType = { k: 'int' };

export function through(s: State): StepOut {
  return { next: s, edges: [] };
}

/** mov dst, src: the destination takes the source's type (strong update for registers and stack slots). */
export const mov: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [dst, src] = ins.operands as [MachineInstr['operands'][0], MachineInstr['operands'][0]];
  if (dst.kind === 'mem' && src.kind === 'mem') fail('E_OPERAND', 'mov cannot copy memory to memory');
  const size = operandSize(dst) ?? operandSize(src) ?? 4;
  if (dst.kind === 'mem' && dst.size === undefined && src.kind === 'imm')
    fail('E_OPERAND', 'the size of this store is unknown', { hint: 'write byte [...] or dword [...]' });
  const t = readOperand(pre, env, src, size);
  writeOperand(s, pre, env, dst, size === 4 ? t : INT, size);
  return through(s);
};

/** movzx/movsx r32, r/m8|16: an integer; zero extension also bounds it. */
export const movExtend: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [dst, src] = ins.operands as [MachineInstr['operands'][0], MachineInstr['operands'][0]];
  if (dst.kind !== 'reg' || !isReg32(dst.reg)) fail('E_OPERAND', `${ins.mnemonic} writes a 32-bit register`);
  const size = operandSize(src);
  if (size === undefined || size === 4) fail('E_OPERAND', `${ins.mnemonic} reads a byte or a word`, { hint: 'write byte [...] or word [...]' });
  readOperand(pre, env, src, size);
  const t: WordType = ins.mnemonic === 'movzx' ? { k: 'below', n: { k: 'const', value: size === 1 ? 256 : 65536 }, strict: true } : INT;
  writeOperand(s, pre, env, dst, t);
  return through(s);
};

/** lea r, [addr]: address arithmetic yields an integer; it never makes a pointer, and never exposes the stack. */
export const lea: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [dst, src] = ins.operands as [MachineInstr['operands'][0], MachineInstr['operands'][0]];
  if (src.kind !== 'mem') fail('E_OPERAND', 'lea takes a memory operand');
  const m = src as Extract<typeof src, { kind: 'mem' }>;
  if (m.base === 'esp' || m.index === 'esp') fail('E_STACK_ALIAS', 'lea of a stack address would copy the stack pointer');
  if (m.base !== undefined) regType(pre, m.base);
  if (m.index !== undefined) regType(pre, m.index);
  if (m.label !== undefined && env.labels.get(m.label) === undefined) fail('E_UNKNOWN_LABEL', `unknown label '${m.label}'`);
  writeOperand(s, pre, env, dst, INT);
  return through(s);
};

/** xchg: swaps two registers' types (or a register and memory, both words). */
export const xchg: Rule = (s, ins, { env }, pre) => {
  arity(ins, 2);
  const [a, b] = ins.operands as [MachineInstr['operands'][0], MachineInstr['operands'][0]];
  refuseEspWrite(a, ins.mnemonic);
  refuseEspWrite(b, ins.mnemonic);
  const size = operandSize(a) ?? operandSize(b) ?? 4;
  const ta = readOperand(pre, env, a, size);
  const tb = readOperand(pre, env, b, size);
  // Memory first: a register written by the same instruction then overrides what the store refined.
  const writes: [MachineInstr['operands'][0], WordType][] = [
    [a, tb],
    [b, ta],
  ];
  if (a.kind !== 'mem') writes.reverse();
  for (const [op, t] of writes) writeOperand(s, pre, env, op, size === 4 ? t : INT, size);
  return through(s);
};

export const push: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1);
  const op = ins.operands[0]!;
  const t = readOperand(pre, env, op, 4);
  if (operandSize(op) !== undefined && operandSize(op) !== 4) fail('E_ACCESS_SIZE', 'push stores a 32-bit word');
  s.stack = restack(s.stack, 0, [t]);
  return through(s);
};

export const pop: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1);
  const op = ins.operands[0]!;
  if (op.kind !== 'reg' || !isReg32(op.reg)) fail('E_OPERAND', 'pop writes a 32-bit register');
  const top = slotAt(s.stack, 0);
  if (top === undefined) {
    fail('E_STACK_UNDERFLOW', 'pop from a stack whose top is unknown', {
      found: `sptr ${s.stack.tail.k === 'nil' ? 'nil' : s.stack.tail.name}`,
      hint: 'only slots the stack type describes can be popped',
    });
  }
  if (top!.k === 'uninit') fail('E_UNINIT_STACK', 'pop reads a stack slot that was never written');
  s.stack = restack(s.stack, 1);
  writeOperand(s, pre, env, op, top!);
  return through(s);
};

/** cdq/cwd sign-extend EAX into EDX; cwde/cbw extend within EAX. */
export const signExtend: Rule = (s, ins, _ctx, pre) => {
  arity(ins, 0);
  regType(pre, 'eax');
  if (ins.mnemonic === 'cdq' || ins.mnemonic === 'cwd') s.regs.set('edx', INT);
  else s.regs.set('eax', INT);
  delete s.flags;
  return through(s);
};

export const nop: Rule = (s, ins) => {
  arity(ins, 0);
  return through(s);
};

/** rdtsc reads the time-stamp counter into EDX:EAX. */
export const rdtsc: Rule = (s, ins) => {
  arity(ins, 0);
  s.regs.set('eax', INT);
  s.regs.set('edx', INT);
  delete s.flags;
  return through(s);
};

// Rules for control flow: jmp, jcc (with the refinements a comparison proves),
// loop/jecxz, call and ret. Jumps and calls go only to checked code: a label,
// or a register or memory word whose type is a code type.

import type { Operand } from '../ast.js';
import type { CodeType, Reg32, StackType, WordType } from '../types.js';
import type { Env } from './env.js';
import { CheckError, fail } from './errors.js';
import { boundType, COST, spend } from './limits.js';
import { readOperand, regType, unfold } from './operands.js';
import { arity, type Rule, type RuleCtx, type StepOut } from './rule.js';
import { syscallCall } from './rules-syscall.js';
import { cloneState, restack, slotAt, showCode, showStack, showWord, stackType, stateOfCodeType, type Pre, type State } from './state.js';
import { freeVarsWord, substCode, substWord, type Subst } from './subst.js';
import { Comparer } from './subtype.js';
import { boundOf, isIntLike, isZeroWord } from './word-kinds.js';
import { conditionOf, type Cond } from '../conditions.js';

const NEGATE: Record<Cond, Cond> = {
  e: 'ne',
  ne: 'e',
  b: 'ae',
  ae: 'b',
  be: 'a',
  a: 'be',
  l: 'ge',
  ge: 'l',
  le: 'g',
  g: 'le',
  s: 'ns',
  ns: 's',
  o: 'no',
  no: 'o',
  p: 'np',
  np: 'p',
};

// ---------- refinement ----------

function refineReg(s: State, env: Env, r: Reg32 | undefined, t: WordType): void {
  if (r === undefined) return;
  const cur = s.regs.get(r);
  if (cur === undefined) return;
  const c = new Comparer(env.defs);
  const shape = cur.k === 'named' ? env.defs.get(cur.name) : cur;
  if (shape?.k === 'maybe' || shape?.k === 'null') {
    if (t.k === 'null' || (t.k === 'sing' && t.n.k === 'const' && t.n.value === 0)) s.regs.set(r, { k: 'null' });
    return;
  }
  if (!isIntLike(cur) || c.word(cur, t)) return;
  s.regs.set(r, t);
}

function refineNonNull(s: State, env: Env, r: Reg32 | undefined): void {
  if (r === undefined) return;
  const cur = s.regs.get(r);
  if (cur?.k === 'maybe') s.regs.set(r, cur.t);
  else if (cur?.k === 'named') {
    const u = env.defs.get(cur.name);
    if (u?.k === 'maybe') s.regs.set(r, u.t);
  }
}

/** x < y (strict) or x ≤ y where y's type bounds it: the bound x inherits. */
function boundBelow(y: WordType, strict: boolean): WordType | undefined {
  const b = boundOf(y);
  if (b === undefined) return undefined;
  return { k: 'below', n: b.n, strict: strict || b.strict };
}

/** Narrows register types by what `cond` being true proves about the last comparison. */
export function refine(s: State, env: Env, cond: Cond): void {
  const f = s.flags;
  if (f === undefined) return;
  if (f.kind === 'test') {
    if (cond === 'e') refineReg(s, env, f.reg, { k: 'sing', n: { k: 'const', value: 0 } });
    if (cond === 'ne') refineNonNull(s, env, f.reg);
    return;
  }
  const { a, b } = f;
  switch (cond) {
    case 'e':
      if (b.type.k === 'sing' || b.type.k === 'null') refineReg(s, env, a.reg, b.type);
      if (a.type.k === 'sing' || a.type.k === 'null') refineReg(s, env, b.reg, a.type);
      return;
    case 'ne':
      if (isZeroWord(b.type)) refineNonNull(s, env, a.reg);
      if (isZeroWord(a.type)) refineNonNull(s, env, b.reg);
      return;
    case 'b': {
      const t = boundBelow(b.type, true);
      if (t !== undefined) refineReg(s, env, a.reg, t);
      return;
    }
    case 'be': {
      const t = boundBelow(b.type, false);
      if (t !== undefined) refineReg(s, env, a.reg, t);
      return;
    }
    case 'a': {
      const t = boundBelow(a.type, true);
      if (t !== undefined) refineReg(s, env, b.reg, t);
      return;
    }
    case 'ae': {
      const t = boundBelow(a.type, false);
      if (t !== undefined) refineReg(s, env, b.reg, t);
      return;
    }
    default:
      return; // signed and flag-bit conditions prove nothing the type system tracks
  }
}

// ---------- entering code ----------

/** Matches the state's registers against a precondition, binding the target's ∀ variables in `c`. */
function matchRegs(c: Comparer, s: State, ct: CodeType, what: string): void {
  // Registers whose expected type only bounds an integer bind nothing: check them last, once the others have bound the sizes.
  const entries = (Object.entries(ct.regs) as [Reg32, WordType][]).filter(([r]) => r !== 'esp');
  entries.sort(([, x], [, y]) => Number(x.k === 'below') - Number(y.k === 'below'));
  for (const [r, want] of entries) {
    const have = s.regs.get(r);
    if (have === undefined || have.k === 'uninit') {
      fail('E_PRECONDITION', `${what} needs ${r.toUpperCase()}: ${showWord(want)}, but ${r} holds no value`, { expected: showWord(want), found: 'nothing' });
    }
    if (!c.word(have!, want)) {
      // Show what the target's variables were inferred to be from the registers matched before this one.
      const inst = showWord(substWord(want, c.subst));
      const details: { expected: string; found: string; hint?: string } = {
        expected: inst === showWord(want) ? inst : `${showWord(want)}, here ${inst}`,
        found: showWord(have!),
      };
      if (inst === details.found) details.hint = "the same names denote different variables here (one from the target's forall, one from this code)";
      else if (inst.includes('#'))
        details.hint = "a name with '#' is a size or type the checker made up: the hidden part of a package, or the length of a new array";
      fail('E_PRECONDITION', `${what} needs ${r.toUpperCase()}: ${showWord(want)}`, details);
    }
  }
}

function matchStack(c: Comparer, have: StackType, want: StackType | undefined, what: string): void {
  if (want === undefined) return;
  if (!c.stack(have, want))
    fail('E_STACK_MISMATCH', `the stack does not match what ${what} expects`, { expected: `sptr ${showStack(want)}`, found: `sptr ${showStack(have)}` });
}

function espPattern(ct: CodeType): StackType | undefined {
  const esp = ct.regs.esp;
  return esp !== undefined && esp.k === 'sptr' ? esp.s : undefined;
}

/** s satisfies code type ct (jump into it); returns the instantiation of ct's variables. */
export function enterCode(env: Env, s: State, ct: CodeType, what: string): Subst {
  const c = new Comparer(env.defs, new Set(ct.vars.map((v) => v.name)));
  matchRegs(c, s, ct, what);
  matchStack(c, stackType(s.stack), espPattern(ct), what);
  // The target checks its own sub esp from ESP as if the memory there had been written; unwritten
  // slots hidden in its stack variable (or forgotten, without one) would let it step over the guard page.
  if (slotAt(s.stack, 0)?.k === 'uninit') {
    fail('E_STACK_LIMIT', `${what} would start with unwritten stack slots on top`, {
      hint: 'write the reserved slots, or release them with add esp, before jumping',
    });
  }
  return c.subst;
}

function targetCodeType(pre: Pre, env: Env, op: Operand, verb: string): { ct: CodeType; what: string } {
  if (op.kind === 'imm') fail('E_JUMP_TARGET', `${verb} to an absolute address is not allowed`, { hint: 'jump to a label' });
  // A named type is its definition (the comparer unfolds it the same way): a .type alias of a code type is code.
  const t = unfold(env, readOperand(pre, env, op));
  if (t.k !== 'code') fail('E_JUMP_TARGET', `${verb} through a value of type ${showWord(t)}, which is not code`, { expected: 'code {…}', found: showWord(t) });
  return {
    ct: (t as Extract<WordType, { k: 'code' }>).ct,
    what: op.kind === 'label' ? `'${op.name}'` : `the code in ${op.kind === 'reg' ? op.reg : 'memory'}`,
  };
}

// ---------- rules ----------

export const jmp: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1);
  const op = ins.operands[0]!;
  if (op.kind === 'label' && env.labels.get(op.name)?.kind === 'code') return { edges: [{ target: op.name, state: s }] };
  const { ct, what } = targetCodeType(pre, env, op, 'jmp');
  enterCode(env, s, ct, what);
  return { edges: [] };
};

/** Conditional jumps and loop go to a code label named in the instruction. */
function labelTarget(env: Env, target: Operand, verb: string): string {
  if (target.kind === 'label' && !env.labels.has(target.name)) {
    fail('E_UNKNOWN_LABEL', `unknown label '${target.name}'`, env.imports.has(target.name) ? { hint: 'system calls are called, not jumped to' } : {});
  }
  if (target.kind !== 'label' || env.labels.get(target.name)?.kind !== 'code')
    fail('E_JUMP_TARGET', `${verb} goes to a code label`, { found: target.kind === 'label' ? `data label '${target.name}'` : `a ${target.kind} operand` });
  return (target as { name: string }).name;
}

function branch(s: State, env: Env, target: Operand, cond: Cond): StepOut {
  const name = labelTarget(env, target, 'a conditional jump');
  const taken = cloneState(s);
  refine(taken, env, cond);
  refine(s, env, NEGATE[cond]);
  return { next: s, edges: [{ target: name, state: taken }] };
}

export const jcc: Rule = (s, ins, { env }) => {
  arity(ins, 1);
  return branch(s, env, ins.operands[0]!, conditionOf(ins.mnemonic, 'j')!);
};

/** jecxz: taken when ECX is 0. */
export const jecxz: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1);
  regType(pre, 'ecx');
  s.flags = { kind: 'test', reg: 'ecx' };
  const out = branch(s, env, ins.operands[0]!, 'e');
  for (const st of [out.next!, ...out.edges.map((e) => e.state)]) delete st.flags;
  return out;
};

/** loop: decrements ECX and jumps while it is not 0. */
export const loop: Rule = (s, ins, { env }, pre) => {
  arity(ins, 1);
  const t = regType(pre, 'ecx');
  if (!isIntLike(t)) fail('E_NOT_INT', `loop counts down ECX, which holds ${showWord(t)}`);
  s.regs.set('ecx', { k: 'int' });
  delete s.flags;
  const name = labelTarget(env, ins.operands[0]!, 'loop');
  return { next: s, edges: [{ target: name, state: cloneState(s) }] };
};

export const call: Rule = (s, ins, ctx: RuleCtx, pre) => {
  arity(ins, 1);
  const op = ins.operands[0]!;
  if (op.kind === 'label' && ctx.env.imports.has(op.name)) return syscallCall(s, ctx.env.imports.get(op.name)!, ctx.env.defs);
  if (op.kind === 'label' && !ctx.env.labels.has(op.name) && !ctx.env.imports.has(op.name)) {
    fail('E_UNKNOWN_LABEL', `unknown label or import '${op.name}'`, { hint: `system calls must be imported first: .import ${op.name}` });
  }
  const { ct, what } = targetCodeType(pre, ctx.env, op, 'call');
  const want = espPattern(ct);
  if (want === undefined || want.k !== 'cons' || want.head.k !== 'code') {
    fail('E_CALL_TYPE', `${what} cannot be called: its type does not expect a return address on the stack`, {
      found: showCode(ct),
      hint: 'a callable label has ESP: sptr (code {…}) :: σ, the type of the return address first',
    });
  }
  const cons = want as Extract<StackType, { k: 'cons' }>;
  // A call matches, substitutes and builds a new state: priced as a second instruction (bench:tal, long stacks).
  spend(COST.instruction);
  const retCt = (cons.head as Extract<WordType, { k: 'code' }>).ct;
  const c = new Comparer(ctx.env.defs, new Set(ct.vars.map((v) => v.name)));
  matchRegs(c, s, ct, what);
  matchStack(c, stackType(s.stack), cons.tail, what);
  if (retCt.vars.length > 0) fail('E_CALL_TYPE', `the return type of ${what} is polymorphic, which is not supported`, { found: showCode(retCt) });
  const ret = substCode(retCt, c.subst);
  // Substitution is where types grow (a polymorphic result with the caller's types put in): bound them
  // here. On the stack, only the slots the return type writes out are new; below them is the caller's.
  for (const [r, t] of Object.entries(ret.regs) as [Reg32, WordType][]) {
    if (t.k !== 'sptr') boundType(t, `after the call to ${what}, ${r.toUpperCase()}`);
  }
  const written = retCt.regs.esp;
  let slot = ret.regs.esp?.k === 'sptr' ? ret.regs.esp.s : undefined;
  for (let st = written?.k === 'sptr' ? written.s : undefined; st?.k === 'cons' && slot?.k === 'cons'; st = st.tail, slot = slot.tail) {
    boundType(slot.head, `after the call to ${what}, a stack slot`);
  }
  const unbound = ct.vars.filter((v) => !c.subst.has(v.name)).map((v) => v.name);
  // Looked up in the written return type: the substituted one may be as long as the caller's stack.
  const free = unbound.length > 0 ? freeVarsWord({ k: 'code', ct: retCt }) : new Set<string>();
  const stuck = unbound.filter((v) => free.has(v));
  if (stuck.length > 0)
    fail('E_CALL_TYPE', `cannot infer ${stuck.join(', ')} for the call to ${what}`, {
      hint: 'the variable must appear in the argument registers or the stack',
    });
  const after = stateOfCodeType(ret, s.vars);
  return { next: after, edges: [] };
};

export const ret: Rule = (s, ins, { env }) => {
  arity(ins, 0, 1);
  const top = slotAt(s.stack, 0);
  if (top === undefined || top.k !== 'code') {
    fail('E_RET', 'ret needs a return address (a code pointer) on top of the stack', {
      found: top === undefined ? `sptr ${showStack(stackType(s.stack))}` : showWord(top),
      hint: 'pop what you pushed before returning; the stack must be exactly as the return type expects',
    });
  }
  s.stack = restack(s.stack, 1);
  const extra = ins.operands[0];
  if (extra !== undefined) {
    if (extra.kind !== 'imm' || extra.value % 4 !== 0 || extra.value < 0 || extra.value > 0xffff) fail('E_RET', 'ret takes a constant multiple of 4');
    const n = (extra as { value: number }).value / 4;
    if (n > s.stack.depth) fail('E_STACK_UNDERFLOW', `ret ${n * 4} pops more slots than are known`);
    s.stack = restack(s.stack, n);
  }
  enterCode(env, s, (top as Extract<WordType, { k: 'code' }>).ct, 'the return address');
  return { edges: [] };
};

/** The context rules run in: entering a typed label means satisfying its annotation. */
export function ruleContext(env: Env): RuleCtx {
  return {
    env,
    enter: (s, target) => {
      const info = env.labels.get(target);
      if (info?.kind !== 'code' || info.type === undefined) throw new CheckError('E_LABEL_TYPE', `'${target}' has no type`);
      return enterCode(env, s, info.type, `'${target}'`);
    },
  };
}

// Rules for the pseudo-instructions: allocation (malloc, newarray), existentials
// (unpack, pack) and subsumption (coerce). Only allocation emits code.

import { maxElements } from '../asm/pseudo.js';
import type { PseudoInstr } from '../ast.js';
import type { Reg32, Size, StackType, WordType } from '../types.js';
import type { Env } from './env.js';
import { fail } from './errors.js';
import { boundType } from './limits.js';
import { dropFlagsOn, regType, unfold } from './operands.js';
import type { StepOut } from './rule.js';
import { showStack, showWord, snapshot, stackType, flattenStack, type State } from './state.js';
import { freeVarUses, freshVar, substWord } from './subst.js';
import { Comparer } from './subtype.js';
import { isIntLike } from './word-kinds.js';

function through(s: State): StepOut {
  return { next: s, edges: [] };
}

/** Every variable a pseudo-instruction's type names must be in scope here, at the kind it is used as. */
function wellScoped(s: State, t: { word: WordType } | { stack: StackType }, what: string): void {
  for (const { name, kind } of freeVarUses(t)) {
    const have = s.vars.get(name);
    if (have === undefined) {
      fail('E_SCOPE', `${what} mentions '${name}', which is not in scope here`, {
        expected: `a ${kind} variable from the label's forall or an unpack`,
        found: `in scope: ${[...s.vars].map(([n, k]) => `${n}:${k}`).join(', ') || 'nothing'}`,
        hint: kind === 'type' ? `if '${name}' is meant to be a named type, define it with .type` : 'variables come from the label type (forall) or from unpack',
      });
    }
    if (have !== kind) fail('E_SCOPE', `${what} uses '${name}' as a ${kind}, but it is a ${have} variable`);
  }
}

function destination(r: Reg32, what: string): void {
  if (r === 'esp') fail('E_ESP_WRITE', `${what} cannot write ESP`);
}

/** A fresh size variable, put in scope (names in source never contain '#'). */
function freshSize(s: State, base: string): string {
  const { name } = freshVar({ name: base, kind: 'size' });
  s.vars = new Map(s.vars).set(name, 'size');
  return name;
}

/** The zero word is a value of t: int, int<k with k > 0, S(0), null, null | τ — but not S(4) or int<0. */
function admitsZero(env: Env, t: WordType): boolean {
  return new Comparer(env.defs).word({ k: 'sing', n: { k: 'const', value: 0 } }, t);
}

export function pseudoRule(s: State, ins: PseudoInstr, env: Env): StepOut {
  const pre = snapshot(s);
  switch (ins.kind) {
    case 'malloc': {
      destination(ins.dst, 'malloc');
      wellScoped(s, { word: ins.type }, 'the tuple type');
      if (ins.type.fields.length === 0 || ins.type.fields.length > 1024) fail('E_MALLOC', 'a tuple has 1 to 1024 fields');
      s.regs.set(ins.dst, { k: 'tuple', fields: ins.type.fields.map((f) => ({ t: f.t, init: false })) });
      dropFlagsOn(s, ins.dst);
      delete s.flags;
      return through(s);
    }
    case 'newarray': {
      destination(ins.dst, 'newarray');
      const elem: WordType = ins.elemType ?? { k: 'int' };
      if (ins.elemType !== undefined) {
        wellScoped(s, { word: ins.elemType }, 'the element type');
        if (!admitsZero(env, ins.elemType))
          fail('E_NEWARRAY', `new arrays are zero-filled, and 0 is not a value of ${showWord(ins.elemType)}`, { hint: 'use int or null | τ elements' });
      }
      let n: Size;
      if (ins.length.kind === 'imm') {
        const most = maxElements(ins.elem === 'byte' ? 1 : 4);
        if (ins.length.value < 0 || ins.length.value > most)
          fail('E_NEWARRAY', `a constant length is at most ${most} elements (the largest heap), not ${ins.length.value}`);
        n = { k: 'const', value: ins.length.value };
      } else {
        const lr = ins.length.reg;
        if (lr === ins.dst) fail('E_NEWARRAY', 'the length register cannot also be the destination');
        const lt = regType(pre, lr);
        if (!isIntLike(lt)) fail('E_NOT_INT', `the length in ${lr} holds ${showWord(lt)}, not an integer`);
        if (lt.k === 'sing') n = lt.n;
        else {
          n = { k: 'var', name: freshSize(s, 'len') };
          s.regs.set(lr, { k: 'sing', n });
          dropFlagsOn(s, lr);
        }
      }
      s.regs.set(ins.dst, ins.elem === 'byte' ? { k: 'bytes', n } : { k: 'words', n, elem });
      dropFlagsOn(s, ins.dst);
      delete s.flags;
      return through(s);
    }
    case 'unpack': {
      let t = unfold(env, regType(pre, ins.reg));
      for (const [i, name] of ins.vars.entries()) {
        if (t.k !== 'exists' && i > 0) {
          fail('E_UNPACK', `unpack ${ins.reg}, ${ins.vars.join(', ')}: the package hides ${i} variable(s), so '${name}' names nothing`, {
            found: showWord(t),
            hint: `unpack ${ins.reg}, ${ins.vars.slice(0, i).join(', ')}`,
          });
        }
        if (t.k !== 'exists')
          fail('E_UNPACK', `unpack ${ins.reg}, ${ins.vars.join(', ')}: ${ins.reg} does not hold a package here`, { found: showWord(t), expected: 'exists …' });
        const ex = t as Extract<WordType, { k: 'exists' }>;
        if (s.vars.has(name)) fail('E_UNPACK', `'${name}' is already in scope`, { hint: 'choose a fresh name for each unpack' });
        if (env.defs.has(name)) fail('E_UNPACK', `'${name}' is the name of a .type`, { hint: 'choose a name that is not a type name' });
        s.vars = new Map(s.vars).set(name, ex.v.kind);
        const binding =
          ex.v.kind === 'size' ? { kind: 'size' as const, n: { k: 'var' as const, name } } : { kind: 'type' as const, t: { k: 'tvar' as const, name } };
        t = unfold(env, substWord(ex.body, new Map([[ex.v.name, binding]])));
      }
      boundType(t, `unpack ${ins.reg}`);
      s.regs.set(ins.reg, t);
      dropFlagsOn(s, ins.reg);
      return through(s);
    }
    case 'pack':
    case 'coerce': {
      destination(ins.reg, ins.kind);
      if (ins.kind === 'pack' && ins.type.k !== 'exists') fail('E_PACK', 'pack needs an existential type: pack REG, exists n:size. τ');
      wellScoped(s, { word: ins.type }, 'the type');
      const have = regType(pre, ins.reg);
      if (!new Comparer(env.defs).word(have, ins.type)) {
        fail(ins.kind === 'pack' ? 'E_PACK' : 'E_COERCE', `${ins.reg} cannot be viewed as ${showWord(ins.type)}`, {
          expected: showWord(ins.type),
          found: showWord(have),
        });
      }
      s.regs.set(ins.reg, ins.type);
      dropFlagsOn(s, ins.reg);
      return through(s);
    }
    case 'coerceStack': {
      wellScoped(s, { stack: ins.stack }, 'the stack type');
      const have = stackType(s.stack);
      if (!new Comparer(env.defs).stack(have, ins.stack))
        fail('E_COERCE', 'the stack cannot be viewed as that type', { expected: `sptr ${showStack(ins.stack)}`, found: `sptr ${showStack(have)}` });
      s.stack = flattenStack(ins.stack);
      return through(s);
    }
  }
}

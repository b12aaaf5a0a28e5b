// Joins at control-flow merges: the least common supertype of two word types, and of two
// states arriving at an untyped label.

import type { Field, Reg32, WordType } from '../types.js';
import type { Env } from './env.js';
import { CheckError } from './errors.js';
import { spend } from './limits.js';
import type { State } from './state.js';
import { freeVarsWord } from './subst.js';
import { Comparer, subtype } from './subtype.js';
import { boundOf, isIntLike, isPointer, isZeroWord, sizeEq, type TypeDefs } from './word-kinds.js';

/** The least common supertype the checker can name, or undefined when the register must be forgotten. */
export function joinWord(defs: TypeDefs, a: WordType, b: WordType): WordType | undefined {
  if (a === b) return a;
  // a first: when b adds nothing, the result is a itself (the checker detects a settled join by identity).
  if (subtype(defs, b, a)) return a;
  if (subtype(defs, a, b)) return b;
  if (a.k === 'uninit' || b.k === 'uninit') return undefined;
  if (isIntLike(a) && isIntLike(b)) {
    if (a.k === 'null' || b.k === 'null') return { k: 'int' };
    const na = boundOf(a);
    const nb = boundOf(b);
    if (na !== undefined && nb !== undefined && na.n.k === 'const' && nb.n.k === 'const') {
      const max = Math.max(na.n.value - (na.strict ? 1 : 0), nb.n.value - (nb.strict ? 1 : 0));
      return { k: 'below', n: { k: 'const', value: max }, strict: false };
    }
    if (na !== undefined && nb !== undefined && sizeEq(na.n, nb.n)) return { k: 'below', n: na.n, strict: na.strict && nb.strict };
    return { k: 'int' };
  }
  if (isZeroWord(a) && isPointer(b)) return { k: 'maybe', t: b };
  if (isZeroWord(b) && isPointer(a)) return { k: 'maybe', t: a };
  if (a.k === 'maybe' && isPointer(b)) return joinWord(defs, a, { k: 'maybe', t: b });
  if (b.k === 'maybe' && isPointer(a)) return joinWord(defs, { k: 'maybe', t: a }, b);
  if (a.k === 'tuple' && b.k === 'tuple') {
    const n = Math.min(a.fields.length, b.fields.length);
    const fields: Field[] = [];
    for (let i = 0; i < n; i++) {
      const fa = a.fields[i]!;
      const fb = b.fields[i]!;
      const c = new Comparer(defs);
      if (!c.equal(fa.t, fb.t)) return undefined;
      fields.push({ t: fa.t, init: fa.init && fb.init });
    }
    return { k: 'tuple', fields };
  }
  if (isPointer(a) || isPointer(b)) return undefined;
  return undefined;
}

/** Join of the states arriving at an untyped label; undefined registers are forgotten. */
export function joinStates(env: Env, a: State, b: State): State {
  spend(a.stack === b.stack ? a.regs.size : a.stack.slots.length + a.regs.size);
  if (a.stack.slots.length !== b.stack.slots.length || a.stack.tail.k !== b.stack.tail.k || (a.stack.tail.k === 'svar' && b.stack.tail.k === 'svar' && a.stack.tail.name !== b.stack.tail.name)) {
    throw new CheckError('E_STACK_JOIN', 'paths reaching this label have different stack shapes', {
      found: `${a.stack.slots.length} slot(s) on one path, ${b.stack.slots.length} on another`,
      hint: 'balance push/pop on every path into the label',
    });
  }
  const shared = [...a.vars].filter(([k, v]) => b.vars.get(k) === v);
  // Both paths know the same variables (the common case): every joined type is in scope.
  const sameScope = shared.length === a.vars.size && shared.length === b.vars.size;
  const vars = sameScope ? a.vars : new Map(shared);
  const inScope = sameScope ? (): boolean => true : (t: WordType): boolean => [...freeVarsWord(t)].every((v) => vars.has(v));
  const regs = new Map<Reg32, WordType>();
  for (const [r, ta] of a.regs) {
    const tb = b.regs.get(r);
    if (tb === undefined) continue;
    const j = joinWord(env.defs, ta, tb);
    if (j !== undefined && inScope(j)) regs.set(r, j);
    else if (j !== undefined && (j.k === 'sing' || j.k === 'below')) regs.set(r, ta.k === 'int' ? ta : INT);
  }
  // The same stack object on both paths (nothing pushed or stored since they parted) joins to itself.
  const slots =
    a.stack === b.stack
      ? a.stack.slots
      : a.stack.slots.map((ta, i) => {
          const tb = b.stack.slots[i]!;
          if (ta === tb) return ta;
          const j = joinWord(env.defs, ta, tb);
          return j !== undefined && inScope(j) ? j : ta.k === 'uninit' ? ta : UNINIT;
        });
  if (slots === a.stack.slots) return { regs, stack: a.stack, vars };
  // No flags: the stack guard at the label clobbers them (arrive drops them).
  return { regs, stack: { slots, tail: a.stack.tail }, vars };
}

const UNINIT: WordType = { k: 'uninit' };
const INT: WordType = { k: 'int' };

/**
 * Whether a join changed nothing. joinStates keeps the old type objects where the
 * new path adds nothing (joinWord returns its first argument then), so identity suffices.
 */
export function sameState(a: State, b: State): boolean {
  if (a.regs.size !== b.regs.size || a.stack.slots.length !== b.stack.slots.length || a.vars.size !== b.vars.size || a.flags !== b.flags) return false;
  for (const [r, t] of a.regs) if (b.regs.get(r) !== t) return false;
  if (a.stack !== b.stack) for (let i = 0; i < a.stack.slots.length; i++) if (a.stack.slots[i] !== b.stack.slots[i]) return false;
  if (a.stack.tail.k !== b.stack.tail.k || (a.stack.tail.k === 'svar' && b.stack.tail.k === 'svar' && a.stack.tail.name !== b.stack.tail.name)) return false;
  for (const [k, v] of a.vars) if (b.vars.get(k) !== v) return false;
  return true;
}

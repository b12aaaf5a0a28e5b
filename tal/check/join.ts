// Joins at control-flow merges: the least common supertype of two word types, and of two
// states arriving at an untyped label.

import type { Field, WordType } from '../types.js';
import type { Env } from './env.js';
import { CheckError } from './errors.js';
import { COST, spend } from './limits.js';
import { RegFile } from './regfile.js';
import { restack, sameTail, type Stack, type State } from './state.js';
import type { StackType } from '../types.js';
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

type Cons = Extract<StackType, { k: 'cons' }>;

/**
 * The slots above the part two equally deep stacks share (the same list nodes: nothing pushed or
 * stored below there since the paths parted), and that shared part. Costs the unshared slots.
 */
function unshared(a: Stack, b: Stack): { as: WordType[]; bs: WordType[]; below: Stack } {
  const as: WordType[] = [];
  const bs: WordType[] = [];
  let x = a.type;
  let y = b.type;
  while (x !== y && x.k === 'cons' && y.k === 'cons') {
    as.push(x.head);
    bs.push(y.head);
    x = x.tail;
    y = (y as Cons).tail;
  }
  spend(as.length);
  return { as, bs, below: { type: x, depth: a.depth - as.length, tail: a.tail } };
}

/** Join of the states arriving at an untyped label; undefined registers are forgotten. */
export function joinStates(env: Env, a: State, b: State): State {
  spend(COST.join + a.regs.size + a.vars.size);
  if (a.stack.depth !== b.stack.depth || !sameTail(a.stack, b.stack)) {
    throw new CheckError('E_STACK_JOIN', 'paths reaching this label have different stack shapes', {
      found: `${a.stack.depth} slot(s) on one path, ${b.stack.depth} on another`,
      hint: 'balance push/pop on every path into the label',
    });
  }
  // States share their variables until an instruction adds one: then both paths know the same ones.
  const shared = a.vars === b.vars ? undefined : [...a.vars].filter(([k, v]) => b.vars.get(k) === v);
  // Both paths know the same variables (the common case): every joined type is in scope.
  const sameScope = shared === undefined || (shared.length === a.vars.size && shared.length === b.vars.size);
  const vars = sameScope ? a.vars : new Map(shared!);
  const inScope = sameScope ? (): boolean => true : (t: WordType): boolean => [...freeVarsWord(t)].every((v) => vars.has(v));
  const regs = new RegFile();
  for (const [r, ta] of a.regs.list()) {
    const tb = b.regs.get(r);
    if (tb === undefined) continue;
    const j = joinWord(env.defs, ta, tb);
    if (j !== undefined && inScope(j)) regs.set(r, j);
    else if (j !== undefined && (j.k === 'sing' || j.k === 'below')) regs.set(r, ta.k === 'int' ? ta : INT);
  }
  // Only the slots above the shared part of the two stacks can differ.
  const { as, bs, below } = unshared(a.stack, b.stack);
  let changed = false;
  const slots = as.map((ta, i) => {
    const tb = bs[i]!;
    if (ta === tb) return ta;
    const j = joinWord(env.defs, ta, tb);
    const out = j !== undefined && inScope(j) ? j : ta.k === 'uninit' ? ta : UNINIT;
    if (out !== ta) changed = true;
    return out;
  });
  // No flags: the stack guard at the label clobbers them (arrive drops them).
  return { regs, stack: changed ? restack(below, 0, slots) : a.stack, vars };
}

const UNINIT: WordType = { k: 'uninit' };
const INT: WordType = { k: 'int' };

/**
 * Whether a join changed nothing. joinStates keeps the old type objects where the
 * new path adds nothing (joinWord returns its first argument then), so identity suffices.
 */
export function sameState(a: State, b: State): boolean {
  if (a.regs.size !== b.regs.size || a.stack.depth !== b.stack.depth || a.vars.size !== b.vars.size || a.flags !== b.flags) return false;
  if (!a.regs.sameAs(b.regs)) return false;
  if (!sameTail(a.stack, b.stack)) return false;
  const { as, bs } = unshared(a.stack, b.stack);
  for (let i = 0; i < as.length; i++) if (as[i] !== bs[i]) return false;
  if (a.vars !== b.vars) for (const [k, v] of a.vars) if (b.vars.get(k) !== v) return false;
  return true;
}

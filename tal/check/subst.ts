// Substitution of variables in types (capture-avoiding: bound variables are renamed apart),
// fresh variable names, and the free variables of a type.

import type { CodeType, Reg32, Size, StackType, TyVar, VarKind, WordType } from '../types.js';
import { spend } from './limits.js';

export type Binding = { kind: 'type'; t: WordType } | { kind: 'size'; n: Size } | { kind: 'stack'; s: StackType };
export type Subst = Map<string, Binding>;

// ---------- substitution ----------

export function substSize(n: Size, s: Subst): Size {
  if (n.k === 'var') {
    const b = s.get(n.name);
    if (b !== undefined && b.kind === 'size') return b.n;
  }
  return n;
}

function without(s: Subst, names: string[]): Subst {
  if (!names.some((n) => s.has(n))) return s;
  const out = new Map(s);
  for (const n of names) out.delete(n);
  return out;
}

let freshCounter = 0;

/** A variable name no program can write ('#' never occurs in source names), for renaming bound variables apart and naming hidden sizes. */
export function freshVar(v: TyVar): TyVar {
  return { name: `${v.name.split('#')[0]}#${++freshCounter}`, kind: v.kind };
}

/** Restarts the numbering, so that checking the same program twice gives the same names in its diagnostics. */
export function resetFreshVars(): void {
  freshCounter = 0;
}

function bindingMentions(b: Binding, name: string): boolean {
  switch (b.kind) {
    case 'type':
      return freeVarsWord(b.t).has(name);
    case 'size':
      return b.n.k === 'var' && b.n.name === name;
    case 'stack':
      return freeVarsStack(b.s).has(name);
  }
}

/** Substituting s under a binder of `name` would capture: some replacement mentions `name` free. */
function captures(s: Subst, name: string): boolean {
  for (const b of s.values()) if (bindingMentions(b, name)) return true;
  return false;
}

/** Renames the bound variables that `s` would capture; returns the new binders and the renaming. */
function renameApart(vars: TyVar[], s: Subst): { vars: TyVar[]; ren: Subst } {
  const ren: Subst = new Map();
  const out = vars.map((v) => {
    if (!captures(s, v.name)) return v;
    const f = freshVar(v);
    ren.set(v.name, varBinding(f));
    return f;
  });
  return { vars: out, ren };
}

export function substWord(t: WordType, s: Subst): WordType {
  if (s.size === 0) return t;
  spend(1);
  switch (t.k) {
    case 'int':
    case 'null':
    case 'uninit':
    case 'named':
      return t;
    case 'sing':
      return { k: 'sing', n: substSize(t.n, s) };
    case 'below':
      return { k: 'below', n: substSize(t.n, s), strict: t.strict };
    case 'tvar': {
      const b = s.get(t.name);
      return b !== undefined && b.kind === 'type' ? b.t : t;
    }
    case 'tuple':
      return { k: 'tuple', fields: t.fields.map((f) => ({ t: substWord(f.t, s), init: f.init })) };
    case 'bytes':
      return { k: 'bytes', n: substSize(t.n, s) };
    case 'words':
      return { k: 'words', n: substSize(t.n, s), elem: substWord(t.elem, s) };
    case 'code':
      return { k: 'code', ct: substCode(t.ct, s) };
    case 'sptr':
      return { k: 'sptr', s: substStack(t.s, s) };
    case 'exists': {
      const inner = without(s, [t.v.name]);
      const { vars, ren } = renameApart([t.v], inner);
      return { k: 'exists', v: vars[0]!, body: substWord(substWord(t.body, ren), inner) };
    }
    case 'maybe':
      return { k: 'maybe', t: substWord(t.t, s) };
  }
}

export function substStack(st: StackType, s: Subst): StackType {
  if (s.size === 0) return st;
  const heads: WordType[] = [];
  let rest = st;
  while (rest.k === 'cons') {
    heads.push(substWord(rest.head, s));
    rest = rest.tail;
  }
  let out: StackType = rest;
  if (rest.k === 'svar') {
    const b = s.get(rest.name);
    if (b !== undefined && b.kind === 'stack') out = b.s;
  }
  for (let i = heads.length - 1; i >= 0; i--) out = { k: 'cons', head: heads[i]!, tail: out };
  return out;
}

export function substCode(ct: CodeType, s: Subst): CodeType {
  const inner = without(
    s,
    ct.vars.map((v) => v.name),
  );
  const { vars, ren } = renameApart(ct.vars, inner);
  const regs: Partial<Record<Reg32, WordType>> = {};
  for (const [r, t] of Object.entries(ct.regs) as [Reg32, WordType][]) regs[r] = substWord(substWord(t, ren), inner);
  return { vars, regs };
}

/** The registers of ct with its bound variables replaced (bypassing substCode, which leaves bound variables alone). */
export function openCode(ct: CodeType, ren: Subst): Partial<Record<Reg32, WordType>> {
  const regs: Partial<Record<Reg32, WordType>> = {};
  for (const [r, t] of Object.entries(ct.regs) as [Reg32, WordType][]) regs[r] = substWord(t, ren);
  return regs;
}

// ---------- free variables ----------

export function freeVarsWord(t: WordType, out: Set<string> = new Set()): Set<string> {
  spend(1);
  switch (t.k) {
    case 'sing':
    case 'below':
    case 'bytes':
      if (t.n.k === 'var') out.add(t.n.name);
      break;
    case 'words':
      if (t.n.k === 'var') out.add(t.n.name);
      freeVarsWord(t.elem, out);
      break;
    case 'tvar':
      out.add(t.name);
      break;
    case 'tuple':
      for (const f of t.fields) freeVarsWord(f.t, out);
      break;
    case 'code': {
      const inner = new Set<string>();
      for (const r of Object.values(t.ct.regs)) if (r !== undefined) freeVarsWord(r, inner);
      for (const v of t.ct.vars) inner.delete(v.name);
      for (const n of inner) out.add(n);
      break;
    }
    case 'sptr':
      freeVarsStack(t.s, out);
      break;
    case 'exists': {
      const inner = freeVarsWord(t.body);
      inner.delete(t.v.name);
      for (const n of inner) out.add(n);
      break;
    }
    case 'maybe':
      freeVarsWord(t.t, out);
      break;
    default:
      break;
  }
  return out;
}

export function freeVarsStack(st: StackType, out: Set<string> = new Set()): Set<string> {
  for (let s = st; ; s = s.tail) {
    if (s.k === 'nil') return out;
    if (s.k === 'svar') {
      out.add(s.name);
      return out;
    }
    freeVarsWord(s.head, out);
  }
}

/** The free variables of a word or stack type with the kind each occurrence needs (a name used at two kinds appears once per kind). */
export function freeVarUses(t: { word: WordType } | { stack: StackType }): { name: string; kind: VarKind }[] {
  const out = new Map<string, { name: string; kind: VarKind }>();
  const use = (name: string, kind: VarKind, bound: ReadonlySet<string>): void => {
    if (!bound.has(name)) out.set(`${kind}:${name}`, { name, kind });
  };
  const size = (n: Size, bound: ReadonlySet<string>): void => {
    if (n.k === 'var') use(n.name, 'size', bound);
  };
  const stack = (st: StackType, bound: ReadonlySet<string>): void => {
    let x = st;
    while (x.k === 'cons') {
      word(x.head, bound);
      x = x.tail;
    }
    if (x.k === 'svar') use(x.name, 'stack', bound);
  };
  const word = (w: WordType, bound: ReadonlySet<string>): void => {
    switch (w.k) {
      case 'sing':
      case 'below':
      case 'bytes':
        size(w.n, bound);
        return;
      case 'words':
        size(w.n, bound);
        word(w.elem, bound);
        return;
      case 'tvar':
        use(w.name, 'type', bound);
        return;
      case 'tuple':
        for (const f of w.fields) word(f.t, bound);
        return;
      case 'code': {
        const inner = new Set([...bound, ...w.ct.vars.map((v) => v.name)]);
        for (const r of Object.values(w.ct.regs)) if (r !== undefined) word(r, inner);
        return;
      }
      case 'sptr':
        stack(w.s, bound);
        return;
      case 'exists':
        word(w.body, new Set([...bound, w.v.name]));
        return;
      case 'maybe':
        word(w.t, bound);
        return;
      default:
        return;
    }
  };
  if ('word' in t) word(t.word, new Set());
  else stack(t.stack, new Set());
  return [...out.values()];
}

export function varBinding(v: TyVar): Binding {
  switch (v.kind) {
    case 'type':
      return { kind: 'type', t: { k: 'tvar', name: v.name } };
    case 'size':
      return { kind: 'size', n: { k: 'var', name: v.name } };
    case 'stack':
      return { kind: 'stack', s: { k: 'svar', name: v.name } };
  }
}

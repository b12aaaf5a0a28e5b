// Operations on types that the rules share: substitution, equality, subtyping
// (with instantiation of a target's ∀-bound variables), join at control-flow merges.

import type { CodeType, Field, Reg32, Size, StackType, TyVar, VarKind, WordType } from '../types.js';
import { LIMITS, spend } from './limits.js';

export type Binding = { kind: 'type'; t: WordType } | { kind: 'size'; n: Size } | { kind: 'stack'; s: StackType };
export type Subst = Map<string, Binding>;

/** Named type definitions, for unfolding `named` types. */
export type TypeDefs = ReadonlyMap<string, WordType>;

export function sizeEq(a: Size, b: Size): boolean {
  return a.k === b.k && (a.k === 'const' ? a.value === (b as { value: number }).value : a.name === (b as { name: string }).name);
}

export function isIntLike(t: WordType): boolean {
  return t.k === 'int' || t.k === 'sing' || t.k === 'below' || t.k === 'null';
}

export function isPointer(t: WordType): boolean {
  return t.k === 'tuple' || t.k === 'bytes' || t.k === 'words' || t.k === 'named' || t.k === 'exists' || t.k === 'tvar' || t.k === 'code';
}

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
  const inner = without(s, ct.vars.map((v) => v.name));
  const { vars, ren } = renameApart(ct.vars, inner);
  const regs: Partial<Record<Reg32, WordType>> = {};
  for (const [r, t] of Object.entries(ct.regs) as [Reg32, WordType][]) regs[r] = substWord(substWord(t, ren), inner);
  return { vars, regs };
}

/** The registers of ct with its bound variables replaced (bypassing substCode, which leaves bound variables alone). */
function openCode(ct: CodeType, ren: Subst): Partial<Record<Reg32, WordType>> {
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

// ---------- comparison ----------

/** Work units of one comparison step (tal/check/limits.ts): about ten times a slot copied. */
const COMPARE_COST = 10;

/** Types whose comparison can recurse: the ones worth remembering. */
const COMPOUND: ReadonlySet<WordType['k']> = new Set(['named', 'tuple', 'words', 'code', 'exists', 'maybe', 'sptr']);

/**
 * Decides a ≤ b (a value of type a may be used where b is expected). Variables in
 * `flex` are the target's ∀-bound variables: the first occurrence binds them
 * (recorded in `subst`), later ones must agree. Returns false on mismatch.
 */
export class Comparer {
  private depth = 0;

  constructor(
    private readonly defs: TypeDefs,
    readonly flex: ReadonlySet<string> = new Set(),
    readonly subst: Subst = new Map(),
    /**
     * Shared by the comparisons one top-level comparison starts, made when first needed.
     * `assumed`: comparisons in progress that unfold a named type: meeting one again proves it
     * (recursive types are compared coinductively), so comparing two spellings of one recursive
     * type ends. `memo`: results of comparisons without inference, by identity of the two types:
     * a type shared many times (a DAG, or .type names built from .type names) is compared once per
     * pair, not once per path; a result may rest on the assumptions, so it lives only as long as they do.
     */
    private readonly shared: { assumed?: Map<WordType, Set<WordType>>; memo?: Map<WordType, Map<WordType, boolean>> } = {},
  ) {}

  private sub(flex: ReadonlySet<string> = new Set(), subst: Subst = new Map()): Comparer {
    return new Comparer(this.defs, flex, subst, this.shared);
  }

  unfold(name: string): WordType | undefined {
    return this.defs.get(name);
  }

  size(a: Size, b: Size): boolean {
    if (b.k === 'var' && this.flex.has(b.name)) {
      const bound = this.subst.get(b.name);
      if (bound === undefined) {
        this.subst.set(b.name, { kind: 'size', n: a });
        return true;
      }
      return bound.kind === 'size' && sizeEq(a, bound.n);
    }
    return sizeEq(a, b);
  }

  /** a ≤ b for the bound of a `below` type: a proven bound implies the wanted bound. */
  private boundLe(a: Size, aStrict: boolean, b: Size, bStrict: boolean): boolean {
    if (a.k === 'const' && b.k === 'const') {
      const aMax = aStrict ? a.value - 1 : a.value;
      const bMax = bStrict ? b.value - 1 : b.value;
      return aMax <= bMax;
    }
    return (aStrict || !bStrict) && this.size(a, b);
  }

  word(a: WordType, b: WordType): boolean {
    if (a === b && this.flex.size === 0) return true;
    spend(COMPARE_COST);
    // Deeper than any type the checker lets exist (LIMITS.typeDepth) only through named types: no proof there.
    if (this.depth > 2 * LIMITS.typeDepth) return false;
    // Assumptions and remembered results are only sound while nothing is being inferred (a binding made under one could be undone).
    const closed = this.flex.size === 0;
    let known: Map<WordType, boolean> | undefined;
    if (closed && (COMPOUND.has(a.k) || COMPOUND.has(b.k))) {
      const memo = (this.shared.memo ??= new Map());
      known = memo.get(a);
      const hit = known?.get(b);
      if (hit !== undefined) return hit;
      if (known === undefined) memo.set(a, (known = new Map()));
    }
    let pending: Set<WordType> | undefined;
    if (closed && (a.k === 'named' || b.k === 'named')) {
      const assumed = (this.shared.assumed ??= new Map());
      pending = assumed.get(a);
      if (pending?.has(b) === true) return true;
      if (pending === undefined) assumed.set(a, (pending = new Set()));
      pending.add(b);
    }
    this.depth++;
    try {
      const r = this.wordInner(a, b);
      known?.set(b, r);
      return r;
    } finally {
      this.depth--;
      pending?.delete(b);
    }
  }

  private wordInner(a: WordType, b: WordType): boolean {
    if (a.k === 'uninit') return b.k === 'uninit';
    if (b.k === 'uninit') return true; // anything may be forgotten
    if (b.k === 'tvar' && this.flex.has(b.name)) {
      const bound = this.subst.get(b.name);
      if (bound === undefined) {
        this.subst.set(b.name, { kind: 'type', t: a });
        return true;
      }
      return bound.kind === 'type' && this.sub().word(a, bound.t);
    }
    if (a.k === 'named' && b.k === 'named' && a.name === b.name) return true;
    if (b.k === 'named') {
      const u = this.unfold(b.name);
      return u !== undefined && this.word(a, u);
    }
    if (a.k === 'named') {
      const u = this.unfold(a.name);
      return u !== undefined && this.word(u, b);
    }
    switch (b.k) {
      case 'int':
        return true; // every initialised word is an integer
      case 'sing':
        if (a.k === 'sing') return this.size(a.n, b.n);
        return a.k === 'null' && b.n.k === 'const' && b.n.value === 0;
      case 'below':
        if (a.k === 'below') return this.boundLe(a.n, a.strict, b.n, b.strict);
        if (a.k === 'sing') {
          if (a.n.k === 'const' && b.n.k === 'const') return b.strict ? a.n.value < b.n.value : a.n.value <= b.n.value;
          if (a.n.k === 'const' && a.n.value === 0) return !b.strict; // 0 ≤ n for every n
          return !b.strict && this.size(a.n, b.n);
        }
        if (a.k === 'null') return !b.strict || (b.n.k === 'const' && b.n.value > 0);
        return false;
      case 'null':
        return a.k === 'null' || (a.k === 'sing' && a.n.k === 'const' && a.n.value === 0);
      case 'maybe':
        if (a.k === 'maybe') return this.word(a.t, b.t);
        if (a.k === 'null' || (a.k === 'sing' && a.n.k === 'const' && a.n.value === 0)) return true;
        return this.word(a, b.t);
      case 'tvar':
        return a.k === 'tvar' && a.name === b.name;
      case 'tuple':
        return a.k === 'tuple' && this.fields(a.fields, b.fields);
      case 'bytes':
        return a.k === 'bytes' && this.size(a.n, b.n);
      case 'words':
        return a.k === 'words' && this.size(a.n, b.n) && this.equal(a.elem, b.elem);
      case 'code':
        return a.k === 'code' && this.code(a.ct, b.ct);
      case 'sptr':
        return a.k === 'sptr' && this.stack(a.s, b.s);
      case 'exists':
        return this.exists(a, b);
    }
  }

  /** Invariant positions (mutable fields, array elements): both directions. */
  equal(a: WordType, b: WordType): boolean {
    if (!this.word(a, b)) return false;
    const bInst = substWord(b, this.subst);
    return sameWord(a, bInst) || this.sub().word(bInst, a);
  }

  private fields(a: Field[], b: Field[]): boolean {
    if (a.length < b.length) return false; // width subtyping: a longer tuple may be seen as its prefix
    for (let i = 0; i < b.length; i++) {
      if (b[i]!.init && !a[i]!.init) return false;
      if (!this.equal(a[i]!.t, b[i]!.t)) return false;
    }
    return true;
  }

  /** Code types are compared up to renaming of their bound variables (both renamed to fresh names, so neither captures a free one). */
  private code(a: CodeType, b: CodeType): boolean {
    if (a.vars.length !== b.vars.length) return false;
    const aRen: Subst = new Map();
    const bRen: Subst = new Map();
    for (let i = 0; i < a.vars.length; i++) {
      const av = a.vars[i]!;
      const bv = b.vars[i]!;
      if (av.kind !== bv.kind) return false;
      const f = varBinding(freshVar(av));
      aRen.set(av.name, f);
      bRen.set(bv.name, f);
    }
    const aRegs = openCode(a, aRen);
    const bRegs = openCode(b, bRen);
    const keys = new Set([...Object.keys(aRegs), ...Object.keys(bRegs)]) as Set<Reg32>;
    for (const r of keys) {
      const x = aRegs[r];
      const y = bRegs[r];
      if (x === undefined || y === undefined) return false;
      if (!this.equal(x, y)) return false;
    }
    return true;
  }

  stack(a: StackType, b: StackType): boolean {
    for (;;) {
      if (b.k === 'svar' && this.flex.has(b.name)) {
        const bound = this.subst.get(b.name);
        if (bound === undefined) {
          this.subst.set(b.name, { kind: 'stack', s: a });
          return true;
        }
        return bound.kind === 'stack' && this.sub().stack(a, bound.s);
      }
      if (b.k === 'nil') return a.k === 'nil';
      if (b.k === 'svar') return a.k === 'svar' && a.name === b.name;
      if (a.k !== 'cons' || !this.word(a.head, b.head)) return false;
      a = a.tail;
      b = b.tail;
    }
  }

  private exists(a: WordType, b: Extract<WordType, { k: 'exists' }>): boolean {
    // Both bound variables become one fresh name, which neither a free variable nor a ∀-bound one being inferred can capture.
    const f = freshVar(b.v);
    const bBody = substWord(b.body, new Map([[b.v.name, varBinding(f)]]));
    if (a.k === 'exists' && a.v.kind === b.v.kind) {
      return this.word(substWord(a.body, new Map([[a.v.name, varBinding(f)]])), bBody);
    }
    // Packing: find a witness for b's variable by matching a against b's body.
    const inner = this.sub(new Set([...this.flex, f.name]), new Map(this.subst));
    if (!inner.word(a, bBody)) return false;
    for (const [k, v] of inner.subst) if (k !== f.name) this.subst.set(k, v);
    return true;
  }
}

/** Structural identity (same spelling, same variable names): a cheap way to settle most invariant comparisons. */
export function sameWord(a: WordType, b: WordType): boolean {
  if (a === b) return true;
  spend(1);
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'sing':
    case 'bytes':
      return sizeEq(a.n, (b as typeof a).n);
    case 'below':
      return a.strict === (b as typeof a).strict && sizeEq(a.n, (b as typeof a).n);
    case 'tvar':
    case 'named':
      return a.name === (b as typeof a).name;
    case 'tuple': {
      const bf = (b as typeof a).fields;
      return a.fields.length === bf.length && a.fields.every((f, i) => f.init === bf[i]!.init && sameWord(f.t, bf[i]!.t));
    }
    case 'words':
      return sizeEq(a.n, (b as typeof a).n) && sameWord(a.elem, (b as typeof a).elem);
    case 'maybe':
      return sameWord(a.t, (b as typeof a).t);
    case 'exists': {
      const bv = (b as typeof a).v;
      return a.v.name === bv.name && a.v.kind === bv.kind && sameWord(a.body, (b as typeof a).body);
    }
    case 'sptr':
      return sameStack(a.s, (b as typeof a).s);
    case 'code': {
      const x = a.ct;
      const y = (b as typeof a).ct;
      if (x.vars.length !== y.vars.length || x.vars.some((v, i) => v.name !== y.vars[i]!.name || v.kind !== y.vars[i]!.kind)) return false;
      const keys = new Set([...Object.keys(x.regs), ...Object.keys(y.regs)]) as Set<Reg32>;
      for (const r of keys) {
        const p = x.regs[r];
        const q = y.regs[r];
        if (p === undefined || q === undefined || !sameWord(p, q)) return false;
      }
      return true;
    }
    default:
      return true; // int, null, uninit
  }
}

function sameStack(a: StackType, b: StackType): boolean {
  for (;;) {
    if (a.k === 'nil' || b.k === 'nil') return a.k === b.k;
    if (a.k === 'svar' || b.k === 'svar') return a.k === 'svar' && b.k === 'svar' && a.name === b.name;
    if (!sameWord(a.head, b.head)) return false;
    a = a.tail;
    b = b.tail;
  }
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

export function subtype(defs: TypeDefs, a: WordType, b: WordType): boolean {
  return new Comparer(defs).word(a, b);
}

// ---------- join ----------

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

/** null, or the integer constant 0 (which is the null pointer). */
export function isZeroWord(t: WordType): boolean {
  return t.k === 'null' || (t.k === 'sing' && t.n.k === 'const' && t.n.value === 0);
}

/** The unsigned upper bound an integer type proves, as a (size, strict) pair. */
export function boundOf(t: WordType): { n: Size; strict: boolean } | undefined {
  if (t.k === 'sing') return { n: t.n, strict: false };
  if (t.k === 'below') return { n: t.n, strict: t.strict };
  if (t.k === 'null') return { n: { k: 'const', value: 0 }, strict: false };
  return undefined;
}

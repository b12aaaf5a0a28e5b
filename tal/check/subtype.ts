// Subtyping: a ≤ b, with instantiation of a target's ∀-bound variables, compared
// coinductively for recursive types and remembered per pair of types.

import type { CodeType, Field, Reg32, Size, StackType, WordType } from '../types.js';
import { COST, LIMITS, spend } from './limits.js';
import { freshVar, openCode, substWord, varBinding, type Subst } from './subst.js';
import { sizeEq, type TypeDefs } from './word-kinds.js';

// ---------- comparison ----------

/** No ∀-bound variables: shared by the many comparisons that instantiate nothing (a ReadonlySet, never changed). */
const NO_VARS: ReadonlySet<string> = new Set();

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
    readonly flex: ReadonlySet<string> = NO_VARS,
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

  private sub(flex: ReadonlySet<string> = NO_VARS, subst: Subst = new Map()): Comparer {
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
    spend(COST.compareStep);
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

export function subtype(defs: TypeDefs, a: WordType, b: WordType): boolean {
  return new Comparer(defs).word(a, b);
}

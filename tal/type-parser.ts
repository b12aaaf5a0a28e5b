// Parses the type annotations of docs/tal.md ("Types") into tal/types.ts values.

import type { DiagnosticCode } from './diagnostic-codes.js';
import { TalError } from './diagnostics.js';
import type { Token } from './lexer.js';
import type { TokenStream } from './token-stream.js';
import { REGS32, type CodeType, type Reg32, type Size, type StackType, type TyVar, type VarKind, type WordType } from './types.js';

/** Types nest at most this deep, and a stack type lists at most this many slots: a limit, not a stack overflow. */
const MAX_TYPE_DEPTH = 100;
const MAX_STACK_SLOTS = 4096;

/** Names visible while parsing a type: bound variables (innermost last) and named types. */
export class TypeScope {
  private readonly vars: TyVar[] = [];
  private depth = 0;

  /**
   * @param open in the type of a pseudo-instruction, names not bound in the type itself are taken as free
   * variables of the kind their position needs; the checker then requires them in scope (E_SCOPE).
   * Label types are closed: an unbound name there is an error here.
   */
  constructor(
    private readonly typeNames: ReadonlySet<string>,
    readonly open = false,
  ) {}

  /** Runs f one level deeper in the type, failing with E_LIMIT past MAX_TYPE_DEPTH. */
  deeper<T>(ts: TokenStream, f: () => T): T {
    if (this.depth >= MAX_TYPE_DEPTH) limit(ts, ts.peek(), `this type nests more than ${MAX_TYPE_DEPTH} levels deep`);
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  lookup(name: string): TyVar | undefined {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i];
    return undefined;
  }

  isTypeName(name: string): boolean {
    return this.typeNames.has(name);
  }

  with<T>(vs: TyVar[], f: () => T): T {
    this.vars.push(...vs);
    try {
      return f();
    } finally {
      this.vars.length -= vs.length;
    }
  }
}

const KINDS: readonly VarKind[] = ['type', 'size', 'stack'];

/** Words that start a type, so never a free stack variable. */
const TYPE_WORDS: ReadonlySet<string> = new Set(['int', 'S', 'bytes', 'words', 'sptr', 'null', 'argv', 'forall', 'code', 'exists']);

/** The built-in type of main's argument vector: ∃m. words(m, ∃n. bytes(n)). */
export const ARGV_TYPE: WordType = {
  k: 'exists',
  v: { name: 'argc', kind: 'size' },
  body: {
    k: 'words',
    n: { k: 'var', name: 'argc' },
    elem: { k: 'exists', v: { name: 'len', kind: 'size' }, body: { k: 'bytes', n: { k: 'var', name: 'len' } } },
  },
};

export function parseWordType(ts: TokenStream, scope: TypeScope): WordType {
  return ts.nested(() => union(ts, scope));
}

export function parseStackType(ts: TokenStream, scope: TypeScope): StackType {
  return ts.nested(() => stack(ts, scope));
}

export function parseCodeType(ts: TokenStream, scope: TypeScope): CodeType {
  return ts.nested(() => codeType(ts, scope));
}

function failWith(ts: TokenStream, t: Token, code: DiagnosticCode, message: string, hint: string): never {
  throw new TalError({ code, severity: 'error', file: ts.file, line: t.loc.line, col: t.loc.col, message, hint });
}

function limit(ts: TokenStream, t: Token, message: string): never {
  failWith(ts, t, 'E_LIMIT', message, 'name parts of it with .type');
}

function union(ts: TokenStream, scope: TypeScope): WordType {
  return scope.deeper(ts, () => unionAt(ts, scope));
}

function unionAt(ts: TokenStream, scope: TypeScope): WordType {
  const at = ts.peek();
  const first = primary(ts, scope);
  if (!ts.accept('|')) return first;
  const second = primary(ts, scope);
  if (ts.peek().text === '|') ts.fail(ts.peek(), 'only two-way unions with null are supported: null | τ');
  const other = first.k === 'null' ? second : second.k === 'null' ? first : undefined;
  if (other === undefined || other.k === 'null') ts.fail(at, 'a union must be null | τ, where τ is a pointer type');
  return { k: 'maybe', t: other! };
}

function size(ts: TokenStream, scope: TypeScope): Size {
  const t = ts.next();
  if (t.kind === 'number') return { k: 'const', value: t.value! };
  if (t.kind === 'ident') {
    const v = scope.lookup(t.text);
    if (v === undefined && scope.open) return { k: 'var', name: t.text };
    if (v === undefined) failWith(ts, t, 'E_SCOPE', `unknown size variable '${t.text}'`, `bind it with forall ${t.text}:size. or exists ${t.text}:size.`);
    if (v!.kind !== 'size') failWith(ts, t, 'E_SCOPE', `'${t.text}' is a ${v!.kind} variable, not a size`, 'sizes are numbers or variables of kind size');
    return { k: 'var', name: t.text };
  }
  return ts.fail(t, `expected a size (a number or a size variable), found '${t.text}'`);
}

function vars(ts: TokenStream, scope: TypeScope): TyVar[] {
  const out: TyVar[] = [];
  do {
    const name = ts.expectIdent('a variable name');
    let kind: VarKind = 'type';
    if (ts.accept(':')) {
      const k = ts.expectIdent('a kind (type, size or stack)');
      if (!(KINDS as readonly string[]).includes(k.text)) ts.fail(k, `unknown kind '${k.text}'`, 'kinds are type, size and stack');
      kind = k.text as VarKind;
    }
    if (out.some((v) => v.name === name.text) || scope.isTypeName(name.text)) ts.fail(name, `'${name.text}' is already a name here`);
    if (out.length >= MAX_TYPE_DEPTH) limit(ts, name, `more than ${MAX_TYPE_DEPTH} variables in one binder`);
    out.push({ name: name.text, kind });
  } while (ts.accept(','));
  ts.expect('.');
  return out;
}

function primary(ts: TokenStream, scope: TypeScope): WordType {
  const t = ts.peek();
  if (t.text === '(') {
    ts.next();
    const inner = union(ts, scope);
    ts.expect(')');
    return inner;
  }
  if (t.text === '*[') {
    ts.next();
    const fields: { t: WordType; init: boolean }[] = [];
    do {
      const ft = union(ts, scope);
      fields.push({ t: ft, init: !ts.accept('^u') });
    } while (ts.accept(','));
    ts.expect(']');
    return { k: 'tuple', fields };
  }
  if (t.kind !== 'ident') return ts.fail(t, `expected a type, found '${t.text || 'end of line'}'`);
  switch (t.text) {
    case 'int':
      ts.next();
      if (ts.accept('<')) return { k: 'below', n: size(ts, scope), strict: true };
      if (ts.accept('<=')) return { k: 'below', n: size(ts, scope), strict: false };
      return { k: 'int' };
    case 'S': {
      ts.next();
      ts.expect('(');
      const n = size(ts, scope);
      ts.expect(')');
      return { k: 'sing', n };
    }
    case 'bytes': {
      ts.next();
      ts.expect('(');
      const n = size(ts, scope);
      ts.expect(')');
      return { k: 'bytes', n };
    }
    case 'words': {
      ts.next();
      ts.expect('(');
      const n = size(ts, scope);
      ts.expect(',');
      const elem = union(ts, scope);
      ts.expect(')');
      return { k: 'words', n, elem };
    }
    case 'sptr':
      ts.next();
      return { k: 'sptr', s: stack(ts, scope) };
    case 'null':
      ts.next();
      return { k: 'null' };
    case 'argv':
      ts.next();
      return ARGV_TYPE;
    case 'forall':
    case 'code':
      return { k: 'code', ct: codeType(ts, scope) };
    case 'exists': {
      ts.next();
      const vs = vars(ts, scope);
      for (const v of vs) if (v.kind === 'stack') ts.fail(t, 'exists binds size or type variables, not stack variables');
      const body = scope.with(vs, () => union(ts, scope));
      return vs.reduceRight<WordType>((b, v) => ({ k: 'exists', v, body: b }), body);
    }
    default: {
      ts.next();
      const v = scope.lookup(t.text);
      if (v !== undefined) {
        if (v.kind !== 'type')
          failWith(ts, t, 'E_SCOPE', `'${t.text}' is a ${v.kind} variable, not a type`, 'only variables of kind type stand for a word type');
        return { k: 'tvar', name: t.text };
      }
      if (scope.isTypeName(t.text)) return { k: 'named', name: t.text };
      if (scope.open) return { k: 'tvar', name: t.text };
      return failWith(
        ts,
        t,
        'E_UNKNOWN_TYPE',
        `unknown type '${t.text}'`,
        'types: int, S(n), int<n, *[…], bytes(n), words(n, τ), code {…}, sptr σ, exists, null | τ, a bound variable, or a .type name',
      );
    }
  }
}

function stack(ts: TokenStream, scope: TypeScope): StackType {
  const heads: WordType[] = [];
  let tail: StackType;
  for (;;) {
    const t = ts.peek();
    if (t.kind === 'ident' && t.text === 'nil') {
      ts.next();
      tail = { k: 'nil' };
      break;
    }
    // In an open type, an unknown name followed by no '::' is the stack's tail, e.g. `sptr int :: s`.
    const freeTail =
      scope.open &&
      t.kind === 'ident' &&
      scope.lookup(t.text) === undefined &&
      !scope.isTypeName(t.text) &&
      !TYPE_WORDS.has(t.text) &&
      ts.peekAt(1).text !== '::';
    if (t.kind === 'ident' && (scope.lookup(t.text)?.kind === 'stack' || freeTail)) {
      ts.next();
      if (ts.peek().text === '::') ts.fail(t, `stack variable '${t.text}' must be the tail of a stack type`);
      tail = { k: 'svar', name: t.text };
      break;
    }
    if (heads.length >= MAX_STACK_SLOTS) limit(ts, t, `this stack type lists more than ${MAX_STACK_SLOTS} slots`);
    heads.push(union(ts, scope));
    if (!ts.accept('::')) ts.fail(ts.peek(), "expected '::' in a stack type", 'a stack type is τ :: … :: ρ, ending in a stack variable or nil');
  }
  for (let i = heads.length - 1; i >= 0; i--) tail = { k: 'cons', head: heads[i]!, tail };
  return tail;
}

function codeType(ts: TokenStream, scope: TypeScope): CodeType {
  let bound: TyVar[] = [];
  if (ts.accept('forall')) bound = vars(ts, scope);
  const kw = ts.expectIdent("'code'");
  if (kw.text !== 'code') ts.fail(kw, `expected 'code', found '${kw.text}'`);
  return scope.with(bound, () => {
    ts.expect('{');
    const regs: Partial<Record<Reg32, WordType>> = {};
    let espAt: Token | undefined;
    if (!ts.accept('}')) {
      do {
        const r = ts.expectIdent('a register');
        const name = r.text.toLowerCase();
        if (!(REGS32 as readonly string[]).includes(name)) ts.fail(r, `expected a 32-bit register, found '${r.text}'`);
        if (regs[name as Reg32] !== undefined) ts.fail(r, `register ${r.text} appears twice`);
        ts.expect(':');
        if (name === 'esp') espAt = ts.peek();
        regs[name as Reg32] = union(ts, scope);
      } while (ts.accept(','));
      ts.expect('}');
    }
    if (regs.esp !== undefined && regs.esp.k !== 'sptr') ts.fail(espAt ?? kw, 'ESP must have a stack pointer type: ESP: sptr σ');
    return { vars: bound, regs };
  });
}

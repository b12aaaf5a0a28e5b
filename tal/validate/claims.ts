// The checker's claims at one program point, read back from its trace
// (checkSource(..., {trace: true})): the type of every register and stack slot,
// the variables in scope and the comparison the flags are said to hold. The
// trace is text made for people; this parses it with the language's own type
// parser, so a claim means exactly what the checker printed.

import { tokenize } from '../lexer.js';
import { TokenStream } from '../token-stream.js';
import { TypeScope, parseWordType } from '../type-parser.js';
import type { TypeStateEntry } from '../diagnostics.js';
import { REGS32, type Reg32, type TyVar, type VarKind, type WordType } from '../types.js';

/** What the flags are claimed to reflect: `cmp a, b` (b a register or a constant) or `test r, r`. */
export type FlagsClaim = { kind: 'cmp'; a: Reg32; b: { reg: Reg32 } | { value: number } } | { kind: 'test'; reg: Reg32 };

export interface PointClaims {
  regs: Map<Reg32, WordType>;
  /** Slot 0 is [esp]; undefined for a slot the checker calls uninitialized. */
  slots: (WordType | undefined)[];
  vars: TyVar[];
  flags?: FlagsClaim;
}

/** Checker-made names contain '#', which source names never do; the lexer needs a name character instead. */
const HASH = '__h';

function typeText(text: string): string {
  return text.replaceAll('#', HASH);
}

export function parseTraceType(text: string, typeNames: ReadonlySet<string>, vars: TyVar[]): WordType {
  const ts = new TokenStream(tokenize(typeText(text), '<trace>'), '<trace>');
  const scope = new TypeScope(typeNames, true);
  return scope.with(vars, () => parseWordType(ts, scope));
}

function parseFlags(fact: string): FlagsClaim | undefined {
  const test = /^flags: test (\w+), \1$/.exec(fact);
  if (test !== null && isReg32(test[1]!)) return { kind: 'test', reg: test[1] };
  const cmp = /^flags: cmp (\w+), (.+)$/.exec(fact);
  if (cmp === null || !isReg32(cmp[1]!)) return undefined;
  const b = cmp[2]!;
  if (isReg32(b)) return { kind: 'cmp', a: cmp[1], b: { reg: b } };
  const sing = /^S\((\d+)\)$/.exec(b);
  return sing !== null ? { kind: 'cmp', a: cmp[1], b: { value: Number(sing[1]) } } : undefined;
}

function isReg32(name: string): name is Reg32 {
  return (REGS32 as readonly string[]).includes(name) && name !== 'esp';
}

export function claimsOf(entry: TypeStateEntry, typeNames: ReadonlySet<string>): PointClaims {
  const vars: TyVar[] = [];
  let flags: FlagsClaim | undefined;
  for (const fact of entry.facts) {
    const v = /^([^:\s]+):(type|size|stack)$/.exec(fact);
    if (v !== null) vars.push({ name: typeText(v[1]!), kind: v[2] as VarKind });
    else flags = parseFlags(fact) ?? flags;
  }
  const regs = new Map<Reg32, WordType>();
  for (const [r, t] of Object.entries(entry.regs)) {
    if (isReg32(r)) regs.set(r, parseTraceType(t, typeNames, vars));
  }
  const slots = entry.stack.slice(0, -1).map((t) => (t === '?' ? undefined : parseTraceType(t, typeNames, vars)));
  const out: PointClaims = { regs, slots, vars };
  if (flags !== undefined) out.flags = flags;
  return out;
}

// The TAL type language: word types (what a register or a memory word holds),
// stack types (what the stack holds, from ESP upwards) and code types
// (the precondition on the register file at a label).
// See docs/tal.md for the surface syntax of each form.

export const REGS32 = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp'] as const;
export type Reg32 = (typeof REGS32)[number];

/** A size: a compile-time constant or a size variable bound by ∀ or ∃. */
export type Size = { k: 'const'; value: number } | { k: 'var'; name: string };

/** One field of a tuple: its type and whether it has been written since allocation. */
export interface Field {
  t: WordType;
  init: boolean;
}

export type VarKind = 'type' | 'size' | 'stack';
export interface TyVar {
  name: string;
  kind: VarKind;
}

export type WordType =
  | { k: 'int' } // any 32-bit value
  | { k: 'sing'; n: Size } // S(n): exactly n
  | { k: 'below'; n: Size; strict: boolean } // int, unsigned < n (strict) or <= n
  | { k: 'tvar'; name: string } // abstract type α
  | { k: 'tuple'; fields: Field[] } // pointer to a tuple in the heap or data
  | { k: 'bytes'; n: Size } // pointer to n bytes; the length word sits at [p-4]
  | { k: 'words'; n: Size; elem: WordType } // pointer to n words of elem; length at [p-4]
  | { k: 'code'; ct: CodeType } // pointer to checked code with this precondition
  | { k: 'sptr'; s: StackType } // the stack pointer itself
  | { k: 'exists'; v: TyVar; body: WordType } // ∃v.body (v is a size or type variable)
  | { k: 'named'; name: string } // a .type definition, possibly recursive
  | { k: 'maybe'; t: WordType } // null | t, where t is a pointer type
  | { k: 'null' } // the null pointer (the integer 0)
  | { k: 'uninit' }; // a stack slot or register not yet written: reading it is an error

export type StackType =
  | { k: 'nil' } // the empty stack (nothing may be popped)
  | { k: 'svar'; name: string } // an abstract stack tail ρ
  | { k: 'cons'; head: WordType; tail: StackType }; // head on top of tail

/** Precondition on the register file. Registers not listed hold nothing usable. */
export interface CodeType {
  vars: TyVar[];
  regs: Partial<Record<Reg32, WordType>>;
}

export const INT: WordType = { k: 'int' };

export function constSize(value: number): Size {
  return { k: 'const', value };
}

/** Bytes a heap tuple of this type occupies (every field is one 32-bit word). */
export function tupleBytes(t: Extract<WordType, { k: 'tuple' }>): number {
  return t.fields.length * 4;
}

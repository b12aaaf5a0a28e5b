// Classifying word types: which are integers, pointers or zero, what bound an integer proves.

import type { Size, WordType } from '../types.js';

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

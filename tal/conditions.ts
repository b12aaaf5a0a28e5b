// x86 condition codes: every suffix the assembler and the checker accept after
// j/set/cmov, mapped to one canonical name. One table, so the instruction the
// checker reasons about is always the one the assembler encodes.

export type Cond = 'e' | 'ne' | 'b' | 'ae' | 'be' | 'a' | 'l' | 'ge' | 'le' | 'g' | 's' | 'ns' | 'o' | 'no' | 'p' | 'np';

export const CONDITIONS: Readonly<Record<string, Cond>> = {
  e: 'e',
  z: 'e',
  ne: 'ne',
  nz: 'ne',
  b: 'b',
  nae: 'b',
  c: 'b',
  ae: 'ae',
  nb: 'ae',
  nc: 'ae',
  be: 'be',
  na: 'be',
  a: 'a',
  nbe: 'a',
  l: 'l',
  nge: 'l',
  ge: 'ge',
  nl: 'ge',
  le: 'le',
  ng: 'le',
  g: 'g',
  nle: 'g',
  s: 's',
  ns: 'ns',
  o: 'o',
  no: 'no',
  p: 'p',
  pe: 'p',
  np: 'np',
  po: 'np',
};

/** The condition a mnemonic with the given prefix tests, e.g. conditionOf('jnae', 'j') = 'b'. */
export function conditionOf(mnemonic: string, prefix: string): Cond | undefined {
  return mnemonic.startsWith(prefix) && Object.hasOwn(CONDITIONS, mnemonic.slice(prefix.length)) ? CONDITIONS[mnemonic.slice(prefix.length)] : undefined;
}

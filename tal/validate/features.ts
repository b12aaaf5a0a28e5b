// The typing features a generated unit exercises, beyond the rows of the instruction table
// (test/soundness/form-coverage.test.ts holds those): loops, calls, polymorphism, existentials,
// recursive and nullable types, arrays and bounds, code pointers in every place they can be held
// and every way they can be called, system calls, sub-registers and flags facts. Validation is only
// as strong as what the generator produces, so test/soundness/feature-coverage.test.ts requires
// each feature in a fixed-seed slice of accepted units, and `npm run soak:soundness` reports the
// counts. Each feature is recognized in the unit's source text (the generator's own phrasing).

import { SYSCALLS } from '../syscalls.js';

/** What one feature looks like in a unit: a test of one instruction line, or of the whole unit. */
type Detector = { line: RegExp } | { unit: (lines: readonly string[]) => number };

const REG = '(?:e[abcd]x|e[sd]i|ebp)';
const INDEX = new RegExp(`\\[${REG} \\+ ${REG}(?:\\*[1248])?\\]`);

/** Jumps (jmp, jcc, loop, jecxz) to a local label defined above them. */
function backwardJumps(lines: readonly string[]): number {
  const seen = new Set<string>();
  let n = 0;
  for (const l of lines) {
    const label = /^(\.\w+):$/.exec(l);
    if (label !== null) seen.add(label[1]!);
    const jump = /^\s+(?:j\w+|loop)\s+(\.\w+)$/.exec(l);
    if (jump !== null && seen.has(jump[1]!)) n++;
  }
  return n;
}

/** The last instruction of the unit is a jump, not `ret`: control passes on with the unit's return address. */
function tailCall(lines: readonly string[]): number {
  return /^\s+jmp\s/.test(lines[lines.length - 1] ?? '') ? 1 : 0;
}

/** A flags fact carried across an instruction that leaves the flags alone: `cmp`, then `mov`/`lea`, then a conditional jump. */
function flagsAcross(lines: readonly string[]): number {
  let n = 0;
  for (let i = 2; i < lines.length; i++) {
    if (/^\s+j(?!mp)\w+\s/.test(lines[i]!) && /^\s+(?:mov|lea)\s/.test(lines[i - 1]!) && /^\s+(?:cmp|test)\s/.test(lines[i - 2]!)) n++;
  }
  return n;
}

/** The system calls the generator can type (exit and exit_group end the whole image, so no unit may call them). */
export const GENERATED_SYSCALLS: readonly string[] = SYSCALLS.filter((p) => !p.noreturn).map((p) => p.name);

export const FEATURES: Readonly<Record<string, Detector>> = {
  'loop (backward jump)': { unit: backwardJumps },
  'call of a typed label': { line: /^\s+call h_\w+$/ },
  recursion: { line: /^\s+call h_rec$/ },
  'stack polymorphism (callee pops its argument, ret n)': { line: /^\s+call h_pop$/ },
  'type polymorphism (forall a)': { line: /^\s+call h_id$/ },
  'existential pack': { line: /^\s+pack\s/ },
  'existential unpack': { line: /^\s+unpack\s/ },
  'existential passed to a callee': { line: /^\s+call h_len$/ },
  'recursive type (list cell)': { line: /\*\[int, list\]/ },
  'nullable word array': { line: /word\(null \| / },
  'null check (test, jz)': { unit: (ls) => ls.filter((l, i) => /^\s+test (\w+), \1$/.test(l) && /^\s+jz\s/.test(ls[i + 1] ?? '')).length },
  'tuple on the heap (malloc)': { line: /^\s+malloc\s/ },
  'tuple in data': { line: /, dt0$/ },
  'tuple narrowed (coerce)': { line: /^\s+coerce\s/ },
  'byte array (newarray)': { line: /^\s+newarray \w+, byte,/ },
  'word array (newarray)': { line: /^\s+newarray \w+, word/ },
  'array of a run-time length': { line: new RegExp(`^\\s+newarray \\w+, \\w+(?:\\([^)]*\\))?, ${REG}$`) },
  'array in data': { line: /, d[bw]\d$/ },
  'length word read': { line: /\[\w+ - 4\]/ },
  'bounds-checked index': { line: INDEX },
  'code pointer in a register': { line: /^\s+mov \w+, h_\w+$/ },
  'code pointer in a tuple field': { line: /\*\[(?:int, )?forall r:stack\. code/ },
  'code pointer in a word array': { line: /word\(null \| forall r:stack\. code/ },
  'code pointer in a stack slot': { line: /^\s+call \[esp(?: \+ \d+)?\]$/ },
  'polymorphic code pointer in a tuple field': { line: /\*\[forall a, r:stack\. code/ },
  'call r32': { line: new RegExp(`^\\s+call ${REG}$`) },
  'call [m]': { line: /^\s+call (?:dword )?\[/ },
  'jmp r32': { line: new RegExp(`^\\s+jmp ${REG}$`) },
  'jmp [m]': { line: /^\s+jmp (?:dword )?\[/ },
  'tail call': { unit: tailCall },
  '8-bit register': { line: /\b(?:[abcd][lh])\b/ },
  '16-bit register': { line: /\b(?:[abcd]x|si|di|bp)\b/ },
  jcc: { line: /^\s+j(?!mp)\w+\s/ },
  setcc: { line: /^\s+set\w+\s/ },
  cmovcc: { line: /^\s+cmov\w+\s/ },
  'flags fact across a non-flag instruction': { unit: flagsAcross },
  ...Object.fromEntries(GENERATED_SYSCALLS.map((s) => [`system call ${s}`, { line: new RegExp(`^\\s+call ${s}$`) }])),
};

/** How often each feature occurs in one unit's lines (features that do not occur are absent). */
export function featuresOf(lines: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, d] of Object.entries(FEATURES)) {
    const n = 'line' in d ? lines.filter((l) => d.line.test(l)).length : d.unit(lines);
    if (n > 0) out.set(name, n);
  }
  return out;
}

// The instruction table: one row per (mnemonic, operand form) that TAL checks and assembles —
// `add r/m32, imm8`, `add r32, r/m32`, `shl r/m32, CL`… — with what it reads and writes, the
// checker judgment that types it and the iced-x86 encoding the assembler emits. One classifier
// (tal/classify.ts) maps a parsed instruction to its row; the checker (tal/check/rules.ts) and
// the encoder (tal/asm/encode.ts) both go through it, so a form outside this table is refused by
// both and they cannot disagree. The table also drives the objdump differential test
// (test/asm/forms.ts generates instances of every row), the list in docs/tal.md, "Instructions"
// (test/asm/instructions.test.ts), and the reject corpus's address cases (test/check/forms.test.ts).

import { CONDITIONS } from './conditions.js';
import type { Reg32 } from './types.js';

/**
 * An operand position of a form, in the Intel manual's words. `simm8` is an imm8 the CPU
 * sign-extends to the operand size; `count8` a shift count 0..255; `uimm16` ret's byte count;
 * `one` the constant 1 of the short shift; `rel` a branch target the layout encodes as rel8 or
 * rel32; `m` an address that is computed, never accessed (lea).
 */
export type OperandKind =
  | 'r8'
  | 'r16'
  | 'r32'
  | 'r/m8'
  | 'r/m32'
  | 'm'
  | 'AL'
  | 'AX'
  | 'EAX'
  | 'CL'
  | 'one'
  | 'imm8'
  | 'imm16'
  | 'imm32'
  | 'simm8'
  | 'count8'
  | 'uimm16'
  | 'rel8'
  | 'rel32'
  | 'rel';

/** The checker judgment that types a form: a key of RULES in tal/check/rules.ts. */
export type RuleName =
  | 'mov'
  | 'movExtend'
  | 'lea'
  | 'xchg'
  | 'push'
  | 'pop'
  | 'signExtend'
  | 'nop'
  | 'rdtsc'
  | 'binary'
  | 'shift'
  | 'doubleShift'
  | 'unary'
  | 'cmp'
  | 'test'
  | 'multiply'
  | 'bswap'
  | 'jmp'
  | 'call'
  | 'ret'
  | 'loop'
  | 'jecxz'
  | 'jcc'
  | 'setcc'
  | 'cmovcc';

/** How the assembler encodes a form: an iced-x86 `Code`, with the parsed operands in `order`; or a branch the layout sizes. */
export type Encoding = { code: string; order?: readonly number[] } | { short?: string; near?: string };

export type Group = 'data' | 'arithmetic' | 'compare' | 'control' | 'other';

export interface Form {
  mnemonic: string;
  operands: readonly OperandKind[];
  /** The form as docs/tal.md and diagnostics spell it, e.g. `add r/m32, imm8`. */
  name: string;
  group: Group;
  /** Explicit operands read and written, by position (0 = the first, Intel order). */
  reads: readonly number[];
  writes: readonly number[];
  /** Registers read or written without being named (ESP: the stack pointer). */
  implicitReads: readonly Reg32[];
  implicitWrites: readonly Reg32[];
  /** What the form does to the memory its r/m or m operand names (`address`: computes it only). */
  memory: 'none' | 'read' | 'write' | 'read-write' | 'address';
  flags: 'keep' | 'write' | 'read' | 'read-write';
  /** What it does to ESP: push (−4 and a store), pop (+4 and a load), call, ret, or nothing. */
  esp: 'none' | 'push' | 'pop' | 'call' | 'ret';
  rule: RuleName;
  encoding: Encoding;
  /** Whether a label's address may stand for its imm32 (`mov eax, msg`); not a multiplier. */
  labelImmediate: boolean;
  /** The operand size in bits (what an imm8 is sign-extended to), from the first sized operand; 32 when none. */
  width: 8 | 16 | 32;
}

const SIZED: Partial<Record<OperandKind, 8 | 16 | 32>> = { r8: 8, 'r/m8': 8, AL: 8, r16: 16, AX: 16, r32: 32, 'r/m32': 32, EAX: 32 };
const RM: ReadonlySet<OperandKind> = new Set(['r/m8', 'r/m32', 'm']);

interface Effects {
  group: Group;
  reads: number[];
  writes: number[];
  flags: Form['flags'];
  rule: RuleName;
  implicitReads?: Reg32[];
  implicitWrites?: Reg32[];
  esp?: Form['esp'];
}

function form(mnemonic: string, operands: OperandKind[], fx: Effects, encoding: Encoding): Form {
  const at = operands.findIndex((k) => RM.has(k));
  const r = at >= 0 && fx.reads.includes(at);
  const w = at >= 0 && fx.writes.includes(at);
  const memory: Form['memory'] = at < 0 ? 'none' : operands[at] === 'm' ? 'address' : r && w ? 'read-write' : w ? 'write' : r ? 'read' : 'none';
  const shown = operands.map((k) => (k === 'simm8' || k === 'count8' ? 'imm8' : k === 'uimm16' ? 'imm16' : k === 'one' ? '1' : k));
  return {
    mnemonic,
    operands,
    name: shown.length === 0 ? mnemonic : `${mnemonic} ${shown.join(', ')}`,
    group: fx.group,
    reads: fx.reads,
    writes: fx.writes,
    implicitReads: fx.implicitReads ?? [],
    implicitWrites: fx.implicitWrites ?? [],
    memory,
    flags: fx.flags,
    esp: fx.esp ?? 'none',
    rule: fx.rule,
    encoding,
    labelImmediate: fx.rule !== 'multiply',
    width: operands.map((k) => SIZED[k]).find((w) => w !== undefined) ?? 32,
  };
}

const cap = (m: string): string => m[0]!.toUpperCase() + m.slice(1);
const WIDTHS = [8, 16, 32] as const;
type W = (typeof WIDTHS)[number];
const r = (w: W): OperandKind => `r${w}`;
/**
 * The register-or-memory operand of width w. TAL types no 16-bit memory access (every object is
 * made of bytes or 4-byte words), so the 16-bit forms take a register only: `add word [m], 1` is
 * not a form either side knows, rather than one the assembler encodes and the checker never types.
 */
const rm = (w: W): OperandKind => (w === 16 ? 'r16' : `r/m${w}`);
const imm = (w: W): OperandKind => `imm${w}`;
const ACC: Record<W, OperandKind> = { 8: 'AL', 16: 'AX', 32: 'EAX' };

/**
 * Two-operand arithmetic (and cmp): the forms in the order the encoder prefers them — the
 * shortest encoding that fits first (imm8 before imm32, the accumulator form before r/m).
 */
function alu(m: string, fx: Effects): Form[] {
  const I = cap(m);
  return WIDTHS.flatMap((w) => [
    form(m, [rm(w), r(w)], fx, { code: `${I}_rm${w}_r${w}` }),
    form(m, [r(w), rm(w)], fx, { code: `${I}_r${w}_rm${w}` }),
    ...(w === 8
      ? [form(m, ['AL', 'imm8'], fx, { code: `${I}_AL_imm8` }), form(m, ['r/m8', 'imm8'], fx, { code: `${I}_rm8_imm8` })]
      : [
          form(m, [rm(w), 'simm8'], fx, { code: `${I}_rm${w}_imm8` }),
          form(m, [ACC[w], imm(w)], fx, { code: `${I}_${ACC[w]}_imm${w}` }),
          form(m, [rm(w), imm(w)], fx, { code: `${I}_rm${w}_imm${w}` }),
        ]),
  ]);
}

const ARITH = (flags: Form['flags']): Effects => ({ group: 'arithmetic', reads: [0, 1], writes: [0], flags, rule: 'binary' });
const MOV: Effects = { group: 'data', reads: [1], writes: [0], flags: 'keep', rule: 'mov' };

function shifts(m: string): Form[] {
  const I = cap(m);
  const fx: Effects = { group: 'arithmetic', reads: [0, 1], writes: [0], flags: m === 'rcl' || m === 'rcr' ? 'read-write' : 'write', rule: 'shift' };
  return WIDTHS.flatMap((w) => [
    form(m, [rm(w), 'one'], fx, { code: `${I}_rm${w}_1` }),
    form(m, [rm(w), 'CL'], fx, { code: `${I}_rm${w}_CL` }),
    form(m, [rm(w), 'count8'], fx, { code: `${I}_rm${w}_imm8` }),
  ]);
}

function doubleShifts(m: string): Form[] {
  const I = cap(m);
  const fx: Effects = { group: 'arithmetic', reads: [0, 1, 2], writes: [0], flags: 'write', rule: 'doubleShift' };
  return ([16, 32] as const).flatMap((w) => [
    form(m, [rm(w), r(w), 'count8'], fx, { code: `${I}_rm${w}_r${w}_imm8` }),
    form(m, [rm(w), r(w), 'CL'], fx, { code: `${I}_rm${w}_r${w}_CL` }),
  ]);
}

function unaries(m: string, flags: Form['flags']): Form[] {
  const fx: Effects = { group: 'arithmetic', reads: [0], writes: [0], flags, rule: 'unary' };
  const short = m === 'inc' || m === 'dec' ? ([16, 32] as const).map((w) => form(m, [r(w)], fx, { code: `${cap(m)}_r${w}` })) : [];
  return [...short, ...WIDTHS.map((w) => form(m, [rm(w)], fx, { code: `${cap(m)}_rm${w}` }))];
}

/** mul, div, idiv and one-operand imul on EDX:EAX (their 8- and 16-bit forms are not checked, so not in the table). */
function wide(m: string): Form {
  const divide = m === 'div' || m === 'idiv';
  const fx: Effects = {
    group: 'arithmetic',
    reads: [0],
    writes: [],
    flags: 'write',
    rule: 'multiply',
    implicitReads: divide ? ['eax', 'edx'] : ['eax'],
    implicitWrites: ['eax', 'edx'],
  };
  return form(m, ['r/m32'], fx, { code: `${cap(m)}_rm32` });
}

/** jcc, setcc and cmovcc for one condition suffix (an alias encodes as its canonical condition). */
function conditionals(alias: string): Form[] {
  const cc = CONDITIONS[alias]!;
  return [
    form(`j${alias}`, ['rel'], { group: 'control', reads: [], writes: [], flags: 'read', rule: 'jcc' }, { short: `J${cc}_rel8_32`, near: `J${cc}_rel32_32` }),
    form(`set${alias}`, ['r/m8'], { group: 'arithmetic', reads: [], writes: [0], flags: 'read', rule: 'setcc' }, { code: `Set${cc}_rm8` }),
    form(`cmov${alias}`, ['r32', 'r/m32'], { group: 'arithmetic', reads: [0, 1], writes: [0], flags: 'read', rule: 'cmovcc' }, { code: `Cmov${cc}_r32_rm32` }),
  ];
}

const TEST: Effects = { group: 'compare', reads: [0, 1], writes: [], flags: 'write', rule: 'test' };
const XCHG: Effects = { group: 'data', reads: [0, 1], writes: [0, 1], flags: 'keep', rule: 'xchg' };
const EXTEND: Effects = { group: 'data', reads: [1], writes: [0], flags: 'keep', rule: 'movExtend' };
const IMUL: Effects = { group: 'arithmetic', reads: [1, 2], writes: [0], flags: 'write', rule: 'multiply' };
const IMUL2: Effects = { ...IMUL, reads: [0, 1] };
const NONE = (group: Group, rule: RuleName, implicitReads: Reg32[], implicitWrites: Reg32[]): Effects => ({
  group,
  reads: [],
  writes: [],
  flags: 'keep',
  rule,
  implicitReads,
  implicitWrites,
});
const CALL_CLOBBERS: Reg32[] = ['esp', 'eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'];

const ROWS: Form[] = [
  ...WIDTHS.flatMap((w) => [
    form('mov', [rm(w), r(w)], MOV, { code: `Mov_rm${w}_r${w}` }),
    form('mov', [r(w), rm(w)], MOV, { code: `Mov_r${w}_rm${w}` }),
    form('mov', [r(w), imm(w)], MOV, { code: `Mov_r${w}_imm${w}` }),
    form('mov', [rm(w), imm(w)], MOV, { code: `Mov_rm${w}_imm${w}` }),
  ]),
  ...(['movzx', 'movsx'] as const).flatMap((m) => ([8, 16] as const).map((w) => form(m, ['r32', rm(w)], EXTEND, { code: `${cap(m)}_r32_rm${w}` }))),
  form('lea', ['r32', 'm'], { group: 'data', reads: [1], writes: [0], flags: 'keep', rule: 'lea' }, { code: 'Lea_r32_m' }),
  ...WIDTHS.flatMap((w) => [
    form('xchg', [rm(w), r(w)], XCHG, { code: `Xchg_rm${w}_r${w}` }),
    form('xchg', [r(w), rm(w)], XCHG, { code: `Xchg_rm${w}_r${w}`, order: [1, 0] }),
  ]),
  form('push', ['r32'], { ...NONE('data', 'push', ['esp'], ['esp']), reads: [0], esp: 'push' }, { code: 'Push_r32' }),
  form('push', ['r/m32'], { ...NONE('data', 'push', ['esp'], ['esp']), reads: [0], esp: 'push' }, { code: 'Push_rm32' }),
  form('push', ['simm8'], { ...NONE('data', 'push', ['esp'], ['esp']), reads: [0], esp: 'push' }, { code: 'Pushd_imm8' }),
  form('push', ['imm32'], { ...NONE('data', 'push', ['esp'], ['esp']), reads: [0], esp: 'push' }, { code: 'Pushd_imm32' }),
  form('pop', ['r32'], { ...NONE('data', 'pop', ['esp'], ['esp']), writes: [0], esp: 'pop' }, { code: 'Pop_r32' }),
  form('cdq', [], NONE('data', 'signExtend', ['eax'], ['edx']), { code: 'Cdq' }),
  form('cwd', [], NONE('data', 'signExtend', ['eax'], ['edx']), { code: 'Cwd' }),
  form('cwde', [], NONE('data', 'signExtend', ['eax'], ['eax']), { code: 'Cwde' }),
  form('cbw', [], NONE('data', 'signExtend', ['eax'], ['eax']), { code: 'Cbw' }),
  ...['add', 'sub', 'and', 'or', 'xor'].flatMap((m) => alu(m, ARITH('write'))),
  ...['adc', 'sbb'].flatMap((m) => alu(m, ARITH('read-write'))),
  ...['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'].flatMap(shifts),
  ...['shld', 'shrd'].flatMap(doubleShifts),
  ...unaries('inc', 'write'),
  ...unaries('dec', 'write'),
  ...unaries('neg', 'write'),
  ...unaries('not', 'keep'),
  ...['mul', 'imul', 'div', 'idiv'].map(wide),
  form('imul', ['r32', 'r/m32'], IMUL2, { code: 'Imul_r32_rm32' }),
  form('imul', ['r32', 'r/m32', 'simm8'], IMUL, { code: 'Imul_r32_rm32_imm8' }),
  form('imul', ['r32', 'r/m32', 'imm32'], IMUL, { code: 'Imul_r32_rm32_imm32' }),
  form('imul', ['r32', 'simm8'], IMUL2, { code: 'Imul_r32_rm32_imm8', order: [0, 0, 1] }),
  form('imul', ['r32', 'imm32'], IMUL2, { code: 'Imul_r32_rm32_imm32', order: [0, 0, 1] }),
  form('bswap', ['r32'], { group: 'arithmetic', reads: [0], writes: [0], flags: 'keep', rule: 'bswap' }, { code: 'Bswap_r32' }),
  ...alu('cmp', { group: 'compare', reads: [0, 1], writes: [], flags: 'write', rule: 'cmp' }),
  ...WIDTHS.flatMap((w) => [
    form('test', [rm(w), r(w)], TEST, { code: `Test_rm${w}_r${w}` }),
    form('test', [r(w), rm(w)], TEST, { code: `Test_rm${w}_r${w}`, order: [1, 0] }),
    form('test', [ACC[w], imm(w)], TEST, { code: `Test_${ACC[w]}_imm${w}` }),
    form('test', [rm(w), imm(w)], TEST, { code: `Test_rm${w}_imm${w}` }),
  ]),
  form('jmp', ['rel'], NONE('control', 'jmp', [], []), { short: 'Jmp_rel8_32', near: 'Jmp_rel32_32' }),
  form('jmp', ['r/m32'], { ...NONE('control', 'jmp', [], []), reads: [0] }, { code: 'Jmp_rm32' }),
  form('call', ['rel32'], { ...NONE('control', 'call', ['esp'], CALL_CLOBBERS), flags: 'write', esp: 'call' }, { near: 'Call_rel32_32' }),
  form('call', ['r/m32'], { ...NONE('control', 'call', ['esp'], CALL_CLOBBERS), reads: [0], flags: 'write', esp: 'call' }, { code: 'Call_rm32' }),
  form('ret', [], { ...NONE('control', 'ret', ['esp'], ['esp']), flags: 'write', esp: 'ret' }, { code: 'Retnd' }),
  form('ret', ['uimm16'], { ...NONE('control', 'ret', ['esp'], ['esp']), reads: [0], flags: 'write', esp: 'ret' }, { code: 'Retnd_imm16' }),
  form('loop', ['rel8'], NONE('control', 'loop', ['ecx'], ['ecx']), { short: 'Loop_rel8_32_ECX' }),
  form('jecxz', ['rel8'], NONE('control', 'jecxz', ['ecx'], []), { short: 'Jecxz_rel8_32' }),
  ...Object.keys(CONDITIONS).flatMap(conditionals),
  form('nop', [], NONE('other', 'nop', [], []), { code: 'Nopd' }),
  form('rdtsc', [], NONE('other', 'rdtsc', [], ['eax', 'edx']), { code: 'Rdtsc' }),
];

/**
 * Every form, in each mnemonic's order of preference (the classifier takes the first that fits).
 * A row that repeats an earlier one's operands (the 16-bit `add r16, r16` written as both r/m, r
 * and r, r/m) could never be chosen: only the first is kept.
 */
export const FORMS: readonly Form[] = ROWS.filter((f, k) => ROWS.findIndex((g) => g.name === f.name) === k);

const BY_MNEMONIC: ReadonlyMap<string, readonly Form[]> = (() => {
  const m = new Map<string, Form[]>();
  for (const f of FORMS) m.set(f.mnemonic, [...(m.get(f.mnemonic) ?? []), f]);
  return m;
})();

/** The forms of one mnemonic, or undefined when TAL has none. */
export function formsOf(mnemonic: string): readonly Form[] | undefined {
  return BY_MNEMONIC.get(mnemonic);
}

/** Every mnemonic of the table (condition aliases written out). */
export const MNEMONICS: readonly string[] = [...BY_MNEMONIC.keys()];

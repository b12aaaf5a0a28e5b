// Machine instructions (tal/ast.ts, Intel operand order) → iced-x86 instructions.
// The form — and so the iced-x86 Code — of each instruction is its row of the instruction
// table (tal/instructions.ts), found by the classifier the checker uses too (tal/classify.ts);
// the bytes come from iced-x86's encoder.
// Label values and label addresses become 32-bit fields recorded as `AbsRef`s
// (the layout turns them into ABS32 relocations); branch targets stay symbolic
// until the layout sizes them.

import { Code, Instruction, MemoryOperand, Register } from 'iced-x86';
import type { MachineInstr, MemOperand, Operand, Reg } from '../ast.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import type { Diagnostic } from '../diagnostics.js';
import { classify, signedIn, type Unclassified } from '../classify.js';
import { type Form, MNEMONICS, type OperandKind } from '../instructions.js';

export type SymbolKind = 'code' | 'data' | 'import';

export interface SymbolLookup {
  kindOf(name: string): SymbolKind | undefined;
}

/** A 32-bit field of an encoded instruction that holds the address of `label` (plus the addend already stored there). */
export interface AbsRef {
  slot: 'imm' | 'disp';
  label: string;
}

export type EncodedInstr =
  /** Position-independent: its bytes do not depend on where it lands. The caller owns (and frees) `instr`. */
  | { kind: 'fixed'; instr: Instruction; abs: AbsRef[] }
  /** A direct branch to a code label; `short` (rel8) and/or `near` (rel32) forms, the layout picks. */
  | { kind: 'branch'; label: string; short?: Code; near?: Code }
  /** `call` of an imported system call (IMPORT_REL32). */
  | { kind: 'import'; name: string };

export type EncodeResult = { ok: true; encoded: EncodedInstr } | { ok: false; diagnostic: Diagnostic };

class EncodeError extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
    readonly expected?: string,
    readonly found?: string,
  ) {
    super(message);
  }
}

/** Operands as iced-x86 wants them; memory operands are built at the last moment because iced consumes them. */
type IcedOp = { k: 'r'; reg: Register } | { k: 'm'; mem: MemOperand } | { k: 'i'; value: number; signed: boolean };

function codeNamed(name: string): Code {
  const value = (Code as unknown as Record<string, number | undefined>)[name];
  if (value === undefined) throw new Error(`internal: iced-x86 has no Code.${name}`);
  return value as Code;
}

function icedReg(r: Reg): Register {
  return (Register as unknown as Record<string, Register>)[r.toUpperCase()]!;
}

function describe(op: Operand): string {
  switch (op.kind) {
    case 'reg':
      return `register ${op.reg}`;
    case 'imm':
      return `immediate ${op.value}`;
    case 'label':
      return `label ${op.name}`;
    case 'mem':
      return 'memory operand';
  }
}

function icedMemory(m: MemOperand): MemoryOperand {
  const base = m.base === undefined ? Register.None : icedReg(m.base);
  const index = m.index === undefined ? Register.None : icedReg(m.index);
  // A label's address is patched into the displacement later, so it must be 32 bits wide
  // whatever the addend; without a base register x86 only has disp32 anyway.
  const displSize = m.label !== undefined || m.base === undefined ? 4 : m.disp === 0 ? 0 : 1;
  return new MemoryOperand(base, index, m.index === undefined ? 1 : m.scale, BigInt(m.disp | 0), displSize, false, Register.None);
}

function make(code: Code, ops: IcedOp[]): Instruction {
  const shape = ops.map((o) => o.k).join('');
  const reg = (i: number): Register => (ops[i] as { reg: Register }).reg;
  const mem = (i: number): MemoryOperand => icedMemory((ops[i] as { mem: MemOperand }).mem);
  const imm = ops.find((o): o is Extract<IcedOp, { k: 'i' }> => o.k === 'i');
  const s = imm?.signed === true;
  const v = imm?.value ?? 0;
  switch (shape) {
    case '':
      return Instruction.create(code);
    case 'r':
      return Instruction.createReg(code, reg(0));
    case 'm':
      return Instruction.createMem(code, mem(0));
    case 'i':
      return s ? Instruction.createI32(code, v) : Instruction.createU32(code, v);
    case 'rr':
      return Instruction.createRegReg(code, reg(0), reg(1));
    case 'rm':
      return Instruction.createRegMem(code, reg(0), mem(1));
    case 'mr':
      return Instruction.createMemReg(code, mem(0), reg(1));
    case 'ri':
      return s ? Instruction.createRegI32(code, reg(0), v) : Instruction.createRegU32(code, reg(0), v);
    case 'mi':
      return s ? Instruction.createMemI32(code, mem(0), v) : Instruction.createMemU32(code, mem(0), v);
    case 'rri':
      return s ? Instruction.createRegRegI32(code, reg(0), reg(1), v) : Instruction.createRegRegU32(code, reg(0), reg(1), v);
    case 'rmi':
      return s ? Instruction.createRegMemI32(code, reg(0), mem(1), v) : Instruction.createRegMemU32(code, reg(0), mem(1), v);
    case 'mri':
      return s ? Instruction.createMemRegI32(code, mem(0), reg(1), v) : Instruction.createMemRegU32(code, mem(0), reg(1), v);
    case 'rrr':
      return Instruction.createRegRegReg(code, reg(0), reg(1), reg(2));
    case 'mrr':
      return Instruction.createMemRegReg(code, mem(0), reg(1), reg(2));
    default:
      throw new Error(`internal: no iced-x86 constructor for operand shape '${shape}'`);
  }
}

function unsignedIn(value: number, w: number): number {
  const bits = 2 ** w;
  return ((value % bits) + bits) % bits;
}

const IMM_BITS: Partial<Record<OperandKind, number>> = { imm8: 8, imm16: 16, imm32: 32, count8: 8, uimm16: 16, one: 8 };

/** Per-instruction encoding state: the label fields found so far. */
class Encoding {
  readonly abs: AbsRef[] = [];

  constructor(
    readonly mi: MachineInstr,
    private readonly symbols: SymbolLookup,
  ) {}

  mem(op: MemOperand): IcedOp {
    if (op.index === 'esp') throw new EncodeError('E_ASM_MEMORY', 'esp cannot be an index register');
    if (!Number.isInteger(op.disp) || op.disp < -(2 ** 31) || op.disp > 2 ** 32 - 1) {
      throw new EncodeError('E_ASM_IMM_RANGE', `displacement ${op.disp} does not fit in 32 bits`);
    }
    if (op.label !== undefined) {
      const kind = this.labelKind(op.label);
      if (kind === 'import') {
        throw new EncodeError('E_ASM_LABEL_KIND', `'${op.label}' is an import, not an address in the image`);
      }
      this.abs.push({ slot: 'disp', label: op.label });
    }
    return { k: 'm', mem: op };
  }

  /** A label used as a 32-bit value (`mov eax, msg`, `push handler`). */
  labelValue(name: string): IcedOp {
    const kind = this.labelKind(name);
    if (kind === 'import') throw new EncodeError('E_ASM_LABEL_KIND', `'${name}' is an import; imports can only be called`);
    this.abs.push({ slot: 'imm', label: name });
    return { k: 'i', value: 0, signed: false };
  }

  labelKind(name: string): SymbolKind {
    const kind = this.symbols.kindOf(name);
    if (kind === undefined) throw new EncodeError('E_ASM_UNKNOWN_LABEL', `unknown label '${name}'`);
    return kind;
  }

  codeLabel(op: Operand): string {
    if (op.kind !== 'label') throw new Error('internal: a branch form matched a non-label operand');
    const kind = this.labelKind(op.name);
    if (kind !== 'code') throw new EncodeError('E_ASM_LABEL_KIND', `'${op.name}' is ${kind === 'data' ? 'a data label' : 'an import'}, not a code label`);
    return op.name;
  }

  /** One operand of `form`, in the position `kind`, as iced-x86 takes it. */
  operand(form: Form, kind: OperandKind, op: Operand): IcedOp {
    switch (op.kind) {
      case 'reg':
        return { k: 'r', reg: icedReg(op.reg) };
      case 'mem':
        return this.mem(op);
      case 'label':
        return this.labelValue(op.name);
      case 'imm': {
        if (kind === 'simm8') return { k: 'i', value: signedIn(op.value, form.width), signed: true };
        return { k: 'i', value: unsignedIn(op.value, IMM_BITS[kind] ?? 32), signed: false };
      }
    }
  }
}

function encodeForm(e: Encoding, form: Form): EncodedInstr {
  const enc = form.encoding;
  const ops = e.mi.operands;
  if ('code' in enc) {
    const order = enc.order ?? form.operands.map((_, i) => i);
    const iced = order.map((i) => e.operand(form, form.operands[i]!, ops[i]!));
    return { kind: 'fixed', instr: make(codeNamed(enc.code), iced), abs: e.abs };
  }
  const target = ops[0]!;
  if (form.mnemonic === 'call' && target.kind === 'label' && e.labelKind(target.name) === 'import') return { kind: 'import', name: target.name };
  const out: EncodedInstr = { kind: 'branch', label: e.codeLabel(target) };
  if (enc.short !== undefined) out.short = codeNamed(enc.short);
  if (enc.near !== undefined) out.near = codeNamed(enc.near);
  return out;
}

const UNCLASSIFIED: Readonly<Record<Unclassified['why'], DiagnosticCode>> = {
  mnemonic: 'E_ASM_UNKNOWN_MNEMONIC',
  arity: 'E_ASM_OPERANDS',
  size: 'E_ASM_OPERAND_SIZE',
  range: 'E_ASM_IMM_RANGE',
  form: 'E_ASM_OPERANDS',
};

/** Every mnemonic `encodeInstr` accepts (aliases included): the instruction table's. */
export const SUPPORTED_MNEMONICS: readonly string[] = MNEMONICS;

export function encodeInstr(mi: MachineInstr, symbols: SymbolLookup, file: string): EncodeResult {
  const e = new Encoding(mi, symbols);
  try {
    // The instruction table's row, found as the checker finds it: nothing outside the table is encoded.
    const c = classify(mi);
    if (!c.ok) {
      const shape = mi.operands.map(describe).join(', ');
      throw new EncodeError(UNCLASSIFIED[c.why], c.message, undefined, shape === '' ? 'no operands' : shape);
    }
    return { ok: true, encoded: encodeForm(e, c.form) };
  } catch (err) {
    const base = { severity: 'error' as const, file, line: mi.loc.line, col: mi.loc.col, instruction: mi.text };
    if (err instanceof EncodeError) {
      const d: Diagnostic = { ...base, code: err.code, message: err.message };
      if (err.expected !== undefined) d.expected = err.expected;
      if (err.found !== undefined) d.found = err.found;
      return { ok: false, diagnostic: d };
    }
    if (err instanceof Error && err.message.startsWith('internal:')) throw err;
    // iced-x86 refused a combination the checks above let through: still the program's fault, not a crash.
    return { ok: false, diagnostic: { ...base, code: 'E_ASM_OPERANDS', message: `cannot encode: ${err instanceof Error ? err.message : String(err)}` } };
  }
}

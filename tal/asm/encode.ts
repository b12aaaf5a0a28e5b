// Machine instructions (tal/ast.ts, Intel operand order) → iced-x86 instructions.
// Each mnemonic's accepted operand shapes are chosen here; the bytes come from
// iced-x86's encoder, so there is no opcode table in this project.
// Label values and label addresses become 32-bit fields recorded as `AbsRef`s
// (the layout turns them into ABS32 relocations); branch targets stay symbolic
// until the layout sizes them.

import { Code, Instruction, MemoryOperand, Register } from 'iced-x86';
import type { MachineInstr, MemOperand, Operand, Reg } from '../ast.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import type { Diagnostic } from '../diagnostics.js';
import { CONDITIONS, conditionOf } from '../conditions.js';
import { instructionSpec } from '../instructions.js';

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

const ALU: Readonly<Record<string, string>> = {
  add: 'Add', or: 'Or', adc: 'Adc', sbb: 'Sbb', and: 'And', sub: 'Sub', xor: 'Xor', cmp: 'Cmp',
};
const SHIFTS: Readonly<Record<string, string>> = {
  rol: 'Rol', ror: 'Ror', rcl: 'Rcl', rcr: 'Rcr', shl: 'Shl', shr: 'Shr', sar: 'Sar',
};
const UNARY_RM: Readonly<Record<string, string>> = { neg: 'Neg', not: 'Not', mul: 'Mul', div: 'Div', idiv: 'Idiv' };
const NO_OPERANDS: Readonly<Record<string, Code>> = {
  cdq: Code.Cdq, cwde: Code.Cwde, cbw: Code.Cbw, cwd: Code.Cwd, nop: Code.Nopd, rdtsc: Code.Rdtsc,
};

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

type Width = 8 | 16 | 32;
type RegOp = { kind: 'reg'; reg: Reg };
type ImmOp = { kind: 'imm'; value: number };

const REG_WIDTH: Readonly<Record<Reg, Width>> = {
  al: 8, cl: 8, dl: 8, bl: 8, ah: 8, ch: 8, dh: 8, bh: 8,
  ax: 16, cx: 16, dx: 16, bx: 16, sp: 16, bp: 16, si: 16, di: 16,
  eax: 32, ecx: 32, edx: 32, ebx: 32, esp: 32, ebp: 32, esi: 32, edi: 32,
};

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

function fitsWidth(value: number, w: Width): boolean {
  return Number.isInteger(value) && value >= -(2 ** (w - 1)) && value <= 2 ** w - 1;
}

/** The value as a signed w-bit number (its bit pattern is what gets encoded). */
function signedIn(value: number, w: Width): number {
  const bits = 2 ** w;
  const u = ((value % bits) + bits) % bits;
  return u >= bits / 2 ? u - bits : u;
}

function unsignedIn(value: number, w: Width): number {
  const bits = 2 ** w;
  return ((value % bits) + bits) % bits;
}

function fitsSigned8(value: number, w: Width): boolean {
  const s = signedIn(value, w);
  return s >= -128 && s <= 127;
}

/** Per-instruction encoding state: the label fields found so far. */
class Encoding {
  readonly abs: AbsRef[] = [];

  constructor(
    readonly mi: MachineInstr,
    private readonly symbols: SymbolLookup,
  ) {}

  get ops(): Operand[] {
    return this.mi.operands;
  }

  count(...allowed: number[]): void {
    if (!allowed.includes(this.ops.length)) {
      throw new EncodeError(
        'E_ASM_OPERANDS',
        `'${this.mi.mnemonic}' takes ${allowed.join(' or ')} operand${allowed.length === 1 && allowed[0] === 1 ? '' : 's'}`,
        `${allowed.join(' or ')} operands`,
        `${this.ops.length}`,
      );
    }
  }

  invalid(what?: string): never {
    const shape = this.ops.map(describe).join(', ');
    throw new EncodeError(
      'E_ASM_OPERANDS',
      `invalid operands for '${this.mi.mnemonic}'${what === undefined ? '' : `: ${what}`}`,
      undefined,
      shape === '' ? 'no operands' : shape,
    );
  }

  reg(op: RegOp): IcedOp {
    return { k: 'r', reg: icedReg(op.reg) };
  }

  mem(op: MemOperand): IcedOp {
    if (op.index === 'esp') throw new EncodeError('E_ASM_MEMORY', 'esp cannot be an index register');
    if (!fitsWidth(op.disp, 32)) {
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

  /** The width a memory operand is accessed with: its size prefix, else `implied` (from a register operand). */
  memWidth(op: MemOperand, implied?: Width): Width {
    const own = op.size === undefined ? undefined : ((op.size * 8) as Width);
    if (own !== undefined && implied !== undefined && own !== implied) {
      this.invalid(`memory operand is ${own}-bit but the register is ${implied}-bit`);
    }
    const w = own ?? implied;
    if (w === undefined) {
      throw new EncodeError('E_ASM_OPERAND_SIZE', `operand size of the memory operand is not specified`, 'byte, word or dword');
    }
    return w;
  }

  imm(op: ImmOp, w: Width, signed8 = false): IcedOp {
    if (!fitsWidth(op.value, w)) {
      throw new EncodeError('E_ASM_IMM_RANGE', `immediate ${op.value} does not fit in ${w} bits`);
    }
    return signed8 ? { k: 'i', value: signedIn(op.value, w), signed: true } : { k: 'i', value: unsignedIn(op.value, w), signed: false };
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
    if (op.kind !== 'label') this.invalid('expected a code label');
    const kind = this.labelKind(op.name);
    if (kind !== 'code') throw new EncodeError('E_ASM_LABEL_KIND', `'${op.name}' is ${kind === 'data' ? 'a data label' : 'an import'}, not a code label`);
    return op.name;
  }

  fixed(code: Code, ops: IcedOp[]): EncodedInstr {
    return { kind: 'fixed', instr: make(code, ops), abs: this.abs };
  }
}

function width(op: RegOp): Width {
  return REG_WIDTH[op.reg];
}

function isAccumulator(op: RegOp): boolean {
  return op.reg === 'al' || op.reg === 'ax' || op.reg === 'eax';
}

/** r/m operand (register or memory) of an instruction whose width comes from it alone. */
function rmOperand(e: Encoding, op: Operand): { op: IcedOp; w: Width } {
  if (op.kind === 'reg') return { op: e.reg(op), w: width(op) };
  if (op.kind === 'mem') return { op: e.mem(op), w: e.memWidth(op) };
  return e.invalid('expected a register or memory operand');
}

/** Binary arithmetic and moves: dst in reg/mem, src in reg/mem/imm/label. */
function binary(e: Encoding, name: string, forms: { acc: boolean; imm8: boolean; mov: boolean }): EncodedInstr {
  e.count(2);
  const [dst, src] = e.ops as [Operand, Operand];
  if (dst.kind === 'reg') {
    const w = width(dst);
    if (src.kind === 'reg') {
      if (width(src) !== w) e.invalid('operand sizes differ');
      return e.fixed(codeNamed(`${name}_rm${w}_r${w}`), [e.reg(dst), e.reg(src)]);
    }
    if (src.kind === 'mem') {
      e.memWidth(src, w);
      return e.fixed(codeNamed(`${name}_r${w}_rm${w}`), [e.reg(dst), e.mem(src)]);
    }
    if (src.kind === 'label') {
      if (w !== 32) e.invalid('a label is a 32-bit value');
      const form = forms.mov ? 'Mov_r32_imm32' : forms.acc && isAccumulator(dst) ? `${name}_EAX_imm32` : `${name}_rm32_imm32`;
      return e.fixed(codeNamed(form), [e.reg(dst), e.labelValue(src.name)]);
    }
    if (src.kind === 'imm') {
      if (forms.mov) return e.fixed(codeNamed(`Mov_r${w}_imm${w}`), [e.reg(dst), e.imm(src, w)]);
      if (w === 8) {
        return e.fixed(codeNamed(isAccumulator(dst) && forms.acc ? `${name}_AL_imm8` : `${name}_rm8_imm8`), [e.reg(dst), e.imm(src, 8)]);
      }
      if (forms.imm8 && fitsWidth(src.value, w) && fitsSigned8(src.value, w)) {
        return e.fixed(codeNamed(`${name}_rm${w}_imm8`), [e.reg(dst), e.imm(src, w, true)]);
      }
      const acc = w === 16 ? 'AX' : 'EAX';
      const form = forms.acc && isAccumulator(dst) ? `${name}_${acc}_imm${w}` : `${name}_rm${w}_imm${w}`;
      return e.fixed(codeNamed(form), [e.reg(dst), e.imm(src, w)]);
    }
    return e.invalid();
  }
  if (dst.kind === 'mem') {
    if (src.kind === 'reg') {
      const w = width(src);
      e.memWidth(dst, w);
      return e.fixed(codeNamed(`${name}_rm${w}_r${w}`), [e.mem(dst), e.reg(src)]);
    }
    if (src.kind === 'label') {
      e.memWidth(dst, 32);
      return e.fixed(codeNamed(`${name}_rm32_imm32`), [e.mem(dst), e.labelValue(src.name)]);
    }
    if (src.kind === 'imm') {
      const w = e.memWidth(dst);
      if (w !== 8 && !forms.mov && forms.imm8 && fitsWidth(src.value, w) && fitsSigned8(src.value, w)) {
        return e.fixed(codeNamed(`${name}_rm${w}_imm8`), [e.mem(dst), e.imm(src, w, true)]);
      }
      return e.fixed(codeNamed(`${name}_rm${w}_imm${w}`), [e.mem(dst), e.imm(src, w)]);
    }
    return e.invalid('at most one operand may be in memory');
  }
  return e.invalid('the destination must be a register or memory');
}

function test(e: Encoding): EncodedInstr {
  e.count(2);
  let [a, b] = e.ops as [Operand, Operand];
  // test is symmetric; the only r/m,reg encoding takes the memory operand first.
  if (a.kind === 'reg' && b.kind === 'mem') [a, b] = [b, a];
  if (b.kind === 'reg' && (a.kind === 'reg' || a.kind === 'mem')) {
    const w = width(b);
    if (a.kind === 'reg' && width(a) !== w) e.invalid('operand sizes differ');
    if (a.kind === 'mem') e.memWidth(a, w);
    return e.fixed(codeNamed(`Test_rm${w}_r${w}`), [a.kind === 'reg' ? e.reg(a) : e.mem(a), e.reg(b)]);
  }
  if (b.kind === 'imm' || b.kind === 'label') {
    const { op, w } = rmOperand(e, a);
    if (b.kind === 'label' && w !== 32) e.invalid('a label is a 32-bit value');
    const value = b.kind === 'label' ? e.labelValue(b.name) : e.imm(b, w);
    const accName = w === 8 ? 'AL' : w === 16 ? 'AX' : 'EAX';
    const form = a.kind === 'reg' && isAccumulator(a) ? `Test_${accName}_imm${w}` : `Test_rm${w}_imm${w}`;
    return e.fixed(codeNamed(form), [op, value]);
  }
  return e.invalid();
}

function xchg(e: Encoding): EncodedInstr {
  e.count(2);
  const [a, b] = e.ops as [Operand, Operand];
  if (a.kind === 'reg' && b.kind === 'reg') {
    const w = width(a);
    if (width(b) !== w) e.invalid('operand sizes differ');
    // The one-byte form (90+r) exchanges with the accumulator; `xchg eax, eax` would be 90, which
    // decodes as nop, so it keeps the r/m form.
    if (w !== 8 && isAccumulator(a) !== isAccumulator(b)) {
      const other = isAccumulator(a) ? b : a;
      const acc = w === 16 ? 'AX' : 'EAX';
      return e.fixed(codeNamed(`Xchg_r${w}_${acc}`), [e.reg(other), { k: 'r', reg: icedReg(w === 16 ? 'ax' : 'eax') }]);
    }
    return e.fixed(codeNamed(`Xchg_rm${w}_r${w}`), [e.reg(a), e.reg(b)]);
  }
  const memOp = a.kind === 'mem' ? a : b.kind === 'mem' ? b : undefined;
  const regOp = a.kind === 'reg' ? a : b.kind === 'reg' ? b : undefined;
  if (memOp === undefined || regOp === undefined) return e.invalid();
  const w = width(regOp);
  e.memWidth(memOp, w);
  return e.fixed(codeNamed(`Xchg_rm${w}_r${w}`), [e.mem(memOp), e.reg(regOp)]);
}

function extend(e: Encoding, name: 'Movzx' | 'Movsx'): EncodedInstr {
  e.count(2);
  const [dst, src] = e.ops as [Operand, Operand];
  if (dst.kind !== 'reg' || width(dst) === 8) return e.invalid('the destination must be a 16- or 32-bit register');
  const w = width(dst);
  const srcWidth = src.kind === 'reg' ? width(src) : src.kind === 'mem' ? e.memWidth(src) : e.invalid('the source must be a register or memory');
  if (srcWidth >= w) e.invalid('the source must be narrower than the destination');
  const srcOp = src.kind === 'reg' ? e.reg(src) : e.mem(src as MemOperand);
  return e.fixed(codeNamed(`${name}_r${w}_rm${srcWidth}`), [e.reg(dst), srcOp]);
}

function incDec(e: Encoding, name: 'Inc' | 'Dec'): EncodedInstr {
  e.count(1);
  const op = e.ops[0]!;
  if (op.kind === 'reg' && width(op) !== 8) return e.fixed(codeNamed(`${name}_r${width(op)}`), [e.reg(op)]);
  const rm = rmOperand(e, op);
  return e.fixed(codeNamed(`${name}_rm${rm.w}`), [rm.op]);
}

function unary(e: Encoding, name: string): EncodedInstr {
  e.count(1);
  const rm = rmOperand(e, e.ops[0]!);
  return e.fixed(codeNamed(`${name}_rm${rm.w}`), [rm.op]);
}

function imul(e: Encoding): EncodedInstr {
  e.count(1, 2, 3);
  if (e.ops.length === 1) return unary(e, 'Imul');
  const dst = e.ops[0]!;
  if (dst.kind !== 'reg' || width(dst) === 8) return e.invalid('the destination must be a 16- or 32-bit register');
  const w = width(dst);
  // imul r, imm is imul r, r, imm.
  const [src, factor] = e.ops.length === 2 && e.ops[1]!.kind === 'imm' ? [dst, e.ops[1]!] : [e.ops[1]!, e.ops[2]];
  if (src.kind === 'reg' && width(src) !== w) e.invalid('operand sizes differ');
  if (src.kind === 'mem') e.memWidth(src, w);
  if (src.kind !== 'reg' && src.kind !== 'mem') return e.invalid();
  const srcOp = src.kind === 'reg' ? e.reg(src) : e.mem(src);
  if (factor === undefined) return e.fixed(codeNamed(`Imul_r${w}_rm${w}`), [e.reg(dst), srcOp]);
  if (factor.kind !== 'imm') return e.invalid('the factor must be an immediate');
  const short = fitsWidth(factor.value, w) && fitsSigned8(factor.value, w);
  return e.fixed(codeNamed(`Imul_r${w}_rm${w}_imm${short ? 8 : w}`), [e.reg(dst), srcOp, e.imm(factor, w, short)]);
}

function shift(e: Encoding, name: string): EncodedInstr {
  e.count(2);
  const [dst, count] = e.ops as [Operand, Operand];
  const rm = rmOperand(e, dst);
  if (count.kind === 'reg' && count.reg === 'cl') return e.fixed(codeNamed(`${name}_rm${rm.w}_CL`), [rm.op, { k: 'r', reg: Register.CL }]);
  if (count.kind !== 'imm') return e.invalid('the count must be an immediate or cl');
  if (count.value < 0 || count.value > 255 || !Number.isInteger(count.value)) {
    throw new EncodeError('E_ASM_IMM_RANGE', `shift count ${count.value} is not in 0..255`);
  }
  const form = count.value === 1 ? `${name}_rm${rm.w}_1` : `${name}_rm${rm.w}_imm8`;
  return e.fixed(codeNamed(form), [rm.op, { k: 'i', value: count.value, signed: false }]);
}

function doubleShift(e: Encoding, name: 'Shld' | 'Shrd'): EncodedInstr {
  e.count(3);
  const [dst, src, count] = e.ops as [Operand, Operand, Operand];
  if (src.kind !== 'reg' || width(src) === 8) return e.invalid('the source must be a 16- or 32-bit register');
  const w = width(src);
  let dstOp: IcedOp;
  if (dst.kind === 'reg') {
    if (width(dst) !== w) e.invalid('operand sizes differ');
    dstOp = e.reg(dst);
  } else if (dst.kind === 'mem') {
    e.memWidth(dst, w);
    dstOp = e.mem(dst);
  } else {
    return e.invalid('the destination must be a register or memory');
  }
  if (count.kind === 'reg' && count.reg === 'cl') return e.fixed(codeNamed(`${name}_rm${w}_r${w}_CL`), [dstOp, e.reg(src), { k: 'r', reg: Register.CL }]);
  if (count.kind !== 'imm') return e.invalid('the count must be an immediate or cl');
  if (count.value < 0 || count.value > 255 || !Number.isInteger(count.value)) {
    throw new EncodeError('E_ASM_IMM_RANGE', `shift count ${count.value} is not in 0..255`);
  }
  return e.fixed(codeNamed(`${name}_rm${w}_r${w}_imm8`), [dstOp, e.reg(src), { k: 'i', value: count.value, signed: false }]);
}

/** push/pop, call/jmp through a register or memory: always 32-bit words. */
function dwordRm(e: Encoding, code: Code, op: Operand): EncodedInstr {
  if (op.kind === 'reg') {
    if (width(op) !== 32) e.invalid('only 32-bit registers');
    return e.fixed(code, [e.reg(op)]);
  }
  if (op.kind === 'mem') {
    e.memWidth(op, 32);
    return e.fixed(code, [e.mem(op)]);
  }
  return e.invalid();
}

function push(e: Encoding): EncodedInstr {
  e.count(1);
  const op = e.ops[0]!;
  if (op.kind === 'reg') return dwordRm(e, Code.Push_r32, op);
  if (op.kind === 'mem') return dwordRm(e, Code.Push_rm32, op);
  if (op.kind === 'label') return e.fixed(Code.Pushd_imm32, [e.labelValue(op.name)]);
  const short = fitsWidth(op.value, 32) && fitsSigned8(op.value, 32);
  return e.fixed(short ? Code.Pushd_imm8 : Code.Pushd_imm32, [e.imm(op, 32, short)]);
}

function pop(e: Encoding): EncodedInstr {
  e.count(1);
  const op = e.ops[0]!;
  return dwordRm(e, op.kind === 'reg' ? Code.Pop_r32 : Code.Pop_rm32, op);
}

function call(e: Encoding): EncodedInstr {
  e.count(1);
  const op = e.ops[0]!;
  if (op.kind === 'label') {
    const kind = e.labelKind(op.name);
    if (kind === 'import') return { kind: 'import', name: op.name };
    return { kind: 'branch', label: e.codeLabel(op), near: Code.Call_rel32_32 };
  }
  return dwordRm(e, Code.Call_rm32, op);
}

function jmp(e: Encoding): EncodedInstr {
  e.count(1);
  const op = e.ops[0]!;
  if (op.kind === 'label') return { kind: 'branch', label: e.codeLabel(op), short: Code.Jmp_rel8_32, near: Code.Jmp_rel32_32 };
  return dwordRm(e, Code.Jmp_rm32, op);
}

function ret(e: Encoding): EncodedInstr {
  e.count(0, 1);
  if (e.ops.length === 0) return e.fixed(Code.Retnd, []);
  const op = e.ops[0]!;
  if (op.kind !== 'imm' || op.value < 0 || op.value > 0xffff || !Number.isInteger(op.value)) {
    throw new EncodeError('E_ASM_IMM_RANGE', `'ret' takes a byte count in 0..65535`, '0..65535', describe(op));
  }
  return e.fixed(Code.Retnd_imm16, [{ k: 'i', value: op.value, signed: false }]);
}

function conditional(e: Encoding, prefix: 'j' | 'set' | 'cmov', cc: string): EncodedInstr {
  if (prefix === 'j') {
    e.count(1);
    const label = e.codeLabel(e.ops[0]!);
    return { kind: 'branch', label, short: codeNamed(`J${cc}_rel8_32`), near: codeNamed(`J${cc}_rel32_32`) };
  }
  if (prefix === 'set') {
    e.count(1);
    const op = e.ops[0]!;
    if (op.kind === 'mem') {
      e.memWidth(op, 8);
      return e.fixed(codeNamed(`Set${cc}_rm8`), [e.mem(op)]);
    }
    if (op.kind !== 'reg' || width(op) !== 8) return e.invalid('set<cc> writes a byte register or memory');
    return e.fixed(codeNamed(`Set${cc}_rm8`), [e.reg(op)]);
  }
  e.count(2);
  const [dst, src] = e.ops as [Operand, Operand];
  if (dst.kind !== 'reg' || width(dst) === 8) return e.invalid('the destination must be a 16- or 32-bit register');
  const w = width(dst);
  if (src.kind === 'reg' && width(src) === w) return e.fixed(codeNamed(`Cmov${cc}_r${w}_rm${w}`), [e.reg(dst), e.reg(src)]);
  if (src.kind === 'mem') {
    e.memWidth(src, w);
    return e.fixed(codeNamed(`Cmov${cc}_r${w}_rm${w}`), [e.reg(dst), e.mem(src)]);
  }
  return e.invalid();
}

function loopLike(e: Encoding, code: Code): EncodedInstr {
  e.count(1);
  return { kind: 'branch', label: e.codeLabel(e.ops[0]!), short: code };
}

function dispatch(e: Encoding): EncodedInstr {
  const m = e.mi.mnemonic;
  if (m in ALU) return binary(e, ALU[m]!, { acc: true, imm8: true, mov: false });
  if (m in SHIFTS) return shift(e, SHIFTS[m]!);
  if (m in UNARY_RM) return unary(e, UNARY_RM[m]!);
  if (m in NO_OPERANDS) {
    e.count(0);
    return e.fixed(NO_OPERANDS[m]!, []);
  }
  switch (m) {
    case 'mov':
      return binary(e, 'Mov', { acc: false, imm8: false, mov: true });
    case 'movzx':
      return extend(e, 'Movzx');
    case 'movsx':
      return extend(e, 'Movsx');
    case 'lea': {
      e.count(2);
      const [dst, src] = e.ops as [Operand, Operand];
      if (dst.kind !== 'reg' || width(dst) !== 32 || src.kind !== 'mem') return e.invalid('expected lea r32, [address]');
      return e.fixed(Code.Lea_r32_m, [e.reg(dst), e.mem(src)]);
    }
    case 'test':
      return test(e);
    case 'xchg':
      return xchg(e);
    case 'inc':
      return incDec(e, 'Inc');
    case 'dec':
      return incDec(e, 'Dec');
    case 'imul':
      return imul(e);
    case 'shld':
      return doubleShift(e, 'Shld');
    case 'shrd':
      return doubleShift(e, 'Shrd');
    case 'push':
      return push(e);
    case 'pop':
      return pop(e);
    case 'call':
      return call(e);
    case 'jmp':
      return jmp(e);
    case 'ret':
      return ret(e);
    case 'jecxz':
      return loopLike(e, Code.Jecxz_rel8_32);
    case 'loop':
      return loopLike(e, Code.Loop_rel8_32_ECX);
    case 'bswap': {
      e.count(1);
      const op = e.ops[0]!;
      if (op.kind !== 'reg' || width(op) !== 32) return e.invalid('expected a 32-bit register');
      return e.fixed(Code.Bswap_r32, [e.reg(op)]);
    }
  }
  for (const prefix of ['cmov', 'set', 'j'] as const) {
    const cond = conditionOf(m, prefix);
    if (cond !== undefined) return conditional(e, prefix, cond);
  }
  throw new EncodeError('E_ASM_UNKNOWN_MNEMONIC', `the assembler does not encode '${m}' (not in the TAL instruction subset)`);
}

/** Every mnemonic `encodeInstr` accepts (aliases included). */
export const SUPPORTED_MNEMONICS: readonly string[] = [
  ...Object.keys(ALU), ...Object.keys(SHIFTS), ...Object.keys(UNARY_RM), ...Object.keys(NO_OPERANDS),
  'mov', 'movzx', 'movsx', 'lea', 'test', 'xchg', 'inc', 'dec', 'imul', 'shld', 'shrd', 'push', 'pop',
  'call', 'jmp', 'ret', 'jecxz', 'loop', 'bswap',
  ...(['j', 'set', 'cmov'] as const).flatMap((p) => Object.keys(CONDITIONS).map((cc) => p + cc)),
];

export function encodeInstr(mi: MachineInstr, symbols: SymbolLookup, file: string): EncodeResult {
  const e = new Encoding(mi, symbols);
  try {
    // The instruction table (tal/instructions.ts) is what the checker checks too: nothing outside it is encoded.
    if (instructionSpec(mi.mnemonic) === undefined) throw new EncodeError('E_ASM_UNKNOWN_MNEMONIC', `'${mi.mnemonic}' is not in TAL's instruction table`);
    return { ok: true, encoded: dispatch(e) };
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

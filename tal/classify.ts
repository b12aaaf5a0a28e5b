// The one map from a parsed instruction to its row of the instruction table (tal/instructions.ts).
// The checker and the encoder both call it: an instruction is checked as the form it is
// encoded as, and a form that is not in the table is refused by both.

import type { MachineInstr, MemOperand, Operand, Reg } from './ast.js';
import { type Form, formsOf, type OperandKind } from './instructions.js';

/** Why an instruction has no form: the mnemonic, the number of operands, a memory operand without a size, an immediate out of range, or no form takes these operands. */
export type Unclassified = { why: 'mnemonic' | 'arity' | 'size' | 'range' | 'form'; message: string };

/**
 * A classified instruction: its row, and the instruction as that row encodes it — every memory
 * operand of an r/m position with the size the row gives it spelled out, so the checker reads and
 * writes exactly the bytes the assembler's encoding accesses.
 */
export type Classified = { ok: true; form: Form; ins: MachineInstr } | ({ ok: false } & Unclassified);

const RM_SIZE: Partial<Record<OperandKind, 1 | 4>> = { 'r/m8': 1, 'r/m32': 4 };

function asEncoded(ins: MachineInstr, f: Form): MachineInstr {
  const ops = ins.operands;
  let out: Operand[] | undefined;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const size = RM_SIZE[f.operands[i]!];
    if (op.kind === 'mem' && op.size === undefined && size !== undefined) {
      out ??= [...ops];
      out[i] = { ...op, size };
    }
  }
  return out === undefined ? ins : { ...ins, operands: out };
}

const REG_WIDTH: Readonly<Record<Reg, 8 | 16 | 32>> = {
  al: 8,
  cl: 8,
  dl: 8,
  bl: 8,
  ah: 8,
  ch: 8,
  dh: 8,
  bh: 8,
  ax: 16,
  cx: 16,
  dx: 16,
  bx: 16,
  sp: 16,
  bp: 16,
  si: 16,
  di: 16,
  eax: 32,
  ecx: 32,
  edx: 32,
  ebx: 32,
  esp: 32,
  ebp: 32,
  esi: 32,
  edi: 32,
};

export function regWidth(r: Reg): 8 | 16 | 32 {
  return REG_WIDTH[r];
}

const FIXED_REG: Partial<Record<OperandKind, Reg>> = { AL: 'al', AX: 'ax', EAX: 'eax', CL: 'cl' };
const REG_KIND: Partial<Record<OperandKind, 8 | 16 | 32>> = { r8: 8, r16: 16, r32: 32, AL: 8, AX: 16, EAX: 32 };
const RM_KIND: Partial<Record<OperandKind, 8 | 32>> = { 'r/m8': 8, 'r/m32': 32 };

function fits(v: number, bits: number): boolean {
  return Number.isInteger(v) && v >= -(2 ** (bits - 1)) && v <= 2 ** bits - 1;
}

/** The value as a signed w-bit number (its bit pattern is what the CPU sees). */
export function signedIn(v: number, w: number): number {
  const bits = 2 ** w;
  const u = ((v % bits) + bits) % bits;
  return u >= bits / 2 ? u - bits : u;
}

/** Forms whose r/m operand has one size whatever the others: a memory operand needs no size prefix there. */
function fixedWidth(f: Form): boolean {
  return f.rule === 'push' || f.rule === 'pop' || f.rule === 'jmp' || f.rule === 'call' || f.rule === 'setcc';
}

/** Whether a memory operand without a size takes its size `w` from the rest of the form: a register of that width, or a label value (32 bits). */
function sizeImplied(f: Form, ops: readonly Operand[], at: number, w: number): boolean {
  if (fixedWidth(f)) return true;
  for (let i = 0; i < f.operands.length; i++) {
    const k = f.operands[i]!;
    if (i !== at && (REG_KIND[k] === w || (k === 'imm32' && w === 32 && ops[i]!.kind === 'label'))) return true;
  }
  return false;
}

function matches(f: Form, k: OperandKind, op: Operand, at: number, ops: readonly Operand[]): boolean {
  const fixed = FIXED_REG[k];
  if (fixed !== undefined) return op.kind === 'reg' && op.reg === fixed;
  const rw = REG_KIND[k];
  if (rw !== undefined) return op.kind === 'reg' && REG_WIDTH[op.reg] === rw;
  const mw = RM_KIND[k];
  if (mw !== undefined) {
    if (op.kind === 'reg') return REG_WIDTH[op.reg] === mw;
    if (op.kind !== 'mem') return false;
    return op.size === undefined ? sizeImplied(f, ops, at, mw) : op.size * 8 === mw;
  }
  switch (k) {
    case 'm':
      return op.kind === 'mem';
    case 'one':
      return op.kind === 'imm' && op.value === 1;
    case 'imm8':
      return op.kind === 'imm' && fits(op.value, 8);
    case 'imm16':
      return op.kind === 'imm' && fits(op.value, 16);
    case 'imm32':
      return (op.kind === 'label' && f.labelImmediate) || (op.kind === 'imm' && fits(op.value, 32));
    case 'simm8': {
      if (op.kind !== 'imm') return false;
      const s = signedIn(op.value, f.width);
      return fits(op.value, f.width) && s >= -128 && s <= 127;
    }
    case 'count8':
      return op.kind === 'imm' && Number.isInteger(op.value) && op.value >= 0 && op.value <= 255;
    case 'uimm16':
      return op.kind === 'imm' && Number.isInteger(op.value) && op.value >= 0 && op.value <= 0xffff;
    case 'rel8':
    case 'rel32':
    case 'rel':
      return op.kind === 'label';
    default:
      return false;
  }
}

function fitsForm(f: Form, ops: readonly Operand[]): boolean {
  const kinds = f.operands;
  if (kinds.length !== ops.length) return false;
  for (let i = 0; i < kinds.length; i++) if (!matches(f, kinds[i]!, ops[i]!, i, ops)) return false;
  return true;
}

/** How an operand reads in a diagnostic: `r32`, `m16`, `m` (no size), `imm`, `label`. */
export function operandShape(op: Operand): string {
  switch (op.kind) {
    case 'reg':
      return `r${REG_WIDTH[op.reg]}`;
    case 'mem':
      return op.size === undefined ? 'm' : `m${op.size * 8}`;
    case 'imm':
      return 'imm';
    case 'label':
      return 'label';
  }
}

/** The instruction's own shape, e.g. `mov m32, m32`, for saying which form is missing. */
export function shapeOf(ins: MachineInstr): string {
  return ins.operands.length === 0 ? ins.mnemonic : `${ins.mnemonic} ${ins.operands.map(operandShape).join(', ')}`;
}

// The classifier runs for every instruction checked and assembled, so each mnemonic's forms are
// bucketed by arity and by the coarse class of the first operand: a lookup tries only the rows
// that could fit, in the table's order.
type OperandClass = 0 | 1 | 2 | 3 | 4 | 5; // r8, r16, r32, memory, immediate, label
const CLASSES_OF: Readonly<Record<OperandKind, readonly OperandClass[]>> = {
  r8: [0],
  r16: [1],
  r32: [2],
  'r/m8': [0, 3],
  'r/m32': [2, 3],
  m: [3],
  AL: [0],
  AX: [1],
  EAX: [2],
  CL: [0],
  one: [4],
  imm8: [4],
  imm16: [4],
  imm32: [4, 5],
  simm8: [4],
  count8: [4],
  uimm16: [4],
  rel8: [5],
  rel32: [5],
  rel: [5],
};

function classOf(op: Operand): OperandClass {
  switch (op.kind) {
    case 'reg': {
      const w = REG_WIDTH[op.reg];
      return w === 8 ? 0 : w === 16 ? 1 : 2;
    }
    case 'mem':
      return 3;
    case 'imm':
      return 4;
    case 'label':
      return 5;
  }
}

const buckets = new Map<string, Form[][]>();

function candidates(mnemonic: string, ops: readonly Operand[]): readonly Form[] {
  let b = buckets.get(mnemonic);
  if (b === undefined) {
    b = Array.from({ length: 6 * 4 }, () => []);
    for (const f of formsOf(mnemonic) ?? []) {
      const classes: readonly OperandClass[] = f.operands.length === 0 ? [0, 1, 2, 3, 4, 5] : CLASSES_OF[f.operands[0]!];
      for (const c of classes) b[c * 4 + f.operands.length]!.push(f);
    }
    buckets.set(mnemonic, b);
  }
  return ops.length > 3 ? [] : b[(ops.length === 0 ? 0 : classOf(ops[0]!)) * 4 + ops.length]!;
}

/**
 * Everything the choice of a row depends on (see matches): the mnemonic and, per operand, the
 * register, the memory size, the immediate's value, or that it is a label (not which one).
 */
function shapeKey(ins: MachineInstr): string {
  let k = ins.mnemonic;
  for (const op of ins.operands) {
    switch (op.kind) {
      case 'reg':
        k += ` ${op.reg}`;
        break;
      case 'mem':
        k += ` m${op.size ?? ''}`;
        break;
      case 'imm':
        k += ` #${op.value}`;
        break;
      case 'label':
        k += ' L';
        break;
    }
  }
  return k;
}

// Programs repeat their instructions' shapes: the row found for a shape is remembered, so most
// instructions are classified by one lookup. Bounded (a program with a million distinct
// immediates must not grow it): past the bound, new shapes are classified without remembering.
const rowOfShape = new Map<string, Form>();
const REMEMBERED_SHAPES = 16_384;

/** The row of the instruction table that `ins` is, or why there is none. */
export function classify(ins: MachineInstr): Classified {
  const key = shapeKey(ins);
  const known = rowOfShape.get(key);
  if (known !== undefined) return { ok: true, form: known, ins: asEncoded(ins, known) };
  const forms = formsOf(ins.mnemonic);
  if (forms === undefined) return { ok: false, why: 'mnemonic', message: `'${ins.mnemonic}' is not an instruction TAL checks` };
  const ops = ins.operands;
  for (const f of candidates(ins.mnemonic, ops)) {
    if (!fitsForm(f, ops)) continue;
    if (rowOfShape.size < REMEMBERED_SHAPES) rowOfShape.set(key, f);
    return { ok: true, form: f, ins: asEncoded(ins, f) };
  }
  const arities = [...new Set(forms.map((f) => f.operands.length))];
  if (!arities.includes(ops.length))
    return { ok: false, why: 'arity', message: `${ins.mnemonic} takes ${arities.join(' or ')} operand(s), found ${ops.length}` };
  // A near miss is reported as what it misses: the size of a memory operand, or an immediate's range.
  const sized = (size: 1 | 2 | 4): Operand[] => ops.map((o) => (o.kind === 'mem' && o.size === undefined ? ({ ...o, size } satisfies MemOperand) : o));
  if (ops.some((o) => o.kind === 'mem' && o.size === undefined) && ([1, 2, 4] as const).some((n) => forms.some((f) => fitsForm(f, sized(n))))) {
    return { ok: false, why: 'size', message: 'the size of this memory operand is unknown' };
  }
  const imm = ops.findIndex((o) => o.kind === 'imm');
  if (
    imm >= 0 &&
    forms.some((f) =>
      fitsForm(
        f,
        ops.map((o, i) => (i === imm ? { kind: 'imm', value: 2 } : o)),
      ),
    )
  ) {
    const v = (ops[imm] as { value: number }).value;
    const widths = forms
      .filter((f) =>
        fitsForm(
          f,
          ops.map((o, i) => (i === imm ? { kind: 'imm', value: 2 } : o)),
        ),
      )
      .map((f) => f.operands[imm]!);
    const bits = widths.some((k) => k === 'count8') ? 'the count' : 'the immediate';
    const room = widths.includes('count8')
      ? '8 bits (0..255)'
      : widths.includes('uimm16')
        ? '16 bits (0..65535)'
        : widths.includes('imm8')
          ? '8 bits'
          : widths.includes('imm16')
            ? '16 bits'
            : '32 bits';
    return { ok: false, why: 'range', message: `${bits} ${v} does not fit in ${room}` };
  }
  return { ok: false, why: 'form', message: `'${shapeOf(ins)}' is not a form of ${ins.mnemonic} TAL checks` };
}

// Typing of operands: reading a register, an immediate, a label or memory, and
// writing a register or memory. Memory rules are where bounds are enforced.

import type { MemOperand, Operand, Reg } from '../ast.js';
import { REGS32, type Reg32, type Size, type WordType } from '../types.js';
import type { Env } from './env.js';
import { fail } from './errors.js';
import { setSlot, showSize, showWord, slotAt, type Pre, type State } from './state.js';
import { Comparer } from './subtype.js';
import { isIntLike, isZeroWord } from './word-kinds.js';

const PARENT: Record<string, Reg32> = {
  al: 'eax',
  ah: 'eax',
  ax: 'eax',
  cl: 'ecx',
  ch: 'ecx',
  cx: 'ecx',
  dl: 'edx',
  dh: 'edx',
  dx: 'edx',
  bl: 'ebx',
  bh: 'ebx',
  bx: 'ebx',
  sp: 'esp',
  bp: 'ebp',
  si: 'esi',
  di: 'edi',
};

// Looked up for every operand of every instruction checked: one table read each.
const WIDTH: Readonly<Record<Reg, 1 | 2 | 4>> = Object.fromEntries([
  ...REGS32.map((r) => [r, 4]),
  ...Object.keys(PARENT).map((r) => [r, r.length === 2 && r.endsWith('x') ? 2 : ['sp', 'bp', 'si', 'di'].includes(r) ? 2 : 1]),
]) as Record<Reg, 1 | 2 | 4>;

export function isReg32(r: Reg): r is Reg32 {
  return WIDTH[r] === 4;
}

export function regWidth(r: Reg): 1 | 2 | 4 {
  return WIDTH[r];
}

export function parentReg(r: Reg): Reg32 {
  return WIDTH[r] === 4 ? (r as Reg32) : PARENT[r]!;
}

export function unfold(env: Env, t: WordType): WordType {
  let u = t;
  for (let i = 0; u.k === 'named' && i < 16; i++) {
    const d = env.defs.get(u.name);
    if (d === undefined) fail('E_UNKNOWN_TYPE', `unknown type '${u.name}'`);
    u = d!;
  }
  return u;
}

export function regType(s: Pre, r: Reg32): WordType {
  if (r === 'esp') return { k: 'sptr', s: { k: 'svar', name: '<stack>' } };
  const t = s.regs.get(r);
  if (t === undefined || t.k === 'uninit') {
    fail('E_UNINIT_REG', `register ${r} is read but holds no value here`, {
      hint: 'write it first; at a label, a register only keeps a value if every path into the label gives it one (or the label type lists it)',
    });
  }
  return t!;
}

/** The type of an operand used as a source. Memory operands default to 4 bytes. */
export function readOperand(s: Pre, env: Env, op: Operand, size: 1 | 2 | 4 = 4): WordType {
  switch (op.kind) {
    case 'reg':
      // Any part of ESP (SP too): even its low bits would tell the program where its stack is.
      if (parentReg(op.reg) === 'esp')
        fail('E_STACK_ALIAS', `${op.reg === 'esp' ? 'ESP' : `${op.reg.toUpperCase()} (part of ESP)`} cannot be copied or used as a value`, {
          hint: 'reach the stack through [esp + 4*k]; TAL keeps one stack pointer so the stack type stays exact',
        });
      if (isReg32(op.reg)) return regType(s, op.reg);
      regType(s, parentReg(op.reg));
      return { k: 'int' };
    case 'imm':
      return { k: 'sing', n: { k: 'const', value: op.value >>> 0 } };
    case 'label':
      return labelValue(env, op.name);
    case 'mem':
      return readMemory(s, env, op, op.size ?? size);
  }
}

export function labelValue(env: Env, name: string): WordType {
  const l = env.labels.get(name);
  if (l === undefined) {
    if (env.imports.has(name)) fail('E_IMPORT_VALUE', `system call '${name}' can only be called, not used as a value`);
    fail('E_UNKNOWN_LABEL', `unknown label '${name}'`);
  }
  if (l!.kind === 'data') return l!.type;
  if (l!.type === undefined) {
    fail('E_LABEL_TYPE', `code label '${name}' has no type, so it cannot be used as a value or called`, { hint: `annotate it: ${name}: forall … code {…}` });
  }
  return { k: 'code', ct: l!.type! };
}

/** A resolved memory location. */
export type Location =
  | { kind: 'stack'; slot: number }
  | { kind: 'field'; tuple: Extract<WordType, { k: 'tuple' }>; index: number; baseReg?: Reg32 }
  | { kind: 'elem'; elem: WordType; array: 'bytes' | 'words' }
  | { kind: 'length'; n: Size };

interface Term {
  reg: Reg32;
  scale: number;
  type: WordType;
}

const BOUNDS_HINT = 'prove the index is in bounds first: mov len, [arr-4] / cmp idx, len / jae out_of_bounds';

export function resolveMemory(s: Pre, env: Env, m: MemOperand, size: number): Location {
  let ptr: WordType | undefined;
  let baseReg: Reg32 | undefined;
  let disp = m.disp;
  const terms: Term[] = [];
  const addTerm = (reg: Reg32, scale: number): void => {
    const t = regType(s, reg);
    terms.push({ reg, scale, type: t });
  };
  if (m.base === 'esp') {
    if (m.label !== undefined || m.index !== undefined) fail('E_STACK_INDEX', 'stack slots can only be addressed as [esp + constant]');
    return stackSlot(s, disp, size);
  }
  if (m.index === 'esp') fail('E_STACK_INDEX', 'ESP cannot be an index register');
  if (m.label !== undefined) {
    ptr = labelValue(env, m.label);
    if (m.base !== undefined) addTerm(m.base, 1);
    if (m.index !== undefined) addTerm(m.index, m.scale);
  } else {
    if (m.base === undefined && m.index === undefined)
      fail('E_NOT_POINTER', 'absolute addresses are not allowed', { hint: 'address memory through a label or a register holding a pointer' });
    const baseT = m.base !== undefined ? regType(s, m.base) : undefined;
    const indexT = m.index !== undefined ? regType(s, m.index) : undefined;
    if (baseT !== undefined && !isIntLike(baseT)) {
      ptr = baseT;
      baseReg = m.base;
      if (m.index !== undefined) addTerm(m.index, m.scale);
    } else if (indexT !== undefined && m.scale === 1 && !isIntLike(indexT)) {
      ptr = indexT;
      baseReg = m.index;
      if (m.base !== undefined) addTerm(m.base, 1);
    } else {
      const r = m.base ?? m.index!;
      const rt = regType(s, r);
      if (isZeroWord(rt))
        fail('E_NULL', `${r} is null here`, {
          found: showWord(rt),
          hint: 'a null pointer cannot be dereferenced; test it and use it only on the non-null path',
        });
      fail('E_NOT_POINTER', `memory is addressed through ${r}, which holds an integer, not a pointer`, {
        found: showWord(regType(s, r)),
        expected: 'a tuple, array or stack pointer',
      });
    }
  }
  // Constant index terms fold into the displacement.
  const vars: Term[] = [];
  for (const t of terms) {
    if (t.type.k === 'sing' && t.type.n.k === 'const') disp = (disp + t.type.n.value * t.scale) | 0;
    else vars.push(t);
  }
  if (vars.length > 1) fail('E_BOUNDS', 'an address may have at most one variable index', { hint: 'compute the index into one register first' });
  const p = unfold(env, ptr!);
  switch (p.k) {
    case 'tuple': {
      if (vars.length > 0) fail('E_TUPLE_INDEX', 'tuple fields are addressed with constant offsets only', { found: `[… + ${vars[0]!.reg}]` });
      if (size !== 4) fail('E_ACCESS_SIZE', `tuple fields are 4 bytes; this access is ${size} byte(s)`);
      if (disp % 4 !== 0 || disp < 0 || disp / 4 >= p.fields.length) {
        fail('E_TUPLE_BOUNDS', `offset ${disp} is not a field of ${showWord(p)}`, {
          expected: `one of ${p.fields.map((_, i) => i * 4).join(', ')}`,
          found: String(disp),
        });
      }
      const loc: Location = { kind: 'field', tuple: p, index: disp / 4 };
      if (baseReg !== undefined) loc.baseReg = baseReg;
      return loc;
    }
    case 'bytes':
    case 'words': {
      const elemSize = p.k === 'bytes' ? 1 : 4;
      const elem: WordType = p.k === 'bytes' ? { k: 'int' } : p.elem;
      if (vars.length === 0 && disp === -4 && size === 4) return { kind: 'length', n: p.n };
      if (size !== elemSize) fail('E_ACCESS_SIZE', `elements of ${showWord(p)} are ${elemSize} byte(s); this access is ${size} byte(s)`);
      if (vars.length === 0) {
        if (disp < 0 || disp % elemSize !== 0 || p.n.k !== 'const' || disp / elemSize >= p.n.value) {
          fail('E_BOUNDS', `constant offset ${disp} is not provably inside ${showWord(p)}`, {
            expected: p.n.k === 'const' ? `an offset below ${p.n.value * elemSize}` : `an index proven < ${showSize(p.n)}`,
            hint: BOUNDS_HINT,
          });
        }
        return { kind: 'elem', elem, array: p.k };
      }
      const v = vars[0]!;
      if (v.scale !== elemSize || disp !== 0) {
        fail('E_BOUNDS', `index ${v.reg} must be scaled by the element size ${elemSize}, with no displacement`, {
          found: `[… + ${v.reg}*${v.scale}${disp !== 0 ? ` + ${disp}` : ''}]`,
        });
      }
      if (!new Comparer(env.defs).word(v.type, { k: 'below', n: p.n, strict: true })) {
        fail('E_BOUNDS', `index ${v.reg} is not proven below the length of ${showWord(p)}`, {
          expected: `int<${showSize(p.n)}`,
          found: showWord(v.type),
          hint: BOUNDS_HINT,
        });
      }
      return { kind: 'elem', elem, array: p.k };
    }
    case 'maybe':
      return fail('E_MAYBE_NULL', `${baseReg ?? 'the pointer'} may be null here`, { found: showWord(p), hint: 'test it first: test reg, reg / jz is_null' });
    case 'null':
      return fail('E_NULL', 'this pointer is null', { found: 'null' });
    case 'exists':
      return fail('E_PACKED', `${baseReg ?? 'the pointer'} holds a package; unpack it before using it`, {
        found: showWord(p),
        hint: `unpack ${baseReg ?? 'reg'}, n`,
      });
    case 'code':
      return fail('E_CODE_ACCESS', 'code is not data: it cannot be read or written', { found: showWord(p) });
    case 'sptr':
      return fail('E_STACK_ALIAS', 'the stack is addressed only through ESP');
    case 'tvar':
      return fail('E_ABSTRACT', `${baseReg ?? 'the value'} has abstract type ${p.name}; its contents are unknown`);
    case 'uninit':
      return fail('E_UNINIT_REG', 'the pointer holds no value');
    default:
      return fail('E_NOT_POINTER', `memory is addressed through ${baseReg ?? 'a value'} of type ${showWord(p)}, not a pointer`);
  }
}

function stackSlot(s: Pre, disp: number, size: number): Location {
  if (size !== 4) fail('E_ACCESS_SIZE', `stack slots are 4 bytes; this access is ${size} byte(s)`);
  if (disp < 0 || disp % 4 !== 0)
    fail('E_STACK_BOUNDS', `[esp ${disp < 0 ? '-' : '+'} ${Math.abs(disp)}] is not a stack slot`, {
      hint: 'slots are at [esp], [esp+4], [esp+8], …; below ESP nothing may be touched',
    });
  const slot = disp / 4;
  if (slot >= s.stack.depth) {
    fail('E_STACK_BOUNDS', `[esp + ${disp}] is beyond the ${s.stack.depth} slot(s) the stack type describes`, {
      found: `${s.stack.depth} known slot(s), then ${s.stack.tail.k === 'nil' ? 'the end of the stack' : `the abstract tail ${s.stack.tail.name}`}`,
    });
  }
  return { kind: 'stack', slot };
}

export function readMemory(s: Pre, env: Env, m: MemOperand, size: number): WordType {
  const loc = resolveMemory(s, env, m, size);
  switch (loc.kind) {
    case 'stack': {
      const t = slotAt(s.stack, loc.slot)!;
      if (t.k === 'uninit') fail('E_UNINIT_STACK', `stack slot [esp + ${loc.slot * 4}] is read before it is written`);
      return t;
    }
    case 'field': {
      const f = loc.tuple.fields[loc.index]!;
      if (!f.init)
        fail('E_UNINIT_FIELD', `field ${loc.index} (offset ${loc.index * 4}) of the tuple is read before it is written`, { found: showWord(loc.tuple) });
      return f.t;
    }
    case 'elem':
      return loc.elem;
    case 'length':
      return { k: 'sing', n: loc.n };
  }
}

/** Writes a value of type t to memory, updating the state where the write refines a type (stack slots, fields of a fresh tuple). */
export function writeMemory(s: State, pre: Pre, env: Env, m: MemOperand, size: number, t: WordType): void {
  const loc = resolveMemory(pre, env, m, size);
  switch (loc.kind) {
    case 'stack': {
      // Slot numbers count from the ESP before the instruction; no rule moves ESP and stores to the stack.
      if (s.stack !== pre.stack) fail('E_OPERAND', 'this instruction both moves ESP and stores to the stack');
      s.stack = setSlot(s.stack, loc.slot, t);
      return;
    }
    case 'field': {
      const f = loc.tuple.fields[loc.index]!;
      if (!new Comparer(env.defs).word(t, f.t)) {
        fail('E_FIELD_TYPE', `field ${loc.index} of the tuple holds ${showWord(f.t)}; this writes ${showWord(t)}`, {
          expected: showWord(f.t),
          found: showWord(t),
        });
      }
      // Strong update of the pointer's type, unless this instruction also wrote the register (its old value was the pointer).
      if (!f.init && loc.baseReg !== undefined && s.regs.get(loc.baseReg) === pre.regs.get(loc.baseReg)) {
        const fields = loc.tuple.fields.map((g, i) => (i === loc.index ? { t: g.t, init: true } : g));
        s.regs.set(loc.baseReg, { k: 'tuple', fields });
      }
      return;
    }
    case 'elem':
      if (loc.array === 'bytes') {
        if (!isIntLike(t)) fail('E_ELEM_TYPE', `a byte array holds integers; this writes ${showWord(t)}`);
        return;
      }
      if (!new Comparer(env.defs).word(t, loc.elem)) {
        fail('E_ELEM_TYPE', `the array holds ${showWord(loc.elem)}; this writes ${showWord(t)}`, { expected: showWord(loc.elem), found: showWord(t) });
      }
      return;
    case 'length':
      fail('E_WRITE_LENGTH', "an array's length word cannot be written", { hint: 'lengths are fixed at allocation; that is what makes bounds checks sound' });
  }
}

/** ESP changes only through push, pop, call, ret and add/sub esp, constant: checked before the rule reads its operands. */
export function refuseEspWrite(op: Operand, mnemonic: string): void {
  if (op.kind === 'reg' && (op.reg === 'esp' || op.reg === 'sp')) {
    fail('E_ESP_WRITE', `${mnemonic} cannot write ESP: it changes only through push, pop, call, ret and add/sub esp, constant`, {
      hint: 'TAL keeps one stack pointer whose stack type is always exact',
    });
  }
}

/** Writes a destination operand (register or memory). */
export function writeOperand(s: State, pre: Pre, env: Env, op: Operand, t: WordType, size: 1 | 2 | 4 = 4): void {
  switch (op.kind) {
    case 'reg':
      if (op.reg === 'esp' || op.reg === 'sp') fail('E_ESP_WRITE', 'ESP can only change through push, pop, call, ret and add/sub esp, constant');
      if (isReg32(op.reg)) s.regs.set(op.reg, t);
      else s.regs.set(parentReg(op.reg), { k: 'int' }); // a partial write leaves an integer
      dropFlagsOn(s, parentReg(op.reg));
      return;
    case 'mem':
      writeMemory(s, pre, env, op, op.size ?? size, t);
      return;
    case 'imm':
    case 'label':
      // No form of the instruction table writes an immediate or a label (tal/classify.ts refuses them first).
      fail('E_UNSUPPORTED', `${op.kind === 'imm' ? 'an immediate' : `the label '${op.name}'`} cannot be a destination`);
  }
}

/** A write to r invalidates what the last comparison said about r. */
export function dropFlagsOn(s: State, r: Reg32): void {
  const f = s.flags;
  if (f === undefined) return;
  if ((f.kind === 'test' && f.reg === r) || (f.kind === 'cmp' && (f.a.reg === r || f.b.reg === r))) delete s.flags;
}

/** The access size an operand implies, if it has one. */
export function operandSize(op: Operand): 1 | 2 | 4 | undefined {
  if (op.kind === 'reg') return regWidth(op.reg);
  if (op.kind === 'mem') return op.size;
  return undefined;
}

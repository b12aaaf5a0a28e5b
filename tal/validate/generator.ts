// A type-directed generator of random TAL programs for state-embedding
// validation. It tracks a small model of the types (an approximation of the
// checker's: the checker is the oracle for acceptance, the model only steers
// the generator towards programs the checker will accept) and composes
// snippets whose preconditions the model satisfies: arithmetic in every operand
// form, the stack, tuples, byte and word arrays with proven indices, loops,
// calls, recursion, a polymorphic identity, code pointers, existential
// packages, a recursive list type, the allocator and system calls.
//
// A generated unit is one function `uN`; a file holds several units, the
// helpers they call and some data, and main calls every unit in turn (so one
// run of the instrumented image validates many units).

import { SUPPORTED_MNEMONICS } from '../asm/index.js';
import { CONDITIONS } from '../conditions.js';
import { FORMS, type Form, type OperandKind } from '../instructions.js';
import type { Reg32 } from '../types.js';

/** A deterministic PRNG (mulberry32), so a seed names a program. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The generator's model of a register's type. */
type GT =
  | { k: 'int' }
  | { k: 'const'; v: number }
  | { k: 'below'; n: number } // unsigned < n
  | { k: 'tuple'; n: number } // *[int × n], all initialized
  | { k: 'bytes'; n: number | undefined } // undefined: a hidden size (after unpack, or a run-time length)
  | { k: 'words'; n: number | undefined }
  | { k: 'list' }
  | { k: 'code' }; // the helper h_inc's type

const REGS: readonly Reg32[] = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'];
const BYTE_REG: Partial<Record<Reg32, string>> = { eax: 'al', ebx: 'bl', ecx: 'cl', edx: 'dl' };
const HIGH_BYTE_REG: Partial<Record<Reg32, string>> = { eax: 'ah', ebx: 'bh', ecx: 'ch', edx: 'dh' };
const WORD_REG: Partial<Record<Reg32, string>> = { eax: 'ax', ebx: 'bx', ecx: 'cx', edx: 'dx', esi: 'si', edi: 'di', ebp: 'bp' };
const ALU = ['add', 'sub', 'and', 'or', 'xor', 'adc', 'sbb'] as const;
/** Only forms both the checker and the assembler support: a unit the assembler refuses could not be validated (the campaign reports such programs separately). */
const SHIFTS = ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'sal'].filter((m) => SUPPORTED_MNEMONICS.includes(m));
/** Every condition suffix, aliases included (each alias is its own row of the instruction table). */
const ANY_CC = Object.keys(CONDITIONS);

/** h_inc's type, written out where tuples and arrays hold it (the checker does not unfold a named type to call or jump through it: E_JUMP_TARGET). */
const INC_TYPE = 'forall r:stack. code {EAX: int, ESP: sptr (code {EAX: int, ESP: sptr r}) :: r}';

/** h_id's type, for a tuple field that holds it. */
const ID_TYPE = 'forall a, r:stack. code {EAX: a, ESP: sptr (code {EAX: a, ESP: sptr r}) :: r}';

const HELPERS = `
; h_inc: EAX + 1 (a plain call; everything but EAX is lost to the caller)
h_inc: forall r:stack. code {EAX: int, ESP: sptr (code {EAX: int, ESP: sptr r}) :: r}
        inc eax
        ret
; h_id: the polymorphic identity
h_id: forall a, r:stack. code {EAX: a, ESP: sptr (code {EAX: a, ESP: sptr r}) :: r}
        ret
; h_rec: 0 + 1 + … + ECX by recursion (ECX small)
h_rec: forall r:stack. code {ECX: int, ESP: sptr (code {EAX: int, ESP: sptr r}) :: r}
        test ecx, ecx
        jz .base
        dec ecx
        push ecx
        call h_rec
        pop ecx
        inc ecx
        add eax, ecx
        ret
.base:
        xor eax, eax
        ret
; h_pop: the callee pops its stack argument (ret 4)
h_pop: forall r:stack. code {ESP: sptr (code {EAX: int, ESP: sptr r}) :: int :: r}
        mov eax, [esp + 4]
        ret 4
; h_len: an existential package in, its hidden length out
h_len: forall r:stack. code {ESI: exists n:size. bytes(n), ESP: sptr (code {EAX: int, ESP: sptr r}) :: r}
        unpack esi, m
        mov eax, [esi - 4]
        ret
`;

const DATA = `
db0:    .bytes [32]
db1:    .bytes "generated\\n"
dw0:    .words 3, 1, 4, 1, 5, 9, 2, 6
dt0:    .tuple 7, 8, 9
dp0:    .bytes "/nonexistent/tal-generated\\0"
`;
const DATA_TYPES: Record<string, GT> = {
  db0: { k: 'bytes', n: 32 },
  db1: { k: 'bytes', n: 10 },
  dw0: { k: 'words', n: 8 },
  dt0: { k: 'tuple', n: 3 },
  dp0: { k: 'bytes', n: 27 },
};

class Unit {
  readonly lines: string[] = [];
  readonly regs = new Map<Reg32, GT>();
  /** Slots this unit pushed, top first. */
  readonly slots: GT[] = [];
  private labels = 0;

  constructor(
    readonly rng: Rng,
    readonly name: string,
  ) {}

  op(text: string): void {
    this.lines.push(`        ${text}`);
  }
  label(l: string): void {
    this.lines.push(`${l}:`);
  }
  local(): string {
    return `.l${this.labels++}`;
  }

  isInt(r: Reg32): boolean {
    const t = this.regs.get(r);
    return t !== undefined && (t.k === 'int' || t.k === 'const' || t.k === 'below');
  }
  regsWhere(p: (t: GT, r: Reg32) => boolean): Reg32[] {
    return REGS.filter((r) => {
      const t = this.regs.get(r);
      return t !== undefined && p(t, r);
    });
  }
  intRegs(): Reg32[] {
    return REGS.filter((r) => this.isInt(r));
  }
  anyReg(except: Reg32[] = []): Reg32 {
    return this.rng.pick(REGS.filter((r) => !except.includes(r)));
  }
  /** An integer source operand: an immediate or an int register. */
  intSrc(except: Reg32[] = []): string {
    const ints = this.intRegs().filter((r) => !except.includes(r));
    if (ints.length > 0 && this.rng.chance(0.5)) return this.rng.pick(ints);
    return String(this.imm());
  }
  imm(): number {
    return this.rng.pick([0, 1, 2, 3, 7, 8, 15, 16, 31, 100, 255, 256, 4096, 65535, 0x7fffffff, -1, -2, -128, this.rng.int(-1000, 1000)]);
  }
  /** Makes r an int (so int snippets always have a destination). */
  ensureInt(r: Reg32): void {
    if (!this.isInt(r)) {
      const v = this.rng.int(0, 200);
      this.op(`mov ${r}, ${v}`);
      this.regs.set(r, { k: 'const', v });
    }
  }
  intDst(except: Reg32[] = []): Reg32 {
    const ints = this.intRegs().filter((r) => !except.includes(r));
    const r = ints.length > 0 && this.rng.chance(0.8) ? this.rng.pick(ints) : this.anyReg(except);
    this.ensureInt(r);
    return r;
  }
  pointer(kind: GT['k'], p: (t: GT) => boolean = () => true): Reg32 | undefined {
    const rs = this.regsWhere((t) => t.k === kind && p(t));
    return rs.length > 0 ? this.rng.pick(rs) : undefined;
  }
}

type Snippet = (u: Unit) => void;

const arith: Snippet = (u) => {
  const r = u.intDst();
  switch (u.rng.int(0, 14)) {
    case 0:
      u.op(`${u.rng.pick(ALU)} ${r}, ${u.intSrc()}`);
      break;
    case 1:
      u.op(`${u.rng.pick(['inc', 'dec', 'neg', 'not', 'bswap'])} ${r}`);
      break;
    case 2: {
      const n = u.rng.int(0, 31);
      const s = u.rng.pick(SHIFTS);
      if (u.isInt('ecx') && r !== 'ecx' && u.rng.chance(0.3)) {
        u.op(`${s} ${r}, cl`);
        break; // a count known only at run time bounds nothing
      }
      u.op(`${s} ${r}, ${n}`);
      if (s === 'shr' && n > 0) {
        u.regs.set(r, { k: 'below', n: 2 ** (32 - n) });
        return;
      }
      break;
    }
    case 3: {
      const r2 = u.intDst([r]);
      u.op(`${u.rng.pick(['shld', 'shrd'])} ${r}, ${r2}, ${u.rng.int(0, 31)}`);
      break;
    }
    case 4: {
      const r2 = u.intDst();
      u.op(u.rng.pick([`imul ${r}, ${r2}`, `imul ${r}, ${r2}, ${u.imm()}`]));
      break;
    }
    case 5: {
      // one-operand multiply and divide: EDX:EAX
      u.ensureInt('eax');
      const d = u.rng.pick(['ebx', 'ecx', 'esi', 'edi', 'ebp'] as const);
      if (u.rng.chance(0.5)) {
        u.ensureInt(d);
        u.op(`${u.rng.pick(['mul', 'imul'])} ${d}`);
      } else {
        u.op(`mov ${d}, ${u.rng.int(2, 1000)}`);
        if (u.rng.chance(0.5)) {
          u.op('xor edx, edx');
          u.op(`div ${d}`);
        } else {
          u.op('cdq');
          u.op(`idiv ${d}`);
        }
        u.regs.set(d, { k: 'int' });
      }
      u.regs.set('eax', { k: 'int' });
      u.regs.set('edx', { k: 'int' });
      return;
    }
    case 6: {
      const k = u.rng.pick([1, 3, 7, 15, 31, 255, 4095]);
      u.op(`and ${r}, ${k}`);
      u.regs.set(r, { k: 'below', n: k + 1 });
      return;
    }
    case 7: {
      const src = u.rng.pick(['eax', 'ebx', 'ecx', 'edx'] as const);
      u.ensureInt(src);
      u.op(`${u.rng.pick(['movzx', 'movsx'])} ${r}, ${BYTE_REG[src]}`);
      break;
    }
    case 8: {
      const a = u.intDst();
      const b = u.intDst();
      const disp = u.rng.int(-64, 64);
      u.op(`lea ${r}, [${a} + ${b}*${u.rng.pick([1, 2, 4, 8])} ${disp < 0 ? '-' : '+'} ${Math.abs(disp)}]`);
      break;
    }
    case 9:
      u.ensureInt('eax');
      {
        const m = u.rng.pick(['cdq', 'cwde', 'cbw', 'cwd']);
        u.op(m);
        u.regs.set('eax', { k: 'int' });
        if (m === 'cdq' || m === 'cwd') u.regs.set('edx', { k: 'int' });
        return;
      }
    case 10: {
      const b = u.rng.pick(['eax', 'ebx', 'ecx', 'edx'] as const);
      u.ensureInt(b);
      const cc = u.rng.pick(ANY_CC);
      u.op(`cmp ${r}, ${u.intSrc()}`);
      u.op(`set${cc} ${BYTE_REG[b]}`);
      u.regs.set(b, { k: 'int' });
      break;
    }
    case 11: {
      const r2 = u.intDst();
      u.op(`test ${r}, ${u.intSrc()}`);
      u.op(`cmov${u.rng.pick(ANY_CC)} ${r}, ${r2}`);
      break;
    }
    case 12: {
      const r2 = u.intDst([r]);
      u.op(`xchg ${r}, ${r2}`);
      u.regs.set(r2, { k: 'int' });
      break;
    }
    case 13:
      u.op('rdtsc');
      u.regs.set('eax', { k: 'int' });
      u.regs.set('edx', { k: 'int' });
      return;
    default: {
      const b = u.rng.pick(['eax', 'ebx', 'ecx', 'edx'] as const);
      u.ensureInt(b);
      u.op(`mov ${BYTE_REG[b]}, ${u.rng.int(0, 255)}`);
      u.regs.set(b, { k: 'int' });
      return;
    }
  }
  u.regs.set(r, { k: 'int' });
};

const constant: Snippet = (u) => {
  const r = u.anyReg();
  const v = u.rng.chance(0.5) ? u.rng.int(0, 64) : u.imm();
  if (v === 0 && u.rng.chance(0.5)) u.op(`${u.rng.pick(['xor', 'sub'])} ${r}, ${r}`);
  else u.op(`mov ${r}, ${v}`);
  u.regs.set(r, v === 0 || (v >= 0 && v < 2 ** 31) ? { k: 'const', v } : { k: 'int' });
};

const copy: Snippet = (u) => {
  const from = u.regsWhere(() => true);
  if (from.length === 0) return;
  const s = u.rng.pick(from);
  const d = u.anyReg([s]);
  u.op(`mov ${d}, ${s}`);
  u.regs.set(d, u.regs.get(s)!);
};

const stack: Snippet = (u) => {
  if (u.slots.length > 0 && u.rng.chance(0.4)) {
    const r = u.anyReg();
    u.op(`pop ${r}`);
    u.regs.set(r, u.slots.shift()!);
    return;
  }
  if (u.slots.length >= 6) return;
  if (u.rng.chance(0.3)) {
    const v = u.rng.int(0, 1000);
    u.op(`push ${v}`);
    u.slots.unshift({ k: 'const', v });
    return;
  }
  if (u.rng.chance(0.3)) {
    // a frame: uninitialized slots, written, read back, popped
    const a = u.intDst();
    const b = u.anyReg([a]);
    u.op('sub esp, 8');
    u.op(`mov [esp], ${a}`);
    u.op(`mov dword [esp + 4], ${u.rng.int(0, 99)}`);
    u.op(`add ${a}, [esp + 4]`);
    u.op(`mov ${b}, [esp]`);
    u.op('add esp, 8');
    u.regs.set(a, { k: 'int' });
    u.regs.set(b, { k: 'int' });
    return;
  }
  const from = u.regsWhere(() => true);
  if (from.length === 0) return;
  const r = u.rng.pick(from);
  u.op(`push ${r}`);
  u.slots.unshift(u.regs.get(r)!);
};

const tuple: Snippet = (u) => {
  const have = u.pointer('tuple');
  if (have !== undefined && u.rng.chance(0.6)) {
    const t = u.regs.get(have) as { k: 'tuple'; n: number };
    const i = u.rng.int(0, t.n - 1);
    switch (u.rng.int(0, 5)) {
      case 0: {
        const d = u.rng.chance(0.3) ? have : u.anyReg();
        u.op(`mov ${d}, [${have} + ${4 * i}]`); // sometimes the address register is the destination
        u.regs.set(d, { k: 'int' });
        return;
      }
      case 1:
        u.op(`mov dword [${have} + ${4 * i}], ${u.intSrc()}`);
        return;
      case 2: {
        const d = u.intDst([have]);
        u.op(`${u.rng.pick([...ALU, 'cmp', 'test'] as const)} ${d}, [${have} + ${4 * i}]`);
        if (!u.lines[u.lines.length - 1]!.includes('cmp') && !u.lines[u.lines.length - 1]!.includes('test')) u.regs.set(d, { k: 'int' });
        return;
      }
      case 3:
        u.op(`${u.rng.pick(['inc', 'dec', 'neg', 'not'])} dword [${have} + ${4 * i}]`);
        return;
      case 4:
        u.op(`${u.rng.pick([...ALU, 'cmp'] as const)} dword [${have} + ${4 * i}], ${u.intSrc([have])}`);
        return;
      default:
        if (t.n > 1) {
          u.op(
            `coerce ${have}, *[${Array(t.n - 1)
              .fill('int')
              .join(', ')}]`,
          );
          u.regs.set(have, { k: 'tuple', n: t.n - 1 });
        }
        return;
    }
  }
  if (u.rng.chance(0.3)) {
    const r = u.anyReg();
    u.op(`mov ${r}, dt0`);
    u.regs.set(r, DATA_TYPES.dt0!);
    return;
  }
  const n = u.rng.int(1, 4);
  const r = u.anyReg();
  u.op(`malloc ${r}, *[${Array(n).fill('int').join(', ')}]`);
  for (let i = 0; i < n; i++) u.op(`mov dword [${r} + ${4 * i}], ${u.intSrc([r])}`);
  u.regs.set(r, { k: 'tuple', n });
};

const array: Snippet = (u) => {
  const arrays = u.regsWhere((t) => t.k === 'bytes' || t.k === 'words');
  if (arrays.length === 0 || u.rng.chance(0.3)) {
    const r = u.anyReg();
    const pick = u.rng.int(0, 4);
    if (pick === 0) {
      const name = u.rng.pick(['db0', 'db1', 'dw0']);
      u.op(`mov ${r}, ${name}`);
      u.regs.set(r, DATA_TYPES[name]!);
    } else if (pick === 1) {
      // a length known only at run time: a fresh size variable
      const len = u.intDst([r]);
      u.op(`and ${len}, 63`);
      u.op(`newarray ${r}, ${u.rng.pick(['byte', 'word'])}, ${len}`);
      u.regs.set(r, { k: u.lines[u.lines.length - 1]!.includes('byte') ? 'bytes' : 'words', n: undefined });
      u.regs.set(len, { k: 'int' });
    } else {
      const n = u.rng.int(1, 40);
      const elem = u.rng.pick(['byte', 'word']);
      u.op(`newarray ${r}, ${elem}, ${n}`);
      u.regs.set(r, { k: elem === 'byte' ? 'bytes' : 'words', n });
    }
    return;
  }
  const p = u.rng.pick(arrays);
  const t = u.regs.get(p) as { k: 'bytes' | 'words'; n: number | undefined };
  const scale = t.k === 'bytes' ? 1 : 4;
  const size = t.k === 'bytes' ? 'byte' : 'dword';
  const elemReg = (r: Reg32): string => (t.k === 'bytes' ? BYTE_REG[r]! : r);
  const mode = u.rng.int(0, 3);
  if (mode === 0 && t.n !== undefined && t.n > 0) {
    const c = u.rng.int(0, t.n - 1);
    if (u.rng.chance(0.5)) {
      u.op(`mov ${size} [${p} + ${c * scale}], ${u.rng.int(0, 127)}`);
    } else {
      const d = u.anyReg(t.k === 'bytes' ? [] : [p]);
      u.op(t.k === 'bytes' ? `movzx ${d}, byte [${p} + ${c}]` : `mov ${d}, [${p} + ${c * 4}]`);
      u.regs.set(d, t.k === 'bytes' ? { k: 'below', n: 256 } : { k: 'int' });
    }
    return;
  }
  if (mode === 1) {
    const d = u.rng.chance(0.3) ? p : u.anyReg();
    u.op(`mov ${d}, [${p} - 4]`); // the length word
    u.regs.set(d, { k: 'int' });
    return;
  }
  // the canonical loop: i < length, proven by cmp/jae
  const others = REGS.filter((r) => r !== p);
  const len = u.rng.pick(others);
  const i = u.rng.pick(others.filter((r) => r !== len));
  const acc = u.rng.pick(others.filter((r) => r !== len && r !== i && (t.k === 'words' || BYTE_REG[r] !== undefined)));
  const top = u.local();
  const done = u.local();
  u.op(`mov ${len}, [${p} - 4]`);
  u.op(`xor ${i}, ${i}`);
  u.ensureInt(acc);
  u.label(top);
  u.op(`cmp ${i}, ${len}`);
  u.op(`jae ${done}`);
  switch (u.rng.int(0, 2)) {
    case 0:
      u.op(t.k === 'bytes' ? `add ${acc}, ${acc}` : `add ${acc}, [${p} + ${i}*4]`);
      if (t.k === 'bytes') u.op(`mov [${p} + ${i}], ${elemReg(acc)}`);
      break;
    case 1:
      u.op(t.k === 'bytes' ? `movzx ${acc}, byte [${p} + ${i}]` : `mov ${acc}, [${p} + ${i}*4]`);
      break;
    default:
      u.op(`mov ${size} [${p} + ${i}*${scale}], ${t.k === 'bytes' ? elemReg(acc) : i}`);
  }
  u.op(`inc ${i}`);
  u.op(`jmp ${top}`);
  u.label(done);
  u.regs.set(len, { k: 'int' });
  u.regs.set(i, { k: 'int' });
  u.regs.set(acc, { k: 'int' });
};

const branch: Snippet = (u) => {
  const r = u.intDst();
  const skip = u.local();
  // destinations become ints before the branch, so both paths define them
  const touched = Array.from({ length: u.rng.int(1, 3) }, () => u.intDst([r]));
  u.op(`cmp ${r}, ${u.intSrc()}`);
  if (u.rng.chance(0.3)) {
    // the flags fact survives an instruction that leaves the flags alone (and is dropped if that instruction writes a compared register)
    const x = u.anyReg();
    const v = u.rng.int(0, 99);
    u.op(u.rng.chance(0.5) ? `mov ${x}, ${v}` : `lea ${x}, [${u.intDst()} + ${v}]`);
    u.regs.set(x, { k: 'int' });
    if (!touched.includes(x)) touched.push(x);
  }
  u.op(`j${u.rng.pick(ANY_CC)} ${skip}`);
  for (const d of touched) u.op(`${u.rng.pick(ALU)} ${d}, ${u.rng.int(0, 99)}`);
  u.label(skip);
  for (const d of touched) u.regs.set(d, { k: 'int' });
};

const bounded: Snippet = (u) => {
  // an index proven in bounds by a compare with a constant, then used
  const p = u.pointer('words', (t) => t.k === 'words' && t.n !== undefined) ?? u.pointer('bytes', (t) => t.k === 'bytes' && t.n !== undefined);
  if (p === undefined) return;
  const t = u.regs.get(p) as { k: 'bytes' | 'words'; n: number };
  const i = u.intDst([p]);
  const out = u.local();
  if (u.rng.chance(0.5)) {
    u.op(`cmp ${i}, ${t.n}`);
    u.op(`${u.rng.pick(['jae', 'jnb', 'jnc'])} ${out}`);
  } else {
    u.op(`cmp ${t.n}, ${i}`.replace(`cmp ${t.n}, ${i}`, `cmp ${i}, ${t.n - 1}`));
    u.op(`${u.rng.pick(['ja', 'jnbe'])} ${out}`);
  }
  if (t.k === 'bytes') u.op(`mov byte [${p} + ${i}], ${u.rng.int(0, 255)}`);
  else u.op(`add dword [${p} + ${i}*4], ${u.rng.int(0, 99)}`);
  u.label(out);
};

const loopInsn: Snippet = (u) => {
  const top = u.local();
  const k = u.rng.int(1, 20);
  u.op(`mov ecx, ${k}`);
  const acc = u.intDst(['ecx']);
  if (u.rng.chance(0.5)) {
    u.label(top);
    u.op(`add ${acc}, ecx`);
    u.op(`loop ${top}`);
  } else {
    const done = u.local();
    u.label(top);
    u.op(`jecxz ${done}`);
    u.op(`add ${acc}, ecx`);
    u.op('dec ecx');
    u.op(`jmp ${top}`);
    u.label(done);
  }
  u.regs.set('ecx', { k: 'int' });
  u.regs.set(acc, { k: 'int' });
};

/** After a call of program code only EAX survives (the helpers' return types say so). */
function afterCall(u: Unit, eax: GT): void {
  u.regs.clear();
  u.regs.set('eax', eax);
}

const call: Snippet = (u) => {
  switch (u.rng.int(0, 5)) {
    case 0:
      u.ensureInt('eax');
      u.op('call h_inc');
      afterCall(u, { k: 'int' });
      return;
    case 1: {
      const from = u.regsWhere(() => true);
      const r = from.length > 0 ? u.rng.pick(from) : undefined;
      const t: GT = r !== undefined ? u.regs.get(r)! : { k: 'const', v: 1 };
      if (r === undefined) u.op('mov eax, 1');
      else if (r !== 'eax') u.op(`mov eax, ${r}`);
      u.op('call h_id'); // polymorphic: EAX keeps its type, whatever it is
      afterCall(u, t);
      return;
    }
    case 2:
      u.op(`mov ecx, ${u.rng.int(0, 40)}`);
      u.op('call h_rec');
      afterCall(u, { k: 'int' });
      return;
    case 3:
      u.op(`push ${u.intSrc()}`);
      u.op('call h_pop');
      afterCall(u, { k: 'int' });
      return;
    case 4: {
      const r = u.anyReg(['eax']);
      u.op(`mov ${r}, h_inc`);
      u.ensureInt('eax');
      u.op(`call ${r}`);
      afterCall(u, { k: 'int' });
      return;
    }
    default: {
      const n = u.rng.int(1, 30);
      u.op(`newarray esi, byte, ${n}`);
      u.op('pack esi, exists n:size. bytes(n)');
      u.op('call h_len');
      afterCall(u, { k: 'int' });
    }
  }
};

/**
 * A code pointer held in each place one can be, then called through it: a register (`call r32`),
 * a tuple field and a slot of a word array of nullable code pointers (loaded, null-checked, or
 * `call [m]` directly), and a stack slot (`call [esp]`: the operand is read before the return
 * address is pushed, and the callee's stack variable binds to a stack holding the pointer).
 */
const codePointer: Snippet = (u) => {
  const [f, t, q] = shuffle(
    u.rng,
    REGS.filter((r) => r !== 'eax'),
  ).slice(0, 3) as [Reg32, Reg32, Reg32];
  u.ensureInt('eax');
  u.op(`mov ${f}, h_inc`);
  switch (u.rng.int(0, 5)) {
    case 0:
      u.op(`call ${f}`);
      break;
    case 1: {
      const field = u.rng.chance(0.5);
      u.op(`malloc ${t}, *[${field ? 'int, ' : ''}${INC_TYPE}]`);
      if (field) u.op(`mov dword [${t}], ${u.rng.int(0, 99)}`);
      u.op(`mov [${t}${field ? ' + 4' : ''}], ${f}`);
      if (u.rng.chance(0.5)) u.op(`call [${t}${field ? ' + 4' : ''}]`);
      else {
        u.op(`mov ${q}, [${t}${field ? ' + 4' : ''}]`);
        u.op(`call ${q}`);
      }
      break;
    }
    case 2: {
      const n = u.rng.int(1, 6);
      const skip = u.local();
      u.op(`newarray ${t}, word(null | ${INC_TYPE}), ${n}`);
      if (u.rng.chance(0.8)) u.op(`mov [${t} + ${4 * u.rng.int(0, n - 1)}], ${f}`);
      u.op(`mov ${q}, [${t} + ${4 * u.rng.int(0, n - 1)}]`);
      u.op(`test ${q}, ${q}`);
      u.op(`jz ${skip}`);
      u.op(`call ${q}`);
      u.label(skip);
      break;
    }
    case 3:
      u.op(`push ${f}`);
      u.op('call [esp]');
      u.op(u.rng.chance(0.5) ? 'add esp, 4' : `pop ${q}`);
      break;
    case 4:
      // below an argument: h_pop pops the argument (ret 4), the pointer's slot stays
      u.op(`mov ${f}, h_pop`);
      u.op(`push ${f}`);
      u.op(`push ${u.rng.int(0, 999)}`);
      u.op('call [esp + 4]');
      u.op('add esp, 4');
      break;
    default: {
      // a polymorphic code pointer in a tuple field: EAX keeps its type through the call
      const from = u.regsWhere((_, r) => r !== f && r !== t);
      const r = from.length > 0 ? u.rng.pick(from) : 'eax';
      const kept = u.regs.get(r) ?? { k: 'int' };
      if (r !== 'eax') u.op(`mov eax, ${r}`);
      u.op(`mov ${f}, h_id`);
      u.op(`malloc ${t}, *[${ID_TYPE}]`);
      u.op(`mov [${t}], ${f}`);
      u.op(`call [${t}]`);
      afterCall(u, kept);
      return;
    }
  }
  afterCall(u, { k: 'int' });
};

const existential: Snippet = (u) => {
  const r = u.anyReg();
  const n = u.rng.int(1, 30);
  const v = `n${u.lines.length}`;
  u.op(`newarray ${r}, ${u.rng.pick(['byte', 'word'])}, ${n}`);
  const kind = u.lines[u.lines.length - 1]!.includes('byte') ? 'bytes' : 'words';
  u.op(`pack ${r}, exists n:size. ${kind === 'bytes' ? 'bytes(n)' : 'words(n, int)'}`);
  u.op(`unpack ${r}, ${v}`);
  u.regs.set(r, { k: kind, n: undefined });
};

const list: Snippet = (u) => {
  const [l, c, t, a] = shuffle(u.rng, [...REGS]).slice(0, 4) as [Reg32, Reg32, Reg32, Reg32];
  const build = u.local();
  const built = u.local();
  const walk = u.local();
  const walked = u.local();
  u.op(`xor ${l}, ${l}`);
  u.op(`mov ${c}, ${u.rng.int(0, 12)}`);
  u.label(build);
  u.op(`test ${c}, ${c}`);
  u.op(`jz ${built}`);
  u.op(`malloc ${t}, *[int, list]`);
  u.op(`mov [${t}], ${c}`);
  u.op(`mov [${t} + 4], ${l}`);
  u.op(`mov ${l}, ${t}`);
  u.op(`dec ${c}`);
  u.op(`jmp ${build}`);
  u.label(built);
  u.op(`xor ${a}, ${a}`);
  u.label(walk);
  u.op(`test ${l}, ${l}`);
  u.op(`jz ${walked}`);
  u.op(`add ${a}, [${l}]`);
  u.op(`mov ${l}, [${l} + 4]`);
  u.op(`jmp ${walk}`);
  u.label(walked);
  u.regs.delete(l);
  u.regs.delete(t);
  u.regs.set(c, { k: 'int' });
  u.regs.set(a, { k: 'int' });
};

/** A byte array in ECX of n known bytes (so a length or struct argument is proven). */
function bufferIn(u: Unit, reg: Reg32, n: number): void {
  u.op(`newarray ${reg}, byte, ${n}`);
  u.regs.set(reg, { k: 'bytes', n });
}

/**
 * Every system call the generator can type (exit and exit_group would end the image), on
 * arguments that make it harmless: descriptor -1 (EBADF after the kernel checked the buffers),
 * a path that does not exist, a zero timespec, a socket closed again at once.
 */
const SYSCALL_CALLS: Readonly<Record<string, (u: Unit) => void>> = {
  getpid: (u) => u.op('call getpid'),
  read: (u) => fdBuffer(u, 'read'),
  write: (u) => fdBuffer(u, 'write'),
  getdents64: (u) => fdBuffer(u, 'getdents64'),
  bind: (u) => fdBuffer(u, 'bind'),
  connect: (u) => fdBuffer(u, 'connect'),
  close: (u) => fdInts(u, 'close', ['ebx']),
  lseek: (u) => fdInts(u, 'lseek', ['ebx', 'ecx', 'edx']),
  listen: (u) => fdInts(u, 'listen', ['ebx', 'ecx']),
  shutdown: (u) => fdInts(u, 'shutdown', ['ebx', 'ecx']),
  open: (u) => {
    u.op('mov ebx, dp0');
    u.op('xor ecx, ecx');
    u.op('xor edx, edx');
    u.op('call open');
    u.regs.set('ebx', DATA_TYPES.dp0!);
    u.regs.set('ecx', { k: 'const', v: 0 });
    u.regs.set('edx', { k: 'const', v: 0 });
  },
  openat: (u) => {
    u.op('mov ebx, -100');
    u.op('mov ecx, dp0');
    u.op('xor edx, edx');
    u.op('xor esi, esi');
    u.op('call openat');
    u.regs.set('ebx', { k: 'int' });
    u.regs.set('ecx', DATA_TYPES.dp0!);
    u.regs.set('edx', { k: 'const', v: 0 });
    u.regs.set('esi', { k: 'const', v: 0 });
  },
  fstat64: (u) => {
    u.op('mov ebx, -1');
    bufferIn(u, 'ecx', 96);
    u.op('call fstat64');
    u.regs.set('ebx', { k: 'int' });
  },
  fstatat64: (u) => {
    u.op('mov ebx, -100');
    u.op('mov ecx, dp0');
    bufferIn(u, 'edx', 96 + u.rng.int(0, 8));
    u.op('xor esi, esi');
    u.op('call fstatat64');
    u.regs.set('ebx', { k: 'int' });
    u.regs.set('ecx', DATA_TYPES.dp0!);
    u.regs.set('esi', { k: 'const', v: 0 });
  },
  nanosleep: (u) => {
    bufferIn(u, 'ebx', 8);
    if (u.rng.chance(0.5)) {
      u.op('xor ecx, ecx');
      u.regs.set('ecx', { k: 'const', v: 0 });
    } else bufferIn(u, 'ecx', 8);
    u.op('call nanosleep');
  },
  clock_gettime: (u) => {
    bufferIn(u, 'ecx', 8);
    u.op('mov ebx, 1');
    u.op('call clock_gettime');
    u.regs.set('ebx', { k: 'int' });
  },
  clock_gettime64: (u) => {
    bufferIn(u, 'ecx', 16);
    u.op('mov ebx, 1');
    u.op('call clock_gettime64');
    u.regs.set('ebx', { k: 'int' });
  },
  socket: (u) => {
    // AF_UNIX, SOCK_STREAM; the descriptor is closed at once
    u.op('mov ebx, 1');
    u.op('mov ecx, 1');
    u.op('xor edx, edx');
    u.op('call socket');
    u.op('mov ebx, eax');
    u.op('call close');
    u.regs.set('ebx', { k: 'int' });
    u.regs.set('ecx', { k: 'const', v: 1 });
    u.regs.set('edx', { k: 'const', v: 0 });
  },
  accept4: (u) => {
    u.op('mov ebx, -1');
    u.op('xor ecx, ecx');
    u.op('xor edx, edx');
    u.op('xor esi, esi');
    u.op('call accept4');
    for (const r of ['ecx', 'edx', 'esi'] as const) u.regs.set(r, { k: 'const', v: 0 });
    u.regs.set('ebx', { k: 'int' });
  },
  setsockopt: (u) => {
    u.op('mov ebx, -1');
    u.op('mov ecx, 1');
    u.op('mov edx, 2');
    bufferIn(u, 'esi', 4);
    u.op('mov edi, 4');
    u.op('call setsockopt');
    u.regs.set('ebx', { k: 'int' });
    u.regs.set('ecx', { k: 'const', v: 1 });
    u.regs.set('edx', { k: 'const', v: 2 });
    u.regs.set('edi', { k: 'const', v: 4 });
  },
  sendto: (u) => socketBuffer(u, 'sendto'),
  recvfrom: (u) => socketBuffer(u, 'recvfrom'),
};

/** fd -1 in EBX, a byte array in ECX, a length in EDX proven no longer than it. */
function fdBuffer(u: Unit, name: string): void {
  const have = u.pointer('bytes', (t) => t.k === 'bytes' && t.n !== undefined);
  let n: number;
  if (have !== undefined && have !== 'ebx' && have !== 'edx' && u.rng.chance(0.5)) {
    n = (u.regs.get(have) as { n: number }).n;
    if (have !== 'ecx') u.op(`mov ecx, ${have}`);
    u.regs.set('ecx', u.regs.get(have)!);
  } else {
    n = u.rng.int(0, 64);
    bufferIn(u, 'ecx', n);
  }
  u.op('mov ebx, -1');
  u.op(`mov edx, ${u.rng.int(0, n)}`);
  u.op(`call ${name}`);
  u.regs.set('ebx', { k: 'int' });
  u.regs.set('edx', { k: 'int' });
}

function fdInts(u: Unit, name: string, regs: readonly Reg32[]): void {
  u.op('mov ebx, -1');
  for (const r of regs.slice(1)) u.op(`mov ${r}, ${u.rng.int(0, 3)}`);
  u.op(`call ${name}`);
  for (const r of regs) u.regs.set(r, { k: 'int' });
}

/** sendto/recvfrom: fd -1, a buffer and its length, flags in ESI, a null address in EDI, EBP an int (sendto) or null (recvfrom). */
function socketBuffer(u: Unit, name: string): void {
  const n = u.rng.int(0, 32);
  bufferIn(u, 'ecx', n);
  u.op('mov ebx, -1');
  u.op(`mov edx, ${u.rng.int(0, n)}`);
  u.op('xor esi, esi');
  u.op('xor edi, edi');
  u.op('xor ebp, ebp');
  u.op(`call ${name}`);
  u.regs.set('ebx', { k: 'int' });
  u.regs.set('edx', { k: 'int' });
  for (const r of ['esi', 'edi', 'ebp'] as const) u.regs.set(r, { k: 'const', v: 0 });
}

const syscall: Snippet = (u) => {
  u.rng.pick(Object.values(SYSCALL_CALLS))(u);
  u.regs.set('eax', { k: 'int' });
};

/** A tuple holding a pointer to another, read through with the pointer's own register as the destination. */
const nested: Snippet = (u) => {
  const [inner, outer, other] = shuffle(u.rng, [...REGS]).slice(0, 3) as [Reg32, Reg32, Reg32];
  const n = u.rng.int(1, 3);
  u.op(`malloc ${inner}, *[${Array(n).fill('int').join(', ')}]`);
  for (let i = 0; i < n; i++) u.op(`mov dword [${inner} + ${4 * i}], ${u.rng.int(0, 99)}`);
  u.op(`malloc ${outer}, *[int, *[${Array(n).fill('int').join(', ')}]]`);
  u.op(`mov dword [${outer}], ${u.rng.int(0, 99)}`);
  u.op(`mov [${outer} + 4], ${inner}`);
  if (u.rng.chance(0.1)) {
    // an alias of the outer tuple, an exchange through the outer register's own field, then writes through the alias
    const alias = u.rng.pick(REGS.filter((r) => r !== inner && r !== outer && r !== other));
    u.op(`mov ${alias}, ${outer}`);
    u.op(`xchg ${outer}, [${outer} + 4]`);
    u.op(`mov ${other}, [${alias} + 4]`);
    u.op(`mov dword [${other} + ${4 * (n - 1)}], ${u.rng.pick([7, 0x41414141, -1])}`);
    u.op(`mov ${other}, [${alias} + 4]`);
    u.op(`mov ${other}, [${other} + ${4 * (n - 1)}]`);
    u.regs.set(alias, { k: 'int' });
    u.regs.set(outer, { k: 'int' });
    u.regs.set(other, { k: 'int' });
  } else if (u.rng.chance(0.5)) {
    u.op(`mov ${outer}, [${outer} + 4]`);
    u.regs.set(outer, { k: 'tuple', n });
  } else {
    u.op(`mov ${other}, [${outer} + 4]`);
    u.op(`mov ${other}, [${other} + ${4 * u.rng.int(0, n - 1)}]`);
    u.regs.set(other, { k: 'int' });
    u.regs.delete(outer);
  }
  u.regs.set(inner, { k: 'tuple', n });
};

/** Memory operands in the less common positions: push/pop of memory, sign extension, three-operand multiply, shifts of memory. */
const memoryForms: Snippet = (u) => {
  const p = u.pointer('tuple');
  if (p === undefined) return;
  const t = u.regs.get(p) as { k: 'tuple'; n: number };
  const at = `[${p} + ${4 * u.rng.int(0, t.n - 1)}]`;
  switch (u.rng.int(0, 5)) {
    case 0: {
      const d = u.anyReg();
      u.op(`push dword ${at}`);
      u.op(`pop ${d}`);
      u.regs.set(d, { k: 'int' });
      return;
    }
    case 1: {
      const d = u.anyReg([p]);
      u.op(`imul ${d}, dword ${at}, ${u.rng.int(-9, 9)}`);
      u.regs.set(d, { k: 'int' });
      return;
    }
    case 2:
      if (u.isInt('ecx') && p !== 'ecx' && u.rng.chance(0.5)) u.op(`${u.rng.pick(SHIFTS)} dword ${at}, cl`);
      else u.op(`${u.rng.pick(SHIFTS)} dword ${at}, ${u.rng.int(0, 31)}`);
      return;
    case 3:
      u.op(`test dword ${at}, ${u.imm()}`);
      return;
    case 4: {
      const d = u.intDst([p]);
      u.op(`xchg ${d}, ${at}`);
      u.regs.set(d, { k: 'int' });
      return;
    }
    default: {
      const b = u.pointer('bytes', (x) => x.k === 'bytes' && x.n !== undefined && x.n > 0);
      if (b === undefined) return;
      const d = u.anyReg();
      u.op(`movsx ${d}, byte [${b} + ${u.rng.int(0, (u.regs.get(b) as { n: number }).n - 1)}]`);
      u.regs.set(d, { k: 'int' });
    }
  }
};

/**
 * An instruction that writes the register its own address uses (the CPU
 * computes the address from the old value). Some of these the checker must
 * refuse; whatever it accepts must keep its claims.
 */
const selfAddressed: Snippet = (u) => {
  const p = u.pointer('tuple') ?? u.pointer('bytes', (t) => t.k === 'bytes' && t.n !== undefined && t.n > 0);
  if (p === undefined) return;
  const t = u.regs.get(p)!;
  const other = u.regsWhere((x, r) => r !== p && x.k !== 'const');
  const q = other.length > 0 ? u.rng.pick(other) : undefined;
  if (t.k === 'tuple') {
    const at = `[${p} + ${4 * u.rng.int(0, t.n - 1)}]`;
    const forms = [`xchg ${p}, ${at}`, `mov ${p}, ${at}`, `imul ${p}, ${at}, 3`, `add ${p}, ${at}`, `lea ${p}, ${at}`, `movzx ${p}, word ${at}`];
    if (q !== undefined) forms.push(`xchg ${at}, ${q}`, `mov ${at}, ${q}`);
    u.op(u.rng.pick(forms));
  } else {
    u.op(u.rng.pick([`movzx ${p}, byte [${p}]`, `mov ${p}, [${p} - 4]`, `movsx ${p}, byte [${p} + 0]`, `lea ${p}, [${p} - 4]`]));
  }
  u.regs.set(p, { k: 'int' });
  if (q !== undefined) u.regs.set(q, { k: 'int' });
};

/** 16-bit operations leave an int in the full register. */
const wide16: Snippet = (u) => {
  const regs16: Partial<Record<Reg32, string>> = { eax: 'ax', ebx: 'bx', ecx: 'cx', edx: 'dx', esi: 'si', edi: 'di', ebp: 'bp' };
  const r = u.intDst();
  const r2 = u.intDst([r]);
  u.op(
    u.rng.pick([`mov ${regs16[r]}, ${regs16[r2]}`, `add ${regs16[r]}, ${u.rng.int(0, 999)}`, `movzx ${r}, ${regs16[r2]}`, `xor ${regs16[r]}, ${regs16[r2]}`]),
  );
  u.regs.set(r, { k: 'int' });
};

/** A word array of nullable tuples (zero-filled: all null), one slot filled, read back and tested. */
const nullable: Snippet = (u) => {
  const [a, p, q] = shuffle(u.rng, [...REGS]).slice(0, 3) as [Reg32, Reg32, Reg32];
  const n = u.rng.int(1, 8);
  const i = u.rng.int(0, n - 1);
  const isNull = u.local();
  u.op(`newarray ${a}, word(null | *[int]), ${n}`);
  u.op(`malloc ${p}, *[int]`);
  u.op(`mov dword [${p}], ${u.rng.int(0, 99)}`);
  if (u.rng.chance(0.7)) u.op(`mov [${a} + ${4 * i}], ${p}`);
  u.op(`mov ${q}, [${a} + ${4 * u.rng.int(0, n - 1)}]`);
  u.op(`test ${q}, ${q}`);
  u.op(`jz ${isNull}`);
  u.op(`inc dword [${q}]`);
  u.label(isNull);
  u.regs.set(p, { k: 'tuple', n: 1 });
  u.regs.delete(a);
  u.regs.delete(q);
};

/**
 * The rules an instance of a row can satisfy on integers alone: every operand an int register
 * (of the row's width), an int field of a tuple, an in-bounds byte of a byte array, or an
 * immediate. Control, stack and division rows have snippets of their own (above and in the tail).
 */
const INT_RULES: ReadonlySet<Form['rule']> = new Set([
  'mov',
  'movExtend',
  'xchg',
  'binary',
  'shift',
  'doubleShift',
  'unary',
  'cmp',
  'test',
  'multiply',
  'bswap',
  'setcc',
  'cmovcc',
  'signExtend',
  'nop',
]);
const INT_FORMS: readonly Form[] = FORMS.filter(
  (f) => INT_RULES.has(f.rule) && !(f.rule === 'multiply' && f.operands.length === 1) && !f.operands.includes('m') && !f.implicitReads.includes('esp'),
);

/** An immediate the classifier files under `kind` (not under a shorter form of the same mnemonic). */
function immediate(rng: Rng, kind: OperandKind, f: Form): number {
  switch (kind) {
    case 'one':
      return 1;
    case 'count8':
      return rng.int(2, 31);
    case 'simm8':
      return rng.int(-128, 127);
    case 'imm8':
      return rng.int(0, 255);
    case 'imm16':
      return f.mnemonic === 'mov' || f.mnemonic === 'test' ? rng.int(0, 65535) : rng.int(128, 65535);
    default:
      return f.mnemonic === 'mov' || f.mnemonic === 'test' || f.rule === 'multiply'
        ? rng.pick([rng.int(0, 1000), 0x7fffffff, -1])
        : rng.pick([1000, 65536, 0x12345678, -4096]);
  }
}

/**
 * One instance of a random row of the instruction table on integers, so every form is generated
 * (the coverage test test/soundness/form-coverage.test.ts holds the generator to it). Registers are
 * ints of the row's width (8-bit: the low or high byte of EAX..EDX; 16-bit: AX..BP); an 8-bit
 * memory operand is a byte of a byte array at a constant index below its known length; a 32-bit one
 * an int field of a tuple. Whatever the row writes is an int afterwards.
 */
const anyForm: Snippet = (u) => {
  const f = u.rng.pick(INT_FORMS);
  const written: Reg32[] = [...f.implicitWrites];
  // registers the row names itself: a pointer there would be overwritten by ensureInt, so it is not used for memory
  const fixed = new Set<Reg32>([...f.implicitReads, ...f.implicitWrites]);
  for (const k of f.operands) if (k === 'AL' || k === 'AX' || k === 'EAX') fixed.add('eax');
  if (f.operands.includes('CL')) fixed.add('ecx');
  const knownBytes = (t: GT): boolean => t.k === 'bytes' && t.n !== undefined && t.n > 0;
  // a row with a memory operand gets an object to address more often than the model happens to hold one
  if (f.operands.includes('r/m8') && u.pointer('bytes', knownBytes) === undefined && u.rng.chance(0.6)) {
    const r = u.anyReg([...fixed]);
    const n = u.rng.int(1, 40);
    u.op(`newarray ${r}, byte, ${n}`);
    u.regs.set(r, { k: 'bytes', n });
  }
  if (f.operands.includes('r/m32') && u.pointer('tuple') === undefined && u.rng.chance(0.6)) {
    const r = u.anyReg([...fixed]);
    u.op(`mov ${r}, dt0`);
    u.regs.set(r, DATA_TYPES.dt0!);
  }
  const bytes = u.pointer('bytes', knownBytes);
  const tuple = u.pointer('tuple');
  const mem = new Set([bytes, tuple].filter((r): r is Reg32 => r !== undefined && !fixed.has(r)));
  for (const r of f.implicitReads) u.ensureInt(r);
  const ops = f.operands.map((k, i) => {
    const writes = f.writes.includes(i);
    // `add r8, r/m8` with a register there is filed under `add r/m8, r8`: a second-position r/m is mostly memory
    const viaMemory = i > 0 ? 0.9 : 0.5;
    const reg = (names: Partial<Record<Reg32, string>>, fixed?: Reg32): string => {
      const r = fixed ?? u.rng.pick(REGS.filter((x) => names[x] !== undefined && !mem.has(x)));
      u.ensureInt(r);
      if (writes) written.push(r);
      return names[r]!;
    };
    switch (k) {
      case 'r8':
        return reg(u.rng.chance(0.2) ? HIGH_BYTE_REG : BYTE_REG);
      case 'AL':
        return reg(BYTE_REG, 'eax');
      case 'CL':
        return reg(BYTE_REG, 'ecx');
      case 'r16':
        return reg(WORD_REG);
      case 'AX':
        return reg(WORD_REG, 'eax');
      case 'r32':
        return reg({ eax: 'eax', ebx: 'ebx', ecx: 'ecx', edx: 'edx', esi: 'esi', edi: 'edi', ebp: 'ebp' });
      case 'EAX':
        return reg({ eax: 'eax' }, 'eax');
      case 'r/m8':
        if (bytes !== undefined && mem.has(bytes) && u.rng.chance(viaMemory))
          return `byte [${bytes} + ${u.rng.int(0, (u.regs.get(bytes) as { n: number }).n - 1)}]`;
        return reg(BYTE_REG);
      case 'r/m32':
        if (tuple !== undefined && mem.has(tuple) && u.rng.chance(viaMemory))
          return `dword [${tuple} + ${4 * u.rng.int(0, (u.regs.get(tuple) as { n: number }).n - 1)}]`;
        return reg({ eax: 'eax', ebx: 'ebx', ecx: 'ecx', edx: 'edx', esi: 'esi', edi: 'edi', ebp: 'ebp' });
      default:
        return String(immediate(u.rng, k, f));
    }
  });
  u.op(ops.length === 0 ? f.mnemonic : `${f.mnemonic} ${ops.join(', ')}`);
  for (const r of written) u.regs.set(r, { k: 'int' });
};

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const SNIPPETS: readonly [Snippet, number][] = [
  [arith, 8],
  [constant, 2],
  [copy, 2],
  [stack, 3],
  [tuple, 4],
  [array, 4],
  [branch, 2],
  [bounded, 2],
  [loopInsn, 1],
  [call, 2],
  [existential, 1],
  [list, 1],
  [syscall, 2],
  [codePointer, 2],
  [nested, 1],
  [memoryForms, 2],
  [wide16, 1],
  [nullable, 1],
  [selfAddressed, 1],
  [anyForm, 6],
];
const TOTAL = SNIPPETS.reduce((s, [, w]) => s + w, 0);

function snippet(rng: Rng): Snippet {
  let x = rng.next() * TOTAL;
  for (const [s, w] of SNIPPETS) {
    x -= w;
    if (x < 0) return s;
  }
  return SNIPPETS[0]![0];
}

const UNIT_TYPE = 'forall r:stack. code {ESP: sptr (code {EAX: int, ESP: sptr r}) :: r}';

/** One function: random snippets, then the stack popped and EAX an int. */
export function generateUnit(rng: Rng, name: string): string[] {
  const u = new Unit(rng, name);
  const n = rng.int(3, 14);
  for (let k = 0; k < n; k++) snippet(rng)(u);
  if (u.slots.length > 0) u.op(`add esp, ${4 * u.slots.length}`);
  if (!u.isInt('eax')) u.op('mov eax, 0');
  if (rng.chance(0.2)) {
    // a tail call: h_inc returns to this unit's caller
    switch (rng.int(0, 2)) {
      case 0:
        u.op('mov ecx, h_inc');
        u.op('jmp ecx');
        break;
      case 1:
        // through memory: a code pointer in a tuple field
        u.op('mov ecx, h_inc');
        u.op(`malloc edx, *[int, ${INC_TYPE}]`);
        u.op('mov [edx], eax');
        u.op('mov [edx + 4], ecx');
        u.op('jmp [edx + 4]');
        break;
      default:
        u.op('jmp h_inc');
    }
  } else u.op('ret');
  return [`${name}: ${UNIT_TYPE}`, ...u.lines];
}

export const IMPORTS = Object.keys(SYSCALL_CALLS);

/** A whole program: main calls each unit in turn, then returns 0. */
export function programOf(units: string[][], names: string[]): string {
  return `${[
    `.import ${IMPORTS.join(', ')}`,
    '.type list = null | *[int, list]',
    '.heap 262144',
    '.stack 65536',
    '.data',
    DATA.trim(),
    '.code',
    'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}',
    ...names.map((n) => `        call ${n}`),
    '        xor eax, eax',
    '        ret',
    HELPERS.trim(),
    ...units.flat(),
  ].join('\n')}\n`;
}

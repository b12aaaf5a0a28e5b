// State embedding (the method of "Validating the eBPF Verifier via State
// Embedding", OSDI 2024): from an accepted program and the checker's state
// before every instruction, build a program in which each of those claims is
// asserted at run time against the real machine state. The original
// instructions are kept byte for byte; before each one the instrumentation
// saves every register and the flags, checks every claim, and restores them.
// A failed claim prints the instruction, the claim and the actual value and
// exits with VIOLATION_STATUS.
//
// What "a value of type τ" means at run time (docs/architecture.md, "How the
// checker's claims are validated"):
//   S(n), int<n, int<=n   the value itself (size variables bound per point);
//   null | τ, null        zero, or a τ;
//   *[τ…]                 the start of a live tuple of this program (data or
//                         heap) with at least that many fields; initialized
//                         fields checked recursively;
//   bytes(n), words(n,τ)  element 0 of a live array of that kind whose length
//                         word still holds its allocated length, equal to n;
//   code {…}              a typed label or a return point after a call;
//   ESP                   within .stack below the ESP at which main started.
// Heap objects are recorded when malloc/newarray returns, in a shadow map that
// sits right above the program's heap (shadow word = heap word + heap size), so
// the heap the program can allocate from is unchanged.

import type { CodeBlock, DataItem, Instr, Program, SourceLoc } from '../ast.js';
import { assemble, writeElf, type AssembledImage } from '../asm/index.js';
import { HEAP_END } from '../asm/pseudo.js';
import type { CheckResult } from '../check-source.js';
import type { TypeStateEntry } from '../diagnostics.js';
import { syscallByName } from '../syscalls.js';
import type { Reg32, Size, WordType } from '../types.js';
import { parseAsmLines, type AsmItem } from './asm-lines.js';
import { claimsOf, type PointClaims } from './claims.js';

export const VIOLATION_STATUS = 86;
export const VIOLATION_MARKER = 'tal-validate: violation';
/** What an instrumented image is, in its digest and wherever it is signed to run in ring 0. */
export const UNCHECKED_NOTE = 'unchecked state-embedding instrumentation';

/** How many pointer dereferences a claim is followed through (recursive types are unrolled this far). */
const DEPTH = 3;
/** Elements of a word array checked against its element type. */
const MAX_ELEMS = 64;
/** Size-variable slots one program point may bind. */
const ENV_SLOTS = 64;
/** The registers holding the value under check at each dereference depth; the subroutines clobber only EAX, ECX, EDX. */
const VAL: readonly Reg32[] = ['esi', 'edi', 'ebp', 'ebx'];
const SAVED: readonly Reg32[] = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'];
/** The flags saved and restored around a check, in table-index bit order. */
const FLAG_BITS = ['c', 'p', 'z', 's', 'o'] as const;

export interface Instrumented {
  /** The instrumented program (never checked: it is the checker's claims, not the program, under test). */
  program: Program;
  /** Its image, for a `.talo` (a run in the guest) or an ELF. */
  image: AssembledImage;
  /** The static ELF that runs it on this host (system calls through int 0x80). */
  elf: Uint8Array;
  /** Instruction points instrumented, and how many of them the checker never reached. */
  points: number;
  unreached: number;
}

export type InstrumentResult = { ok: true; out: Instrumented } | { ok: false; error: string };

type Defs = ReadonlyMap<string, WordType>;

/** Assembly text with fresh local labels (local, so the program's own '.label' scoping is untouched). */
class Emitter {
  readonly lines: string[] = [];
  constructor(private readonly fresh: () => string) {}
  op(text: string): void {
    this.lines.push(`        ${text}`);
  }
  label(name: string): void {
    this.lines.push(`${name}:`);
  }
  newLabel(): string {
    return this.fresh();
  }
}

/**
 * Builds per-point check code. Each check names its claim (a data item the
 * failure path prints) and then either compares inline, failing through
 * __v_fail_<reg>, or jumps to a shared routine that fails with a reason.
 */
class PointCompiler {
  private envSlots = 0;

  constructor(
    private readonly e: Emitter,
    private readonly defs: Defs,
    private readonly claim: (text: string) => string,
    private readonly where: string,
  ) {}

  /** Names the claim the following checks are about. */
  about(what: string): void {
    this.e.op(`mov dword [__v_claim], ${this.claim(`${this.where}: ${what}`)}`);
  }

  /** After a compare: fails with `reg` as the actual value unless the condition `jok` holds. */
  failUnless(jok: string, reg: Reg32): void {
    this.e.op(`${NEGATE[jok]} __v_fail_${reg}`);
  }

  fail(reg: Reg32): void {
    this.e.op(`jmp __v_fail_${reg}`);
  }

  private sub(name: string): void {
    const back = this.e.newLabel();
    this.e.op(`mov dword [__v_ret_${name}], ${back}`);
    this.e.op(`jmp __v_${name}`);
    this.e.label(back);
  }

  newSlot(name: string, env: Map<string, number>): void {
    if (this.envSlots >= ENV_SLOTS) return;
    const i = this.envSlots++;
    env.set(name, i);
    this.e.op(`mov dword [__v_set + ${4 * i}], 0`);
  }

  /** The size variable is bound to `reg` on first sight in this point, and must equal it afterwards. */
  private sizeIs(n: Size, reg: Reg32, env: Map<string, number>): void {
    if (n.k === 'const') {
      this.e.op(`cmp ${reg}, ${n.value >>> 0}`);
      this.failUnless('je', reg);
      return;
    }
    const i = env.get(n.name);
    if (i === undefined) return;
    if (reg !== 'eax') this.e.op(`mov eax, ${reg}`);
    this.e.op(`mov ecx, ${i}`);
    this.sub('bind');
  }

  /** Emits the check that VAL[d] is a value of type t. */
  word(t: WordType, d: number, budget: number, env: Map<string, number>, what: string): void {
    const v = VAL[d]!;
    switch (t.k) {
      case 'int':
      case 'uninit':
      case 'tvar':
      case 'sptr':
        return;
      case 'named': {
        const body = this.defs.get(t.name);
        if (body !== undefined && budget > 0) this.word(body, d, budget, env, what);
        return;
      }
      case 'sing':
        if (t.n.k === 'var' && !env.has(t.n.name)) return;
        this.about(what);
        this.sizeIs(t.n, v, env);
        return;
      case 'below': {
        if (t.n.k === 'const') {
          this.about(what);
          this.e.op(`cmp ${v}, ${t.n.value >>> 0}`);
          this.failUnless(t.strict ? 'jb' : 'jbe', v);
          return;
        }
        const i = env.get(t.n.name);
        if (i === undefined) return;
        const skip = this.e.newLabel();
        this.about(`${what} (${t.n.name} as bound at this point)`);
        this.e.op(`cmp dword [__v_set + ${4 * i}], 0`);
        this.e.op(`je ${skip}`);
        this.e.op(`cmp ${v}, [__v_val + ${4 * i}]`);
        this.failUnless(t.strict ? 'jb' : 'jbe', v);
        this.e.label(skip);
        return;
      }
      case 'null':
        this.about(what);
        this.e.op(`test ${v}, ${v}`);
        this.failUnless('jz', v);
        return;
      case 'maybe': {
        const done = this.e.newLabel();
        this.e.op(`test ${v}, ${v}`);
        this.e.op(`jz ${done}`);
        this.word(t.t, d, budget, env, what);
        this.e.label(done);
        return;
      }
      case 'exists': {
        if (t.v.kind !== 'size') {
          this.word(t.body, d, budget, env, what);
          return;
        }
        const inner = new Map(env);
        this.newSlot(t.v.name, inner);
        this.word(t.body, d, budget, inner, what);
        return;
      }
      case 'tuple': {
        this.about(what);
        this.e.op(`mov eax, ${v}`);
        this.e.op(`mov ecx, ${t.fields.length}`);
        this.sub('tuple');
        if (budget <= 0 || d + 1 >= VAL.length) return;
        t.fields.forEach((f, i) => {
          if (!f.init || trivial(f.t, this.defs)) return;
          this.e.op(`mov ${VAL[d + 1]}, [${v} + ${4 * i}]`);
          this.word(f.t, d + 1, budget - 1, env, `${what}, field ${i}`);
        });
        return;
      }
      case 'bytes':
      case 'words': {
        this.about(what);
        this.e.op(`mov eax, ${v}`);
        this.e.op(`mov ecx, ${t.k === 'bytes' ? 2 : 3}`);
        this.sub('array');
        this.sizeIs(t.n, 'ecx', env);
        if (t.k === 'words' && budget > 0 && d + 1 < VAL.length && !trivial(t.elem, this.defs)) {
          const top = this.e.newLabel();
          const end = this.e.newLabel();
          this.e.op(`mov dword [__v_i${d}], 0`);
          this.e.label(top);
          this.e.op(`mov eax, [__v_i${d}]`);
          this.e.op(`cmp eax, [${v} - 4]`);
          this.e.op(`jae ${end}`);
          this.e.op(`cmp eax, ${MAX_ELEMS}`);
          this.e.op(`jae ${end}`);
          this.e.op(`mov ${VAL[d + 1]}, [${v} + eax*4]`);
          this.word(t.elem, d + 1, budget - 1, env, `${what}, an element`);
          this.e.op(`inc dword [__v_i${d}]`);
          this.e.op(`jmp ${top}`);
          this.e.label(end);
        }
        return;
      }
      case 'code':
        this.about(what);
        this.e.op(`mov eax, ${v}`);
        this.sub('code');
        return;
    }
  }
}

/** The jump taken when a check fails, for each condition under which it holds. */
const NEGATE: Readonly<Record<string, string>> = { je: 'jne', jb: 'jae', jbe: 'ja', jz: 'jnz', jnz: 'jz' };

/** Types whose every 32-bit value is a member: nothing to check. */
function trivial(t: WordType, defs: Defs): boolean {
  return t.k === 'int' || t.k === 'uninit' || t.k === 'tvar' || (t.k === 'exists' && trivial(t.body, defs));
}

/** Checks that bind size variables come first, so a bound like int<n sees n already bound. */
function order(t: WordType): number {
  return t.k === 'below' ? 1 : 0;
}

/** Why a shared routine failed, printed after the claim. */
const REASONS: Readonly<Record<string, string>> = {
  none: '',
  tuple: ' (not the start of a live tuple of this program)',
  fields: ' (the tuple has fewer fields; actual = its field count)',
  array: ' (not element 0 of a live array of this kind of this program)',
  length: " (the array's length word was changed; actual = the allocated length)",
  size: ' (a size variable with another value elsewhere in this state)',
  code: ' (not a typed label or a return point of this program)',
  stack: '',
};

/** PF, ZF and SF (as index bits 1, 2, 3) of `cmp x, y` on bytes. */
function resultFlags(x: number, y: number): number {
  const r = (x - y) & 0xff;
  let bits = r;
  bits ^= bits >> 4;
  bits ^= bits >> 2;
  bits ^= bits >> 1;
  return (((bits & 1) === 0 ? 1 : 0) << 1) | ((r === 0 ? 1 : 0) << 2) | ((r >> 7) << 3);
}

/**
 * Restoring the flags takes two instructions: a byte `cmp` from this table
 * sets PF, ZF and SF (indexed by the saved flags, bits CF, PF, ZF, SF, OF;
 * CF and OF ignored), then `rol dl, 1` sets CF and OF alone. ZF=1 with SF=1 or
 * PF=0 comes from no single result, and every instruction that sets one of ZF,
 * SF, PF sets all three, so those entries are never used.
 */
function flagTable(): { a: number[]; b: number[] } {
  const a: number[] = new Array(32).fill(0);
  const b: number[] = new Array(32).fill(0);
  for (let i = 0; i < 32; i++) {
    const want = i & 0b1110;
    search: for (let x = 0; x < 256; x++) {
      for (let y = 0; y < 256; y++) {
        if (resultFlags(x, y) === want) {
          a[i] = x;
          b[i] = y;
          break search;
        }
      }
    }
  }
  return { a, b };
}

/** The shared routines and the validator's own data, appended after the program. */
function runtime(program: Program, typedLabels: string[], returnPoints: string[], heap: number, claims: string[]): { code: string[]; data: DataItem[] } {
  const out: string[] = [];
  const op = (t: string): void => {
    out.push(`        ${t}`);
  };
  const lab = (t: string): void => {
    out.push(`${t}:`);
  };
  lab('__v_save');
  for (const r of SAVED) op(`mov [__v_${r}], ${r}`);
  op('mov [__v_esp], esp');
  for (const f of FLAG_BITS) op(`set${f} byte [__v_f${f}]`);
  // The point's first claim, named by the caller: ESP within .stack below main's ESP (from main's first instruction on).
  op('cmp dword [__v_init], 0');
  op('je __v_save_done');
  op('mov eax, [__v_mainesp]');
  op('sub eax, esp');
  op(`cmp eax, ${program.stackSize}`);
  op('ja __v_fail_esp');
  lab('__v_save_done');
  op('jmp dword [__v_ret_save]');
  lab('__v_fail_esp');
  op('mov [__v_actual], esp');
  op('mov dword [__v_reason], __v_r_none');
  op('jmp __v_fail');

  lab('__v_restore');
  op('movzx ecx, byte [__v_fc]');
  FLAG_BITS.forEach((f, i) => {
    if (i === 0) return;
    op(`movzx eax, byte [__v_f${f}]`);
    op(`shl eax, ${i}`);
    op('or ecx, eax');
  });
  // DL = CF << 7 | (OF ^ CF) << 6: after `rol dl, 1`, CF = bit 7 and OF = bit 7 ^ bit 6.
  op('movzx edx, byte [__v_fc]');
  op('movzx eax, byte [__v_fo]');
  op('xor eax, edx');
  op('shl edx, 7');
  op('shl eax, 6');
  op('or edx, eax');
  op('mov al, [__v_fa + ecx]');
  op('cmp al, [__v_fb + ecx]');
  op('rol dl, 1');
  for (const r of SAVED) op(`mov ${r}, [__v_${r}]`);
  op('jmp dword [__v_ret_restore]');

  // EAX = address → ECX = tag (kind | size << 2: 1 tuple, 2 byte array, 3 word array; 0 none). Clobbers EDX.
  lab('__v_obj');
  op('mov edx, eax');
  op('sub edx, [__v_heapbase]');
  op(`cmp edx, ${heap}`);
  op('jae __v_obj_data');
  op('test eax, 3');
  op('jnz __v_obj_none');
  op(`mov ecx, [eax + ${heap}]`);
  op('jmp dword [__v_ret_obj]');
  lab('__v_obj_data');
  op('lea edx, [eax + 4]');
  program.data.forEach((item, i) => {
    const tag = (item.kind === 'tuple' ? 1 : item.kind === 'bytes' ? 2 : 3) | (item.init.length << 2);
    op(`cmp ${item.kind === 'tuple' ? 'eax' : 'edx'}, ${item.label}`);
    op(`jne __v_obj_n${i}`);
    op(`mov ecx, ${tag >>> 0}`);
    op('jmp dword [__v_ret_obj]');
    lab(`__v_obj_n${i}`);
  });
  lab('__v_obj_none');
  op('xor ecx, ecx');
  op('jmp dword [__v_ret_obj]');

  // EAX = p, ECX = field count: p starts a live tuple with at least that many fields.
  lab('__v_tuple');
  op('mov [__v_tmp], ecx');
  op('mov [__v_actual], eax');
  op('mov dword [__v_ret_obj], __v_tuple_got');
  op('jmp __v_obj');
  lab('__v_tuple_got');
  op('mov edx, ecx');
  op('and edx, 3');
  op('cmp edx, 1');
  op('mov dword [__v_reason], __v_r_tuple');
  op('jne __v_fail');
  op('shr ecx, 2');
  op('mov [__v_actual], ecx');
  op('cmp ecx, [__v_tmp]');
  op('mov dword [__v_reason], __v_r_fields');
  op('jb __v_fail');
  op('jmp dword [__v_ret_tuple]');

  // EAX = p, ECX = kind (2 bytes, 3 words): p is element 0 of a live array of that kind whose length word is intact. Out: ECX = length.
  lab('__v_array');
  op('mov [__v_tmp], ecx');
  op('mov [__v_actual], eax');
  op('sub eax, 4');
  op('mov dword [__v_ret_obj], __v_array_got');
  op('jmp __v_obj');
  lab('__v_array_got');
  op('mov edx, ecx');
  op('and edx, 3');
  op('cmp edx, [__v_tmp]');
  op('mov dword [__v_reason], __v_r_array');
  op('jne __v_fail');
  op('shr ecx, 2');
  op('mov eax, [__v_actual]');
  op('mov [__v_actual], ecx');
  op('cmp ecx, [eax - 4]');
  op('mov dword [__v_reason], __v_r_length');
  op('jne __v_fail');
  op('jmp dword [__v_ret_array]');

  // EAX = value, ECX = slot: binds the size variable on first sight in this point, else compares.
  lab('__v_bind');
  op('mov [__v_actual], eax');
  op('cmp dword [__v_set + ecx*4], 0');
  op('je __v_bind_new');
  op('cmp eax, [__v_val + ecx*4]');
  op('mov dword [__v_reason], __v_r_size');
  op('jne __v_fail');
  op('jmp dword [__v_ret_bind]');
  lab('__v_bind_new');
  op('mov [__v_val + ecx*4], eax');
  op('mov dword [__v_set + ecx*4], 1');
  op('jmp dword [__v_ret_bind]');

  // EAX = value: a typed label or a return point.
  lab('__v_code');
  for (const l of [...typedLabels, ...returnPoints]) {
    op(`cmp eax, ${l}`);
    op('je __v_code_yes');
  }
  op('cmp eax, [__v_mainret]');
  op('je __v_code_yes');
  op('mov [__v_actual], eax');
  op('mov dword [__v_reason], __v_r_code');
  op('jmp __v_fail');
  lab('__v_code_yes');
  op('jmp dword [__v_ret_code]');

  for (const r of [...VAL, 'eax', 'ecx'] as Reg32[]) {
    lab(`__v_fail_${r}`);
    op(`mov [__v_actual], ${r}`);
    op('mov dword [__v_reason], __v_r_none');
    op('jmp __v_fail');
  }

  // Prints "tal-validate: violation: <claim><reason> (actual 0x…)" and exits. ESP may be the broken claim, so
  // this runs at main's entry ESP, on the program's own stack: in ring 0 the kernel ends a program interrupted
  // with ESP outside its stack as out of stack, so a stack in the data section would lose the report now and then.
  lab('__v_fail');
  op('mov eax, [__v_mainesp]');
  op('test eax, eax');
  op('jz __v_fail_print');
  op('mov esp, eax');
  lab('__v_fail_print');
  for (const msg of ['__v_prefix', '[__v_claim]', '[__v_reason]']) {
    op('mov ebx, 2');
    op(`mov ecx, ${msg}`);
    op('mov edx, [ecx - 4]');
    op('call write');
  }
  op('mov eax, [__v_actual]');
  op('mov edi, 8');
  lab('__v_hexloop');
  op('mov edx, eax');
  op('and edx, 15');
  op('mov dl, [__v_digits + edx]');
  op('mov [__v_hex + edi + 10], dl');
  op('shr eax, 4');
  op('dec edi');
  op('jnz __v_hexloop');
  op('mov ebx, 2');
  op('mov ecx, __v_hex');
  op('mov edx, [ecx - 4]');
  op('call write');
  op(`mov ebx, ${VIOLATION_STATUS}`);
  op('call exit_group');
  op('jmp __v_fail');

  const table = flagTable();
  const data: DataItem[] = [];
  const loc = { line: 0, col: 0 };
  const bytes = (label: string, init: Uint8Array): void => {
    data.push({ kind: 'bytes', label, init, loc });
  };
  const text = (label: string, t: string): void => bytes(label, new Uint8Array(Buffer.from(t, 'latin1')));
  const words = (label: string, n: number): void => {
    data.push({ kind: 'words', label, init: new Array<number>(n).fill(0), loc });
  };
  for (const [name, t] of Object.entries(REASONS)) text(`__v_r_${name}`, t);
  for (const r of [...SAVED, 'esp', 'actual', 'claim', 'reason', 'init', 'mainesp', 'mainret', 'heapbase', 'tmp', 'i0', 'i1', 'i2', 'i3']) words(`__v_${r}`, 1);
  for (const s of ['save', 'restore', 'obj', 'code', 'tuple', 'array', 'bind']) words(`__v_ret_${s}`, 1);
  for (const f of FLAG_BITS) bytes(`__v_f${f}`, new Uint8Array(4));
  bytes('__v_fa', Uint8Array.from(table.a));
  bytes('__v_fb', Uint8Array.from(table.b));
  words('__v_set', ENV_SLOTS);
  words('__v_val', ENV_SLOTS);
  text('__v_prefix', `${VIOLATION_MARKER}: `);
  text('__v_digits', '0123456789abcdef');
  text('__v_hex', ' (actual 0x00000000)\n');
  claims.forEach((c, i) => text(`__vc${i}`, c));
  return { code: out, data };
}

function pageUp(n: number): number {
  return Math.ceil(n / 4096) * 4096;
}

/**
 * Builds the instrumented program of an accepted one. `check` must come from
 * checkSource(source, file, {trace: true}) and be ok.
 */
export function instrument(source: string, file: string, check: CheckResult): InstrumentResult {
  const program = check.program;
  if (!check.ok || program === undefined) return { ok: false, error: 'the checker did not accept the program' };
  const typeNames = new Set(program.types.map((t) => t.name));
  const defs: Defs = new Map(program.types.map((t) => [t.name, t.body]));
  const heap = pageUp(program.heapSize);

  const traceAt = new Map<string, PointClaims>();
  const traceText = new Map<string, TypeStateEntry>();
  for (const entry of check.trace) {
    try {
      traceAt.set(`${entry.line}:${entry.col}`, claimsOf(entry, typeNames));
      traceText.set(`${entry.line}:${entry.col}`, entry);
    } catch (e) {
      return { ok: false, error: `cannot read the trace at line ${entry.line}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  const claimIds = new Map<string, number>();
  const claimTexts: string[] = [];
  const claim = (text: string): string => {
    let id = claimIds.get(text);
    if (id === undefined) {
      id = claimTexts.length;
      claimIds.set(text, id);
      claimTexts.push(text);
    }
    return `__vc${id}`;
  };
  let labelCount = 0;
  const fresh = (): string => `__v${labelCount++}`;

  const typedLabels: string[] = [];
  const returnPoints: string[] = [];
  /** The runtime's labels, which source names cannot spell. */
  const rename = new Map<string, string>([['__v_heap_end', HEAP_END]]);
  for (const b of program.code) if (b.type !== undefined) typedLabels.push(b.label);

  const before = new Map<string, string[]>();
  const after = new Map<string, string[]>();
  const shortBranch = new Map<string, string[]>();
  let points = 0;
  let unreached = 0;
  const entryIndex = program.code.findIndex((b) => b.label === program.entry);
  const entryFirst = program.code.slice(Math.max(entryIndex, 0)).find((b) => b.instrs.length > 0)?.instrs[0];
  for (const block of program.code) {
    /** The previous instruction of this block and its state: its point is the only way into the next one. */
    let prev: { ins: Instr; text: TypeStateEntry } | undefined;
    for (const ins of block.instrs) {
      const key = `${ins.loc.line}:${ins.loc.col}`;
      const e = new Emitter(fresh);
      const where = `${file}:${ins.loc.line}: ${ins.text.trim()}`;
      const c = new PointCompiler(e, defs, claim, where);
      points++;
      const back = fresh();
      c.about(`ESP within the program's stack (.stack ${program.stackSize} bytes below main's ESP)`);
      e.op(`mov dword [__v_ret_save], ${back}`);
      e.op('jmp __v_save');
      e.label(back);
      if (ins === entryFirst) entryInit(e, heap);
      const claims = traceAt.get(key);
      if (claims === undefined) {
        unreached++;
        c.about('the checker never reached this instruction, so it claims nothing here');
        e.op('mov esi, 0');
        c.fail('esi');
      } else {
        const body = new Emitter(fresh);
        const bc = new PointCompiler(body, defs, claim, where);
        const env = new Map<string, number>();
        for (const v of claims.vars) if (v.kind === 'size') bc.newSlot(v.name, env);
        const same = prev !== undefined ? unchanged(prev.ins, prev.text, traceText.get(key)!) : new Set<string>();
        pointChecks(body, bc, claims, traceText.get(key)!, env, same);
        e.lines.push(...body.lines);
      }
      prev = claims !== undefined ? { ins, text: traceText.get(key)! } : undefined;
      const home = fresh();
      e.op(`mov dword [__v_ret_restore], ${home}`);
      e.op('jmp __v_restore');
      e.label(home);
      before.set(key, e.lines);

      const post: string[] = [];
      if (ins.kind === 'malloc') post.push(`        mov dword [${ins.dst} + ${heap}], ${1 | (ins.type.fields.length << 2)}`);
      if (ins.kind === 'newarray') {
        const t = ins.dst === 'eax' ? 'ecx' : 'eax';
        post.push(`        mov [__v_tmp], ${t}`, `        mov ${t}, [${ins.dst} - 4]`, `        lea ${t}, [${t}*4 + ${ins.elem === 'byte' ? 2 : 3}]`);
        post.push(`        mov [${ins.dst} + ${heap - 4}], ${t}`, `        mov ${t}, [__v_tmp]`);
      }
      if (ins.kind === 'machine' && ins.mnemonic === 'call') {
        const r = `__vr${returnPoints.length}`;
        returnPoints.push(r);
        post.push(`${r}:`);
      }
      after.set(key, post);
      // loop and jecxz reach only ±128 bytes, less than the checks now between them and their target:
      // they branch to a near jump right after them instead (jmp leaves the flags and ECX as they are).
      if (ins.kind === 'machine' && (ins.mnemonic === 'loop' || ins.mnemonic === 'jecxz') && ins.operands[0]?.kind === 'label') {
        const taken = fresh();
        const next = fresh();
        shortBranch.set(key, [`        ${ins.mnemonic} ${taken}`, `        jmp ${next}`, `${taken}:`, `        jmp ${ins.operands[0].name}`, `${next}:`]);
      }
    }
  }

  const tail = runtime(program, typedLabels, returnPoints, heap, claimTexts);
  const rt = { line: 0, col: 0 };
  const code: CodeBlock[] = [];
  const place = (items: AsmItem[], loc: SourceLoc): void => {
    for (const it of items) {
      if ('label' in it) code.push({ label: it.label, loc, instrs: [] });
      else code[code.length - 1]!.instrs.push(it);
    }
  };
  for (const block of program.code) {
    code.push({ ...block, instrs: [] });
    for (const ins of block.instrs) {
      const key = `${ins.loc.line}:${ins.loc.col}`;
      place(parseAsmLines(before.get(key)!, ins.loc, rename), ins.loc);
      const short = shortBranch.get(key);
      if (short !== undefined) place(parseAsmLines(short, ins.loc, rename), ins.loc);
      else code[code.length - 1]!.instrs.push(ins);
      place(parseAsmLines(after.get(key)!, ins.loc, rename), ins.loc);
    }
  }
  place(parseAsmLines(tail.code, rt, rename), rt);
  const inst: Program = { ...program, code, data: [...program.data, ...tail.data] };
  inst.heapSize = 2 * heap;
  // The stack guard stays at the program's own labels only: the inserted ones are reached with live flags.
  // The image's digest names the instrumented text, not the accepted source: this image is not what the checker saw.
  const asm = assemble(inst, `; ${UNCHECKED_NOTE} of ${file}\n${source}`, {
    resolveImport: (name) => syscallByName(name)?.nr,
    guardedLabels: new Set(program.code.map((b) => b.label)),
  });
  if (asm.image === undefined) {
    const d = asm.diagnostics[0];
    return {
      ok: false,
      error: `the instrumented program does not assemble: ${d !== undefined ? `line ${d.line}: ${d.message} (${d.instruction ?? ''})` : '?'}`,
    };
  }
  return { ok: true, out: { program: inst, image: asm.image, elf: writeElf(asm.image, { trap: 'int80' }), points, unreached } };
}

function entryInit(e: Emitter, heap: number): void {
  const done = e.newLabel();
  const loop = e.newLabel();
  const end = e.newLabel();
  e.op('cmp dword [__v_init], 0');
  e.op(`jne ${done}`);
  e.op('mov dword [__v_init], 1');
  e.op('mov eax, [__v_esp]');
  e.op('mov [__v_mainesp], eax');
  e.op('mov ecx, [eax]');
  e.op('mov [__v_mainret], ecx');
  // The program runs with twice its heap; the upper half is the shadow map, so the allocator ends at the lower half.
  e.op('mov eax, [__v_heap_end]');
  e.op(`sub eax, ${2 * heap}`);
  e.op('mov [__v_heapbase], eax');
  e.op(`sub dword [__v_heap_end], ${heap}`);
  // The prologue's argv arrays: words(argc, bytes(len_i)).
  e.op('mov esi, [__v_ebx]');
  e.op('mov ecx, [esi - 4]');
  e.op('lea edx, [ecx*4 + 3]');
  e.op(`mov [esi + ${heap - 4}], edx`);
  e.op('xor edi, edi');
  e.label(loop);
  e.op('cmp edi, [esi - 4]');
  e.op(`jae ${end}`);
  e.op('mov eax, [esi + edi*4]');
  e.op('mov ecx, [eax - 4]');
  e.op('lea edx, [ecx*4 + 2]');
  e.op(`mov [eax + ${heap - 4}], edx`);
  e.op('inc edi');
  e.op(`jmp ${loop}`);
  e.label(end);
  e.label(done);
}

/** Instructions whose only register effects are on their explicit operands (and the flags). */
const EXPLICIT_ONLY: ReadonlySet<string> = new Set([
  'mov',
  'movzx',
  'movsx',
  'lea',
  'add',
  'sub',
  'and',
  'or',
  'xor',
  'adc',
  'sbb',
  'inc',
  'dec',
  'neg',
  'not',
  'shl',
  'sal',
  'shr',
  'sar',
  'rol',
  'ror',
  'rcl',
  'rcr',
  'shld',
  'shrd',
  'cmp',
  'test',
  'bswap',
  'xchg',
  'nop',
]);
const ALIASES: Readonly<Record<string, Reg32>> = {
  al: 'eax',
  ah: 'eax',
  ax: 'eax',
  bl: 'ebx',
  bh: 'ebx',
  bx: 'ebx',
  cl: 'ecx',
  ch: 'ecx',
  cx: 'ecx',
  dl: 'edx',
  dh: 'edx',
  dx: 'edx',
  si: 'esi',
  di: 'edi',
  bp: 'ebp',
  sp: 'esp',
};

/**
 * The claims that need no new check after `prev`: a register (or stack slot)
 * that `prev` cannot have changed, claimed in the same words as before it,
 * where that claim names no size variable (whose binding another register may
 * have changed) and, for a pointer, `prev` wrote no memory. The check before
 * `prev` already covered them. Anything unsure is checked again.
 */
function unchanged(prev: Instr, before: TypeStateEntry, now: TypeStateEntry): Set<string> {
  const out = new Set<string>();
  const pseudo = prev.kind === 'pack' || prev.kind === 'unpack' || prev.kind === 'coerce' || prev.kind === 'coerceStack';
  const mi = prev.kind === 'machine' ? prev : undefined;
  const imulOne = mi?.mnemonic === 'imul' && mi.operands.length === 1;
  if (!pseudo && (mi === undefined || imulOne || !(EXPLICIT_ONLY.has(mi.mnemonic) || /^(set|cmov)/.test(mi.mnemonic)))) return out;
  const named = new Set<string>();
  let writesMemory = false;
  for (const o of mi?.operands ?? []) {
    if (o.kind === 'reg') named.add(ALIASES[o.reg] ?? o.reg);
    if (o.kind === 'mem') {
      writesMemory = true;
      if (o.base !== undefined) named.add(o.base);
      if (o.index !== undefined) named.add(o.index);
    }
  }
  const stable = (a: string | undefined, b: string | undefined): boolean =>
    a !== undefined &&
    a === b &&
    !/[a-z_]\w*\)|int<=?[a-z_]|exists/i.test(a.replace(/S\(\d+\)|bytes\(\d+\)|words\(\d+,/g, '')) &&
    (!writesMemory || !/[*(]|code|list/.test(a));
  for (const r of Object.keys(now.regs)) if (!named.has(r) && stable(before.regs[r], now.regs[r])) out.add(r);
  if (!named.has('esp') && before.stack.length === now.stack.length) {
    now.stack.forEach((t, k) => {
      if (stable(before.stack[k], t)) out.add(`slot${k}`);
    });
  }
  return out;
}

function pointChecks(e: Emitter, c: PointCompiler, claims: PointClaims, text: TypeStateEntry, env: Map<string, number>, same: ReadonlySet<string>): void {
  const regs = [...claims.regs].sort((a, b) => order(a[1]) - order(b[1]));
  for (const [r, t] of regs) {
    if (trivial(t, new Map()) || same.has(r)) continue;
    e.op(`mov esi, [__v_${r}]`);
    c.word(t, 0, DEPTH, env, `${r.toUpperCase()}: ${text.regs[r]}`);
  }
  claims.slots.forEach((t, k) => {
    if (t === undefined || trivial(t, new Map()) || same.has(`slot${k}`)) return;
    e.op('mov eax, [__v_esp]');
    e.op(`mov esi, [eax + ${4 * k}]`);
    c.word(t, 0, DEPTH, env, `[esp+${4 * k}]: ${text.stack[k]}`);
  });
  const f = claims.flags;
  if (f === undefined) return;
  c.about(
    `the flags hold ${f.kind === 'test' ? `test ${f.reg}, ${f.reg}` : `cmp ${f.a}, ${'reg' in f.b ? f.b.reg : f.b.value}`} (actual = saved CF | ZF << 1)`,
  );
  if (f.kind === 'test') {
    e.op(`mov eax, [__v_${f.reg}]`);
    e.op('test eax, eax');
  } else {
    e.op(`mov eax, [__v_${f.a}]`);
    e.op('reg' in f.b ? `cmp eax, [__v_${f.b.reg}]` : `cmp eax, ${f.b.value >>> 0}`);
  }
  e.op('setc cl');
  e.op('setz dl');
  e.op('movzx esi, byte [__v_fz]');
  e.op('add esi, esi');
  e.op('or esi, [__v_fc]');
  e.op('and esi, 3');
  if (f.kind === 'cmp') {
    e.op('cmp cl, [__v_fc]');
    c.failUnless('je', 'esi');
  }
  e.op('cmp dl, [__v_fz]');
  c.failUnless('je', 'esi');
}

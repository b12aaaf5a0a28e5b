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

import type { Program } from '../ast.js';
import { assemble, writeElf } from '../asm/index.js';
import { HEAP_END } from '../asm/pseudo.js';
import type { CheckResult } from '../check-source.js';
import type { TypeStateEntry } from '../diagnostics.js';
import { parseProgram } from '../parser.js';
import { syscallByName } from '../syscalls.js';
import type { Reg32, Size, WordType } from '../types.js';
import { claimsOf, type PointClaims } from './claims.js';

export const VIOLATION_STATUS = 86;
export const VIOLATION_MARKER = 'tal-validate: violation';

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
  /** The instrumented program as TAL source (never checked: it is the checker's claims, not the program, under test). */
  source: string;
  program: Program;
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

/** Builds per-point check code: the claim texts become data items the failure path prints. */
class PointCompiler {
  private envSlots = 0;

  constructor(
    private readonly e: Emitter,
    private readonly defs: Defs,
    private readonly claim: (text: string) => string,
    private readonly where: string,
  ) {}

  get slotsUsed(): number {
    return this.envSlots;
  }

  /** Jumps to the failure path with `reg` as the actual value unless the condition jump `jok` skips it. */
  failUnless(jok: string, reg: Reg32, what: string): void {
    const ok = this.e.newLabel();
    this.e.op(`${jok} ${ok}`);
    this.fail(reg, what);
    this.e.label(ok);
  }

  fail(reg: Reg32, what: string): void {
    this.e.op(`mov [__v_actual], ${reg}`);
    this.e.op(`mov dword [__v_claim], ${this.claim(`${this.where}: ${what}`)}`);
    this.e.op('jmp __v_fail');
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
  private sizeIs(n: Size, reg: Reg32, env: Map<string, number>, what: string): void {
    if (n.k === 'const') {
      this.e.op(`cmp ${reg}, ${n.value >>> 0}`);
      this.failUnless('je', reg, what);
      return;
    }
    const i = env.get(n.name);
    if (i === undefined) return;
    const bind = this.e.newLabel();
    const done = this.e.newLabel();
    this.e.op(`cmp dword [__v_set + ${4 * i}], 0`);
    this.e.op(`je ${bind}`);
    this.e.op(`cmp ${reg}, [__v_val + ${4 * i}]`);
    this.failUnless('je', reg, `${what} (${n.name} is bound to another value at this point)`);
    this.e.op(`jmp ${done}`);
    this.e.label(bind);
    this.e.op(`mov [__v_val + ${4 * i}], ${reg}`);
    this.e.op(`mov dword [__v_set + ${4 * i}], 1`);
    this.e.label(done);
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
        this.sizeIs(t.n, v, env, what);
        return;
      case 'below': {
        if (t.n.k === 'const') {
          this.e.op(`cmp ${v}, ${t.n.value >>> 0}`);
          this.failUnless(t.strict ? 'jb' : 'jbe', v, what);
          return;
        }
        const i = env.get(t.n.name);
        if (i === undefined) return;
        const skip = this.e.newLabel();
        this.e.op(`cmp dword [__v_set + ${4 * i}], 0`);
        this.e.op(`je ${skip}`);
        this.e.op(`cmp ${v}, [__v_val + ${4 * i}]`);
        this.failUnless(t.strict ? 'jb' : 'jbe', v, what);
        this.e.label(skip);
        return;
      }
      case 'null':
        this.e.op(`test ${v}, ${v}`);
        this.failUnless('jz', v, what);
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
        this.e.op(`mov eax, ${v}`);
        this.sub('obj');
        this.e.op('mov edx, ecx');
        this.e.op('and edx, 3');
        this.e.op('cmp edx, 1');
        this.failUnless('je', v, `${what} (not the start of a live tuple of this program)`);
        this.e.op('shr ecx, 2');
        this.e.op(`cmp ecx, ${t.fields.length}`);
        this.failUnless('jae', 'ecx', `${what} (the tuple has fewer fields; actual = its field count)`);
        if (budget <= 0 || d + 1 >= VAL.length) return;
        t.fields.forEach((f, i) => {
          if (!f.init) return;
          this.e.op(`mov ${VAL[d + 1]}, [${v} + ${4 * i}]`);
          this.word(f.t, d + 1, budget - 1, env, `${what}, field ${i}`);
        });
        return;
      }
      case 'bytes':
      case 'words': {
        const kind = t.k === 'bytes' ? 2 : 3;
        this.e.op(`lea eax, [${v} - 4]`);
        this.sub('obj');
        this.e.op('mov edx, ecx');
        this.e.op('and edx, 3');
        this.e.op(`cmp edx, ${kind}`);
        this.failUnless('je', v, `${what} (not element 0 of a live ${t.k === 'bytes' ? 'byte' : 'word'} array of this program)`);
        this.e.op('shr ecx, 2');
        this.e.op(`cmp ecx, [${v} - 4]`);
        this.failUnless('je', 'ecx', `${what} (the array's length word was changed; actual = the allocated length)`);
        this.sizeIs(t.n, 'ecx', env, `${what} (length; actual = the array's length)`);
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
        this.e.op(`mov eax, ${v}`);
        this.sub('code');
        this.e.op('test ecx, ecx');
        this.failUnless('jnz', v, `${what} (not a typed label or a return point of this program)`);
        return;
    }
  }
}

/** Types whose every 32-bit value is a member: nothing to check. */
function trivial(t: WordType, defs: Defs): boolean {
  return t.k === 'int' || t.k === 'uninit' || t.k === 'tvar' || (t.k === 'exists' && trivial(t.body, defs));
}

/** Checks that bind size variables come first, so a bound like int<n sees n already bound. */
function order(t: WordType): number {
  return t.k === 'below' ? 1 : 0;
}

/** For each combination of the saved flags (index bits: CF, PF, ZF, SF, OF), 8-bit operands whose `add` sets exactly those flags. */
function flagTable(): { a: number[]; b: number[] } {
  const a: number[] = new Array(32).fill(0);
  const b: number[] = new Array(32).fill(0);
  const found = new Array(32).fill(false);
  for (let x = 0; x < 256; x++) {
    for (let y = 0; y < 256; y++) {
      const sum = x + y;
      const r = sum & 0xff;
      const cf = sum > 0xff ? 1 : 0;
      let bits = r;
      bits ^= bits >> 4;
      bits ^= bits >> 2;
      bits ^= bits >> 1;
      const pf = (bits & 1) === 0 ? 1 : 0;
      const zf = r === 0 ? 1 : 0;
      const sf = r >> 7;
      const of = ((x ^ r) & (y ^ r) & 0x80) !== 0 ? 1 : 0;
      const idx = cf | (pf << 1) | (zf << 2) | (sf << 3) | (of << 4);
      if (!found[idx]) {
        found[idx] = true;
        a[idx] = x;
        b[idx] = y;
      }
    }
  }
  // ZF=1 with SF=1 or PF=0 cannot come from one result; no instruction of the subset leaves them so.
  for (let i = 0; i < 32; i++) {
    if (found[i]) continue;
    const j = i & ~(1 << 3) | (1 << 1);
    a[i] = a[j]!;
    b[i] = b[j]!;
  }
  return { a, b };
}

function bytesLiteral(values: number[]): string {
  return `"${values.map((v) => `\\x${v.toString(16).padStart(2, '0')}`).join('')}"`;
}

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/[^\x20-\x7e]/g, '?')}"`;
}

/** The shared routines and the validator's own data, appended after the program. */
function runtime(program: Program, typedLabels: string[], returnPoints: string[], heap: number, claims: string[]): string[] {
  const out: string[] = [];
  const op = (t: string): void => {
    out.push(`        ${t}`);
  };
  const lab = (t: string): void => {
    out.push(`${t}:`);
  };
  out.push('.code');
  lab('__v_save');
  for (const r of SAVED) op(`mov [__v_${r}], ${r}`);
  op('mov [__v_esp], esp');
  for (const f of FLAG_BITS) op(`set${f} byte [__v_f${f}]`);
  op('jmp dword [__v_ret_save]');

  lab('__v_restore');
  op('movzx ecx, byte [__v_fc]');
  FLAG_BITS.forEach((f, i) => {
    if (i === 0) return;
    op(`movzx eax, byte [__v_f${f}]`);
    op(`shl eax, ${i}`);
    op('or ecx, eax');
  });
  op('mov al, [__v_fa + ecx]');
  op('add al, [__v_fb + ecx]');
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
  for (const item of program.data) {
    const tag = item.kind === 'tuple' ? 1 | (item.init.length << 2) : (item.kind === 'bytes' ? 2 : 3) | (item.init.length << 2);
    op(`mov ecx, ${item.label}`);
    op(`cmp ${item.kind === 'tuple' ? 'eax' : 'edx'}, ecx`);
    const next = `__v_obj_n_${out.length}`;
    op(`jne ${next}`);
    op(`mov ecx, ${tag >>> 0}`);
    op('jmp dword [__v_ret_obj]');
    lab(next);
  }
  lab('__v_obj_none');
  op('xor ecx, ecx');
  op('jmp dword [__v_ret_obj]');

  // EAX = value → ECX = 1 if it is a typed label or a return point, else 0.
  lab('__v_code');
  op('mov ecx, 1');
  for (const l of [...typedLabels, ...returnPoints]) {
    op(`cmp eax, ${l}`);
    op('je __v_code_yes');
  }
  op('cmp eax, [__v_mainret]');
  op('je __v_code_yes');
  op('xor ecx, ecx');
  lab('__v_code_yes');
  op('jmp dword [__v_ret_code]');

  // Prints "tal-validate: violation: <claim> (actual 0x…)" and exits; runs on its own stack, since ESP may be the broken claim.
  lab('__v_fail');
  op('mov esp, __v_fstack_top');
  op('mov ebx, 2');
  op('mov ecx, __v_prefix');
  op('mov edx, [ecx - 4]');
  op('call write');
  op('mov ebx, 2');
  op('mov ecx, [__v_claim]');
  op('mov edx, [ecx - 4]');
  op('call write');
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
  out.push('.data');
  for (const r of [...SAVED, 'esp', 'actual', 'claim', 'init', 'mainesp', 'mainret', 'heapbase', 'tmp', 'i0', 'i1', 'i2', 'i3']) out.push(`__v_${r}: .words [1]`);
  for (const s of ['save', 'restore', 'obj', 'code']) out.push(`__v_ret_${s}: .words [1]`);
  for (const f of FLAG_BITS) out.push(`__v_f${f}: .bytes [4]`);
  out.push(`__v_fa: .bytes ${bytesLiteral(table.a)}`);
  out.push(`__v_fb: .bytes ${bytesLiteral(table.b)}`);
  out.push(`__v_set: .words [${ENV_SLOTS}]`);
  out.push(`__v_val: .words [${ENV_SLOTS}]`);
  out.push(`__v_prefix: .bytes ${quote(`${VIOLATION_MARKER}: `)}`);
  out.push('__v_digits: .bytes "0123456789abcdef"');
  out.push('__v_hex: .bytes " (actual 0x00000000)\\n"');
  out.push('__v_fstack: .bytes [4096]');
  out.push('__v_fstack_top: .words [4]');
  claims.forEach((c, i) => out.push(`__vc${i}: .bytes ${quote(c)}`));
  return out;
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
  const fresh = (): string => `.__v${labelCount++}`;

  const typedLabels: string[] = [];
  const returnPoints: string[] = [];
  /** Placeholders written in the appended text, resolved to the parser's qualified label names afterwards. */
  const rename = new Map<string, string>([['__v_heap_end', HEAP_END]]);
  for (const b of program.code) {
    if (b.type === undefined) continue;
    const ph = `__vl${typedLabels.length}`;
    rename.set(ph, b.label);
    typedLabels.push(ph);
  }

  const before = new Map<string, string[]>();
  const after = new Map<string, string[]>();
  const shortBranch = new Map<string, string[]>();
  let points = 0;
  let unreached = 0;
  const entryIndex = program.code.findIndex((b) => b.label === program.entry);
  const entryFirst = program.code.slice(Math.max(entryIndex, 0)).find((b) => b.instrs.length > 0)?.instrs[0];
  for (const block of program.code) {
    for (const ins of block.instrs) {
      const key = `${ins.loc.line}:${ins.loc.col}`;
      const e = new Emitter(fresh);
      const where = `${file}:${ins.loc.line}: ${ins.text.trim()}`;
      const c = new PointCompiler(e, defs, claim, where);
      points++;
      const back = fresh();
      e.op(`mov dword [__v_ret_save], ${back}`);
      e.op('jmp __v_save');
      e.label(back);
      if (ins === entryFirst) entryInit(e, heap);
      const claims = traceAt.get(key);
      if (claims === undefined) {
        unreached++;
        e.op('mov esi, 0');
        c.fail('esi', 'the checker never reached this instruction, so it claims nothing here');
      } else {
        const body = new Emitter(fresh);
        const bc = new PointCompiler(body, defs, claim, where);
        const env = new Map<string, number>();
        for (const v of claims.vars) if (v.kind === 'size') bc.newSlot(v.name, env);
        pointChecks(body, bc, claims, traceText.get(key)!, env, program.stackSize);
        e.lines.push(...body.lines);
      }
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
        const r = `.__vr${returnPoints.length}`;
        returnPoints.push(`__vrp${returnPoints.length}`);
        post.push(`${r}:`);
      }
      after.set(key, post);
      // loop and jecxz reach only ±128 bytes, less than the checks now between them and their target:
      // they branch to a near jump right after them instead (jmp leaves the flags and ECX as they are).
      if (ins.kind === 'machine' && (ins.mnemonic === 'loop' || ins.mnemonic === 'jecxz') && ins.operands[0]?.kind === 'label') {
        const taken = fresh();
        const next = fresh();
        const target = `__vt${rename.size}`;
        rename.set(target, ins.operands[0].name);
        shortBranch.set(key, [`        ${ins.mnemonic} ${taken}`, `        jmp ${next}`, `${taken}:`, `        jmp ${target}`, `${next}:`]);
      }
    }
  }

  const instrCols = new Map<number, number[]>();
  for (const key of before.keys()) {
    const [line, col] = key.split(':').map(Number) as [number, number];
    instrCols.set(line, [...(instrCols.get(line) ?? []), col].sort((a, b) => a - b));
  }
  const out: string[] = [];
  source.split('\n').forEach((text, i) => {
    const cols = instrCols.get(i + 1);
    if (cols === undefined) {
      out.push(text);
      return;
    }
    // One instruction per line in TAL; whatever precedes it on the line (a label) stays in front.
    const col = cols[0]!;
    const prefix = text.slice(0, col - 1);
    if (prefix.trim() !== '') out.push(prefix);
    out.push(...before.get(`${i + 1}:${col}`)!);
    out.push(...(shortBranch.get(`${i + 1}:${col}`) ?? [text.slice(col - 1)]));
    out.push(...after.get(`${i + 1}:${col}`)!);
  });
  out.push(...runtime(program, typedLabels, returnPoints, heap, claimTexts));
  const text = out.join('\n') + '\n';

  let inst: Program;
  try {
    inst = parseProgram(text, file);
  } catch (e) {
    return { ok: false, error: `the instrumented program does not parse: ${e instanceof Error ? e.message : String(e)}` };
  }
  for (const b of inst.code) {
    const m = /\.__vr(\d+)$/.exec(b.label);
    if (m !== null) rename.set(`__vrp${m[1]}`, b.label);
  }
  resolvePlaceholders(inst, rename);
  inst.heapSize = 2 * heap;
  const asm = assemble(inst, text, { resolveImport: (name) => syscallByName(name)?.nr });
  if (asm.image === undefined) {
    const d = asm.diagnostics[0];
    return { ok: false, error: `the instrumented program does not assemble: ${d !== undefined ? `line ${d.line}: ${d.message} (${d.instruction ?? ''})` : '?'}` };
  }
  return { ok: true, out: { source: text, program: inst, elf: writeElf(asm.image, { trap: 'int80' }), points, unreached } };
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

function pointChecks(e: Emitter, c: PointCompiler, claims: PointClaims, text: TypeStateEntry, env: Map<string, number>, stackSize: number): void {
  e.op('mov esi, [__v_mainesp]');
  e.op('sub esi, [__v_esp]');
  e.op(`cmp esi, ${stackSize}`);
  e.op('mov esi, [__v_esp]');
  c.failUnless('jbe', 'esi', `ESP within the program's stack (.stack ${stackSize} bytes below main's ESP)`);
  const regs = [...claims.regs].sort((a, b) => order(a[1]) - order(b[1]));
  for (const [r, t] of regs) {
    e.op(`mov esi, [__v_${r}]`);
    c.word(t, 0, DEPTH, env, `${r.toUpperCase()}: ${text.regs[r]}`);
  }
  claims.slots.forEach((t, k) => {
    if (t === undefined || trivial(t, new Map())) return;
    e.op('mov eax, [__v_esp]');
    e.op(`mov esi, [eax + ${4 * k}]`);
    c.word(t, 0, DEPTH, env, `[esp+${4 * k}]: ${text.stack[k]}`);
  });
  const f = claims.flags;
  if (f === undefined) return;
  if (f.kind === 'test') {
    e.op(`mov eax, [__v_${f.reg}]`);
    e.op('test eax, eax');
  } else {
    e.op(`mov eax, [__v_${f.a}]`);
    e.op('reg' in f.b ? `cmp eax, [__v_${f.b.reg}]` : `cmp eax, ${f.b.value >>> 0}`);
  }
  const what = `the flags hold ${f.kind === 'test' ? `test ${f.reg}, ${f.reg}` : `cmp ${f.a}, ${'reg' in f.b ? f.b.reg : f.b.value}`} (actual = saved CF | ZF << 1)`;
  e.op('setc cl');
  e.op('setz dl');
  e.op('movzx esi, byte [__v_fz]');
  e.op('add esi, esi');
  e.op('or esi, [__v_fc]');
  e.op('and esi, 3');
  if (f.kind === 'cmp') {
    e.op('cmp cl, [__v_fc]');
    c.failUnless('je', 'esi', what);
  }
  e.op('cmp dl, [__v_fz]');
  c.failUnless('je', 'esi', what);
}

function resolvePlaceholders(p: Program, rename: ReadonlyMap<string, string>): void {
  for (const b of p.code) {
    for (const ins of b.instrs) {
      if (ins.kind !== 'machine') continue;
      ins.operands = ins.operands.map((o) => {
        if (o.kind === 'label') return { ...o, name: rename.get(o.name) ?? o.name };
        if (o.kind === 'mem' && o.label !== undefined) return { ...o, label: rename.get(o.label) ?? o.label };
        return o;
      });
    }
  }
}

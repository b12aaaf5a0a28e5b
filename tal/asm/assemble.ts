// Program → AssembledImage: symbol table, data section, code layout with
// branch relaxation, relocations, line table and digest (docs/talo.md).
//
// Branch sizing is done here rather than by iced-x86's BlockEncoder: the
// JavaScript BlockEncoder returns only the bytes (no per-instruction offsets,
// which the line table, labels and relocations need), and it silently turns an
// out-of-range loop/jecxz into a three-instruction sequence. Every byte still
// comes from iced-x86's Encoder.

import { createHash } from 'node:crypto';
import { Code, Encoder, Instruction } from 'iced-x86';
import type { DataItem, MachineInstr, Program, SourceLoc } from '../ast.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import type { Diagnostic } from '../diagnostics.js';
import { type AbsRef, type EncodedInstr, type SymbolKind, encodeInstr } from './encode.js';
import {
  type AbsTarget,
  type AssembledImage,
  type ImageSymbol,
  type ImportEntry,
  type LineEntry,
  type Relocation,
  CHECKER_VERSION,
  DEFAULT_CODE_VADDR,
  HEAP_END_OFFSET,
  HEAP_NEXT_OFFSET,
  HEADER_SIZE,
  IMPORT_ENTRY_SIZE,
  IMPORT_NAME_BYTES,
  LINE_ENTRY_SIZE,
  MAX_CODE_SIZE,
  MAX_DATA_SIZE,
  MAX_HEAP_SIZE,
  MAX_IMPORTS,
  MAX_STACK_SIZE,
  MAX_TOTAL_SIZE,
  MIN_STACK_SIZE,
  RELOC_ENTRY_SIZE,
  VADDR_LIMIT,
  align4,
  pageAlignUp,
} from './image.js';
import { HEAP_END, HEAP_NEXT, PseudoError, expandPseudo } from './pseudo.js';
import {
  HEAP_MESSAGE,
  HEAP_MESSAGE_TEXT,
  PROLOGUE,
  RUNTIME_IMPORTS,
  STACK_LIMIT,
  STACK_MESSAGE,
  STACK_MESSAGE_TEXT,
  type RuntimeBlock,
  heapExhaustedPath,
  prologue,
  stackCheck,
  stackExhaustedPath,
} from './runtime.js';
import { callsProgramCode } from '../stack-guard.js';

export interface AssembleOptions {
  /** Linux i386 system-call number of an import, or undefined if the name is not a known syscall. */
  resolveImport(name: string): number | undefined;
  /** Where the code section is mapped (page-aligned); data and heap follow it. */
  codeVaddr?: number;
  /**
   * The labels that start with the stack guard (tal/stack-guard.ts): by default every label of
   * the program. Only a trusted rewrite of a checked program (the state-embedding validator)
   * names fewer — the checked program's own labels, not the ones it inserts between instructions.
   */
  guardedLabels?: ReadonlySet<string>;
}

/** `image` is present exactly when there are no error diagnostics. */
export interface AssembleResult {
  image?: AssembledImage;
  diagnostics: Diagnostic[];
}

const RUNTIME_LOC: SourceLoc = { line: 0, col: 0 };
const DIGEST_PREFIX = 'talc-1\0';

export function sourceDigest(source: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(DIGEST_PREFIX, 'utf8').update(source, 'utf8').digest());
}

interface SymbolInfo {
  kind: SymbolKind;
  /** data offset, or import index; code offsets are known only after layout */
  value: number;
}

class Assembly {
  readonly diagnostics: Diagnostic[] = [];
  readonly symbols = new Map<string, SymbolInfo>();
  readonly imports: ImportEntry[] = [];

  constructor(readonly file: string) {}

  error(code: DiagnosticCode, loc: SourceLoc, message: string, instruction?: string): void {
    const d: Diagnostic = { code, severity: 'error', file: this.file, line: loc.line, col: loc.col, message };
    if (instruction !== undefined) d.instruction = instruction;
    this.diagnostics.push(d);
  }

  define(name: string, info: SymbolInfo, loc: SourceLoc): void {
    if (this.symbols.has(name)) {
      this.error('E_ASM_DUPLICATE_LABEL', loc, `'${name}' is defined more than once (labels, data and imports share one namespace)`);
      return;
    }
    this.symbols.set(name, info);
  }

  addImport(name: string, loc: SourceLoc, resolve: (name: string) => number | undefined): void {
    const nr = resolve(name);
    if (nr === undefined) {
      this.error('E_ASM_UNKNOWN_IMPORT', loc, `'${name}' is not a system call the toolchain knows`);
      return;
    }
    if (!/^[a-z0-9_]+$/.test(name) || name.length > IMPORT_NAME_BYTES - 1) {
      this.error('E_ASM_IMPORT_NAME', loc, `import name '${name}' must be 1..${IMPORT_NAME_BYTES - 1} characters of [a-z0-9_]`);
      return;
    }
    const same = this.imports.find((i) => i.nr === nr);
    if (same !== undefined) {
      this.error('E_ASM_DUPLICATE_IMPORT', loc, `'${name}' is system call ${nr}, already imported as '${same.name}'`);
      return;
    }
    this.define(name, { kind: 'import', value: this.imports.length }, loc);
    this.imports.push({ nr, name });
  }
}

/** Data section: runtime words, program data items (arrays after their length word), runtime message. */
function buildData(asm: Assembly, items: DataItem[], heapSize: number): { data: Uint8Array; relocs: Relocation[] } {
  const words: number[] = [0, heapSize]; // heap_next, heap_end (relocated to the heap)
  asm.define(HEAP_NEXT, { kind: 'data', value: HEAP_NEXT_OFFSET }, RUNTIME_LOC);
  asm.define(HEAP_END, { kind: 'data', value: HEAP_END_OFFSET }, RUNTIME_LOC);
  const chunks: Uint8Array[] = [];
  let size = 8;
  const place = (bytes: Uint8Array): void => {
    const padded = new Uint8Array(align4(bytes.length));
    padded.set(bytes);
    chunks.push(padded);
    size += padded.length;
  };
  const wordBytes = (values: number[]): Uint8Array => {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true));
    return out;
  };
  const byteArray = (name: string, loc: SourceLoc, init: Uint8Array): void => {
    place(wordBytes([init.length]));
    asm.define(name, { kind: 'data', value: size }, loc);
    place(init);
  };
  for (const item of items) {
    if (item.kind === 'bytes') {
      byteArray(item.label, item.loc, item.init);
      continue;
    }
    const bad = item.init.find((v) => !Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 32 - 1);
    if (bad !== undefined) {
      asm.error('E_ASM_DATA_VALUE', item.loc, `data value ${bad} in '${item.label}' does not fit in 32 bits`);
      continue;
    }
    if (item.kind === 'words') place(wordBytes([item.init.length]));
    asm.define(item.label, { kind: 'data', value: size }, item.loc);
    place(wordBytes(item.init));
  }
  asm.define(STACK_LIMIT, { kind: 'data', value: size }, RUNTIME_LOC); // set by the prologue
  place(wordBytes([0]));
  byteArray(STACK_MESSAGE, RUNTIME_LOC, new TextEncoder().encode(STACK_MESSAGE_TEXT));
  byteArray(HEAP_MESSAGE, RUNTIME_LOC, new TextEncoder().encode(HEAP_MESSAGE_TEXT));
  const data = new Uint8Array(size);
  data.set(wordBytes(words), 0);
  let at = 8;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  const relocs: Relocation[] = [
    { kind: 'abs32', section: 'data', offset: HEAP_NEXT_OFFSET, target: 'heap' },
    { kind: 'abs32', section: 'data', offset: HEAP_END_OFFSET, target: 'heap' },
  ];
  return { data, relocs };
}

interface FlatInstr {
  mi: MachineInstr;
  line: number;
}

/** Runtime prologue, the program's blocks (pseudo-instructions expanded), heap-exhausted path. */
function flatten(asm: Assembly, program: Program, stackSize: number, guarded: (label: string) => boolean): { flat: FlatInstr[]; labels: Map<string, number> } {
  const flat: FlatInstr[] = [];
  const labels = new Map<string, number>();
  const runtime = (blocks: RuntimeBlock[]): void => {
    for (const b of blocks) {
      labels.set(b.label, flat.length);
      asm.define(b.label, { kind: 'code', value: 0 }, RUNTIME_LOC);
      for (const mi of b.instrs) flat.push({ mi, line: 0 });
    }
  };
  runtime(prologue(program.entry, stackSize));
  const isImport = (name: string): boolean => asm.symbols.get(name)?.kind === 'import';
  const guard = (text: string): void => {
    for (const mi of stackCheck(RUNTIME_LOC, text)) flat.push({ mi, line: 0 });
  };
  for (const block of program.code) {
    if (!asm.symbols.has(block.label)) labels.set(block.label, flat.length);
    asm.define(block.label, { kind: 'code', value: 0 }, block.loc);
    // The global stack bound (tal/stack-guard.ts): a guard at every label of the program. The
    // guards carry line 0, like the rest of the trusted runtime.
    if (guarded(block.label)) guard(`stack guard at ${block.label}`);
    for (const instr of block.instrs) {
      if (instr.kind === 'machine') {
        if (instr.mnemonic === 'call' && instr.operands.length === 1 && callsProgramCode(instr.operands[0]!, isImport)) {
          for (const mi of stackCheck(instr.loc, instr.text)) flat.push({ mi, line: instr.loc.line });
        }
        flat.push({ mi: instr, line: instr.loc.line });
        continue;
      }
      try {
        for (const mi of expandPseudo(instr)) flat.push({ mi, line: instr.loc.line });
      } catch (err) {
        if (!(err instanceof PseudoError)) throw err;
        asm.error(err.code, instr.loc, err.message, instr.text);
      }
    }
  }
  runtime(heapExhaustedPath());
  runtime(stackExhaustedPath());
  return { flat, labels };
}

/** Bytes and 32-bit field positions of one position-independent instruction. */
interface FixedBytes {
  start: number; // in the encoder's scratch buffer
  length: number;
  dispOffset: number;
  immOffset: number;
}

const CALL_REL32_SIZE = 5;

/** Encodes `code` at `ip` branching to `target`; also used to learn each branch form's size. */
function encodeBranch(encoder: Encoder, code: Code, ip: number, target: number): Uint8Array {
  const instr = Instruction.createBranch(code, BigInt(target));
  try {
    encoder.encode(instr, BigInt(ip));
    return encoder.takeBuffer();
  } finally {
    instr.free();
  }
}

function layoutCode(
  asm: Assembly,
  flat: FlatInstr[],
  encoded: EncodedInstr[],
  labels: Map<string, number>,
): { code: Uint8Array; relocs: Relocation[]; lines: LineEntry[]; labelOffset: (name: string) => number } | undefined {
  const encoder = new Encoder(32);
  try {
    // Position-independent instructions: encode once into one scratch buffer.
    const fixed: (FixedBytes | undefined)[] = [];
    let scratchLength = 0;
    for (const e of encoded) {
      if (e.kind !== 'fixed') {
        fixed.push(undefined);
        continue;
      }
      const length = encoder.encode(e.instr, 0n);
      const co = encoder.getConstantOffsets();
      fixed.push({ start: scratchLength, length, dispOffset: co.displacementOffset, immOffset: co.immediateOffset });
      co.free();
      scratchLength += length;
    }
    const scratch = encoder.takeBuffer();

    const sizeOf = new Map<Code, number>();
    const branchSize = (code: Code): number => {
      let s = sizeOf.get(code);
      if (s === undefined) {
        s = encodeBranch(encoder, code, 0, 0).length;
        sizeOf.set(code, s);
      }
      return s;
    };
    // Start every relaxable branch short; lengthen those out of rel8 range until nothing changes
    // (sizes only grow, so this terminates).
    const useNear = encoded.map((e) => e.kind === 'branch' && e.short === undefined);
    const sizes = encoded.map((e, i) =>
      e.kind === 'fixed' ? fixed[i]!.length : e.kind === 'import' ? CALL_REL32_SIZE : branchSize(useNear[i] ? e.near! : e.short!),
    );
    const offsets = new Array<number>(encoded.length + 1);
    const computeOffsets = (): void => {
      offsets[0] = 0;
      for (let i = 0; i < sizes.length; i++) offsets[i + 1] = offsets[i]! + sizes[i]!;
    };
    const targetOf = (label: string): number => offsets[labels.get(label)!]!;
    const inRel8 = (i: number, label: string): boolean => {
      const rel = targetOf(label) - offsets[i + 1]!;
      return rel >= -128 && rel <= 127;
    };
    for (let changed = true; changed; ) {
      changed = false;
      computeOffsets();
      encoded.forEach((e, i) => {
        if (e.kind === 'branch' && !useNear[i] && e.near !== undefined && !inRel8(i, e.label)) {
          useNear[i] = true;
          sizes[i] = branchSize(e.near);
          changed = true;
        }
      });
    }
    let failed = false;
    encoded.forEach((e, i) => {
      if (e.kind === 'branch' && e.near === undefined && !inRel8(i, e.label)) {
        const mi = flat[i]!.mi;
        asm.error('E_ASM_BRANCH_RANGE', mi.loc, `'${mi.mnemonic}' can only reach 128 bytes back or 127 forward; '${e.label}' is farther`, mi.text);
        failed = true;
      }
    });
    if (failed) return undefined;

    const labelOffset = (name: string): number => {
      const info = asm.symbols.get(name)!;
      return info.kind === 'code' ? targetOf(name) : info.value;
    };
    const code = new Uint8Array(offsets[encoded.length]!);
    const view = new DataView(code.buffer);
    const relocs: Relocation[] = [];
    const lines: LineEntry[] = [];
    encoded.forEach((e, i) => {
      const at = offsets[i]!;
      lines.push({ codeOffset: at, line: flat[i]!.line });
      if (e.kind === 'fixed') {
        const f = fixed[i]!;
        code.set(scratch.subarray(f.start, f.start + f.length), at);
        for (const ref of e.abs) {
          const field = at + fieldOffset(ref, f);
          view.setUint32(field, (view.getUint32(field, true) + labelOffset(ref.label)) >>> 0, true);
          relocs.push({ kind: 'abs32', section: 'code', offset: field, target: sectionOf(asm, ref.label) });
        }
      } else if (e.kind === 'import') {
        // rel32 = 0 until the loader writes gate - (code_vaddr + offset + 4)
        code.set(encodeBranch(encoder, Code.Call_rel32_32, at, at + CALL_REL32_SIZE), at);
        relocs.push({ kind: 'import', section: 'code', offset: at + 1, importIndex: asm.symbols.get(e.name)!.value });
      } else {
        const bytes = encodeBranch(encoder, useNear[i] ? e.near! : e.short!, at, targetOf(e.label));
        if (bytes.length !== sizes[i]) throw new Error(`internal: branch at ${at} changed size`);
        code.set(bytes, at);
      }
    });
    return { code, relocs, lines, labelOffset };
  } finally {
    encoder.free();
  }
}

function fieldOffset(ref: AbsRef, f: FixedBytes): number {
  const off = ref.slot === 'disp' ? f.dispOffset : f.immOffset;
  if (off === 0) throw new Error(`internal: no ${ref.slot} field for a label reference`);
  return off;
}

function sectionOf(asm: Assembly, label: string): AbsTarget {
  return asm.symbols.get(label)!.kind === 'code' ? 'code' : 'data';
}

function checkSizes(asm: Assembly, program: Program): { heapSize: number; stackSize: number } {
  const heapSize = pageAlignUp(Math.max(0, program.heapSize));
  if (!Number.isInteger(program.heapSize) || program.heapSize < 0 || heapSize > MAX_HEAP_SIZE) {
    asm.error('E_ASM_HEAP_SIZE', RUNTIME_LOC, `heap size ${program.heapSize} is not in 0..${MAX_HEAP_SIZE} bytes`);
  }
  const stackSize = Math.max(MIN_STACK_SIZE, pageAlignUp(Math.max(0, program.stackSize)));
  if (!Number.isInteger(program.stackSize) || program.stackSize < 0 || stackSize > MAX_STACK_SIZE) {
    asm.error('E_ASM_STACK_SIZE', RUNTIME_LOC, `stack size ${program.stackSize} is not in 0..${MAX_STACK_SIZE} bytes`);
  }
  return { heapSize, stackSize };
}

/**
 * Assembles a checked program. Heap and stack sizes are rounded up to whole pages
 * (the stack to at least one page). Never throws for a bad program: every problem
 * is a diagnostic.
 */
export function assemble(program: Program, source: string, options: AssembleOptions): AssembleResult {
  const asm = new Assembly(program.file);
  const { heapSize, stackSize } = checkSizes(asm, program);

  for (const imp of program.imports) asm.addImport(imp.name, imp.loc, options.resolveImport);
  for (const name of RUNTIME_IMPORTS) {
    if (!asm.imports.some((i) => i.name === name)) asm.addImport(name, RUNTIME_LOC, options.resolveImport);
  }
  if (asm.imports.length > MAX_IMPORTS) {
    asm.error('E_ASM_TOO_MANY_IMPORTS', program.imports[MAX_IMPORTS]?.loc ?? RUNTIME_LOC, `at most ${MAX_IMPORTS} imports (including write and exit_group)`);
  }
  const { data, relocs: dataRelocs } = buildData(asm, program.data, heapSize);
  const guardedLabels = options.guardedLabels;
  const { flat, labels } = flatten(asm, program, stackSize, guardedLabels === undefined ? () => true : (l) => guardedLabels.has(l));
  if (asm.symbols.get(program.entry)?.kind !== 'code') {
    asm.error('E_ASM_NO_ENTRY', RUNTIME_LOC, `the entry label '${program.entry}' is not a code label of this program`);
  }
  if (asm.diagnostics.length > 0) return { diagnostics: asm.diagnostics };

  const lookup = { kindOf: (name: string) => asm.symbols.get(name)?.kind };
  const encoded: EncodedInstr[] = [];
  try {
    for (const { mi } of flat) {
      const r = encodeInstr(mi, lookup, program.file);
      if (r.ok) encoded.push(r.encoded);
      else asm.diagnostics.push(r.diagnostic);
    }
    if (asm.diagnostics.length > 0) return { diagnostics: asm.diagnostics };
    const laid = layoutCode(asm, flat, encoded, labels);
    if (laid === undefined) return { diagnostics: asm.diagnostics };

    const { code, relocs, lines, labelOffset } = laid;
    const codeVaddr = options.codeVaddr ?? DEFAULT_CODE_VADDR;
    const dataVaddr = pageAlignUp(codeVaddr + code.length);
    const heapVaddr = pageAlignUp(dataVaddr + data.length);
    const allRelocs = [...relocs, ...dataRelocs];
    const fileSize =
      HEADER_SIZE +
      align4(code.length) +
      align4(data.length) +
      allRelocs.length * RELOC_ENTRY_SIZE +
      asm.imports.length * IMPORT_ENTRY_SIZE +
      lines.length * LINE_ENTRY_SIZE;
    if (code.length > MAX_CODE_SIZE || data.length > MAX_DATA_SIZE || fileSize > MAX_TOTAL_SIZE || heapVaddr + heapSize > VADDR_LIMIT) {
      asm.error(
        'E_ASM_TOO_LARGE',
        RUNTIME_LOC,
        `image too large: code ${code.length} bytes (max ${MAX_CODE_SIZE}), data ${data.length} (max ${MAX_DATA_SIZE}), file ${fileSize} (max ${MAX_TOTAL_SIZE})`,
      );
      return { diagnostics: asm.diagnostics };
    }
    const symbols: ImageSymbol[] = [...asm.symbols]
      .filter(([, info]) => info.kind !== 'import')
      .map(([name, info]) => ({ name, section: info.kind === 'code' ? 'code' : 'data', offset: labelOffset(name) }));
    return {
      diagnostics: [],
      image: {
        code,
        data,
        codeVaddr,
        dataVaddr,
        heapVaddr,
        heapSize,
        stackSize,
        entry: labelOffset(PROLOGUE),
        relocs: allRelocs,
        imports: asm.imports,
        lines,
        digest: sourceDigest(source),
        checkerVersion: CHECKER_VERSION,
        symbols,
      },
    };
  } finally {
    for (const e of encoded) if (e.kind === 'fixed') e.instr.free();
  }
}

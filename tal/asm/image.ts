// The linked-but-not-loaded program: what `.talo` serializes and the ELF
// writer links. Addresses inside code and data are section-relative; the
// relocations say where a loader adds a section's virtual address (docs/talo.md).

export type SectionName = 'code' | 'data';
export type AbsTarget = 'code' | 'data' | 'heap';

export type Relocation =
  /** `*(u32 *)(section + offset) += vaddr(target)` */
  | { kind: 'abs32'; section: SectionName; offset: number; target: AbsTarget }
  /** the rel32 of a `call` to import `importIndex` (code only; opcode E8 at offset - 1) */
  | { kind: 'import'; section: 'code'; offset: number; importIndex: number };

export interface ImportEntry {
  nr: number; // Linux i386 system-call number
  name: string;
}

export interface LineEntry {
  codeOffset: number;
  /** 1-based source line; 0 = the assembler's trusted runtime (prologue, heap-exhausted path). */
  line: number;
}

export interface TaloImage {
  code: Uint8Array;
  data: Uint8Array;
  codeVaddr: number;
  dataVaddr: number;
  heapVaddr: number;
  heapSize: number;
  stackSize: number;
  /** Offset of the entry point (the trusted prologue) in the code section. */
  entry: number;
  relocs: Relocation[];
  imports: ImportEntry[];
  lines: LineEntry[];
  /** SHA-256 of what the checker accepted (docs/talo.md, "Digest"). */
  digest: Uint8Array;
  checkerVersion: number;
}

/** A named place in the image. Runtime symbols have names no TAL identifier can take (`<heap_next>`). */
export interface ImageSymbol {
  name: string;
  section: SectionName;
  offset: number;
}

/** What `assemble` returns: the image plus its symbol table (not stored in `.talo`; for listings and the lab). */
export interface AssembledImage extends TaloImage {
  symbols: ImageSymbol[];
}

// Bounds from docs/talo.md, shared by the assembler (which must never produce
// an image the loader refuses) and the reader (which refuses what is outside).
export const PAGE_SIZE = 4096;
export const HEADER_SIZE = 128;
export const TRAILER_SIZE = 40;
export const FORMAT_VERSION = 1;
export const CHECKER_VERSION = 1;
export const MAX_TOTAL_SIZE = 16 << 20;
export const MAX_CODE_SIZE = 4 << 20;
export const MAX_DATA_SIZE = 4 << 20;
export const MIN_DATA_SIZE = 8;
export const MAX_HEAP_SIZE = 64 << 20;
export const MIN_STACK_SIZE = 4096;
export const MAX_STACK_SIZE = 1 << 20;
export const MAX_IMPORTS = 64;
export const IMPORT_NAME_BYTES = 28;
export const VADDR_LIMIT = 0xb0000000;
export const RELOC_ENTRY_SIZE = 8;
export const IMPORT_ENTRY_SIZE = 32;
export const LINE_ENTRY_SIZE = 8;

/** Data offsets of the runtime words every image starts its data section with. */
export const HEAP_NEXT_OFFSET = 0;
export const HEAP_END_OFFSET = 4;

/** Default placement of the code section; the loader maps sections where the header says. */
export const DEFAULT_CODE_VADDR = 0x08048000;

export function pageAlignUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

export function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

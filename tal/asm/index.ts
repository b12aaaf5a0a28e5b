// Public API of the TAL assembler back end (used by the CLI, the lab and tests).

export { assemble, sourceDigest, type AssembleOptions, type AssembleResult } from './assemble.js';
export { SUPPORTED_MNEMONICS } from './encode.js';
export type {
  AbsTarget,
  AssembledImage,
  ImageSymbol,
  ImportEntry,
  LineEntry,
  Relocation,
  SectionName,
  TaloImage,
} from './image.js';
export { readTalo, writeTalo, TaloFormatException, type ReadTaloOptions, type ReadTaloResult, type TaloFormatError, type TaloSignature } from './talo.js';
export { verifyTalo, type VerifyTaloResult } from './sign.js';
export { linkImage, type Placement } from './link.js';
export { writeElf, type ElfOptions, type TrapKind } from './elf.js';
export { disassemble, disassembleTalo, formatDisassembly, type DisasmLine, type DisassembleTaloResult } from './disasm.js';
export { HEAP_EXHAUSTED_STATUS, HEAP_MESSAGE_TEXT } from './runtime.js';

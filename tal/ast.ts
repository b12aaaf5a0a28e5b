// The syntax tree the parser produces and both the checker and the assembler consume.
// Instruction operands are Intel-order (destination first).

import type { CodeType, Reg32, StackType, TyVar, WordType } from './types.js';

/** 1-based line and column in the source file. */
export interface SourceLoc {
  line: number;
  col: number;
}

export type Reg8 = 'al' | 'cl' | 'dl' | 'bl' | 'ah' | 'ch' | 'dh' | 'bh';
export type Reg16 = 'ax' | 'cx' | 'dx' | 'bx' | 'sp' | 'bp' | 'si' | 'di';
export type Reg = Reg32 | Reg16 | Reg8;

/** [label + base + index*scale + disp], any part optional. `size` comes from a `byte`/`word`/`dword` prefix or the other operand. */
export interface MemOperand {
  kind: 'mem';
  size?: 1 | 2 | 4;
  base?: Reg32;
  index?: Reg32;
  scale: 1 | 2 | 4 | 8;
  disp: number;
  label?: string;
}

export type Operand =
  | { kind: 'reg'; reg: Reg }
  | { kind: 'imm'; value: number } // a 32-bit constant (stored as a JS number, may be negative)
  | { kind: 'label'; name: string } // a code label, data label or import, used as a value or a branch target
  | MemOperand;

/** A machine instruction (mnemonic in lower case, e.g. 'mov', 'jae', 'call'). */
export interface MachineInstr {
  kind: 'machine';
  mnemonic: string;
  operands: Operand[];
  loc: SourceLoc;
  text: string; // the source text of the instruction, for diagnostics and traces
}

/**
 * Pseudo-instructions. `malloc` and `newarray` expand to a trusted inline bump
 * allocation (see docs/talo.md, "runtime"); every other pseudo-instruction only
 * changes types and emits no code.
 */
export type PseudoInstr =
  | { kind: 'malloc'; dst: Reg32; type: Extract<WordType, { k: 'tuple' }>; loc: SourceLoc; text: string }
  | {
      kind: 'newarray';
      dst: Reg32;
      elem: 'byte' | 'word';
      /** For word arrays: the element type; must admit the all-zero word (int, or null | τ). Default int. */
      elemType?: WordType;
      length: { kind: 'reg'; reg: Reg32 } | { kind: 'imm'; value: number };
      loc: SourceLoc;
      text: string;
    }
  | { kind: 'unpack'; vars: string[]; reg: Reg32; loc: SourceLoc; text: string } // open ∃ in reg, naming its witnesses
  | { kind: 'pack'; reg: Reg32; type: WordType; loc: SourceLoc; text: string } // hide part of reg's type behind ∃
  | { kind: 'coerce'; reg: Reg32; type: WordType; loc: SourceLoc; text: string } // subsumption to a wider type
  | { kind: 'coerceStack'; stack: StackType; loc: SourceLoc; text: string }; // subsumption on the stack type

export type Instr = MachineInstr | PseudoInstr;

/** A labelled run of instructions. Labels with a type are checked entry points; untyped labels are inner labels whose type is inferred from the one jump into them in program order. */
export interface CodeBlock {
  label: string;
  type?: CodeType;
  loc: SourceLoc;
  instrs: Instr[];
}

export type DataItem =
  | { kind: 'bytes'; label: string; init: Uint8Array; loc: SourceLoc } // byte array (string or N zero bytes)
  | { kind: 'words'; label: string; init: number[]; loc: SourceLoc } // int array
  | { kind: 'tuple'; label: string; init: number[]; loc: SourceLoc }; // tuple of ints

export interface ImportDecl {
  name: string;
  loc: SourceLoc;
}

export interface TypeDef {
  name: string;
  vars: TyVar[];
  body: WordType;
  loc: SourceLoc;
}

export interface Program {
  file: string;
  imports: ImportDecl[];
  types: TypeDef[];
  data: DataItem[];
  code: CodeBlock[];
  entry: string;
  /** Heap bytes for malloc/newarray, from `.heap N` (default in docs/tal.md). */
  heapSize: number;
  /** Stack bytes, from `.stack N`. */
  stackSize: number;
}

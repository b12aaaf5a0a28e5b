// Hand-built syntax trees for the assembler tests (the parser is developed in parallel).

import type { CodeBlock, DataItem, Instr, MachineInstr, MemOperand, Operand, Program, PseudoInstr, Reg } from '../../tal/ast.js';
import type { Reg32 } from '../../tal/types.js';
import { INT } from '../../tal/types.js';
import { syscallByName } from '../../tal/syscalls.js';

/** Import numbers come from the checker's syscall table, the one table of the toolchain. */
export const resolveImport = (name: string): number | undefined => syscallByName(name)?.nr;

let nextLine = 1;

export const r = (reg: Reg): Operand => ({ kind: 'reg', reg });
export const i = (value: number): Operand => ({ kind: 'imm', value });
export const l = (name: string): Operand => ({ kind: 'label', name });
export function m(parts: Partial<Omit<MemOperand, 'kind'>> = {}): MemOperand {
  return { kind: 'mem', scale: 1, disp: 0, ...parts };
}

/** A machine instruction on the next source line. */
export function ins(mnemonic: string, ...operands: Operand[]): MachineInstr {
  const line = nextLine++;
  return { kind: 'machine', mnemonic, operands, loc: { line, col: 3 }, text: `${mnemonic} …` };
}

export function malloc(dst: Reg32, fields: number): PseudoInstr {
  const line = nextLine++;
  return {
    kind: 'malloc',
    dst,
    type: { k: 'tuple', fields: Array.from({ length: fields }, () => ({ t: INT, init: false })) },
    loc: { line, col: 3 },
    text: `malloc ${dst}, ${fields} fields`,
  };
}

export function newarray(dst: Reg32, elem: 'byte' | 'word', length: Reg32 | number): PseudoInstr {
  const line = nextLine++;
  return {
    kind: 'newarray',
    dst,
    elem,
    length: typeof length === 'number' ? { kind: 'imm', value: length } : { kind: 'reg', reg: length },
    loc: { line, col: 3 },
    text: `newarray ${dst}, ${elem}, ${length}`,
  };
}

export function block(label: string, ...instrs: Instr[]): CodeBlock {
  return { label, loc: { line: nextLine++, col: 1 }, instrs };
}

export function bytes(label: string, text: string | Uint8Array): DataItem {
  const init = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return { kind: 'bytes', label, init, loc: { line: nextLine++, col: 1 } };
}

export function words(label: string, init: number[]): DataItem {
  return { kind: 'words', label, init, loc: { line: nextLine++, col: 1 } };
}

export function tuple(label: string, init: number[]): DataItem {
  return { kind: 'tuple', label, init, loc: { line: nextLine++, col: 1 } };
}

export function program(parts: { imports?: string[]; data?: DataItem[]; code: CodeBlock[]; entry?: string; heapSize?: number; stackSize?: number }): Program {
  return {
    file: 'test.tal',
    imports: (parts.imports ?? []).map((name) => ({ name, loc: { line: nextLine++, col: 1 } })),
    types: [],
    data: parts.data ?? [],
    code: parts.code,
    entry: parts.entry ?? 'main',
    heapSize: parts.heapSize ?? 65536,
    stackSize: parts.stackSize ?? 65536,
  };
}

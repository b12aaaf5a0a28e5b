// The global stack bound: where the trusted runtime compares ESP with its limit, and how far
// checked code may descend between two such comparisons. The assembler emits the guards
// (tal/asm/assemble.ts) and the checker bounds the descent (tal/check/checker.ts) from this one
// description, so the two cannot disagree (docs/tal.md, "The stack bound").
//
// Why it is complete: control reaches an instruction either by falling through from the one
// before it in the same block, or by a transfer — a jump, call or return — whose target is a
// code label or the instruction after a call. A guard runs at every code label and after
// every call of program code, so every path from the entry is a sequence of segments, each
// starting with a guard (ESP ≥ limit = entry ESP − .stack/2) and then running straight-line code
// whose ESP the checker tracks exactly: the segment descends at most SEGMENT budget bytes
// below its guard. Hence ESP ≥ entry ESP − .stack everywhere, whatever the path — loops,
// recursion, polymorphic stack variables or labels whose type names no ESP.

import type { Instr, Operand } from './ast.js';

/** Whether an instruction calls program code (a call of an imported system call does not). */
export function callsProgramCode(target: Operand, isImport: (name: string) => boolean): boolean {
  return !(target.kind === 'label' && isImport(target.name));
}

/** A guard runs right after this instruction: a call of program code (its return lands here). */
export function guardAfter(ins: Instr, isImport: (name: string) => boolean): boolean {
  return ins.kind === 'machine' && ins.mnemonic === 'call' && ins.operands.length === 1 && callsProgramCode(ins.operands[0]!, isImport);
}

/**
 * Bytes one segment may descend below the ESP its guard saw, including the return address a
 * call in it pushes: half of the stack (the runtime's limit is the other half, docs/talo.md).
 */
export function segmentBudget(stackBytes: number): number {
  return Math.floor(stackBytes / 2);
}

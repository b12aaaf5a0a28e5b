// The global stack bound: where the trusted runtime compares ESP with its limit, and how far
// checked code may descend between two such comparisons. The assembler emits the guards
// (tal/asm/assemble.ts) and the checker bounds the descent (tal/check/checker.ts) from this one
// description, so the two cannot disagree (docs/tal.md, "The stack bound").
//
// Why it is complete: control reaches an instruction either by falling through from the one
// before it in the same block, or by a jump or call — whose target is a code label — or by a
// return to the instruction after a call. A guard runs at every code label (and before every
// call of program code). A return lands with ESP exactly where the caller's state after the
// call says (the callee cannot pop into the caller's rigid stack variable, and must return with
// exactly the stack its return type names), so the checker follows ESP across a call as across
// a push. Every path from the entry is therefore a sequence of segments, each starting at a
// label's guard (ESP ≥ limit = entry ESP − .stack/2) and then running code whose ESP the
// checker tracks exactly: it descends at most segmentBudget bytes below the guard. Hence
// ESP ≥ entry ESP − .stack everywhere, whatever the path — loops, recursion, polymorphic stack
// variables or labels whose type names no ESP.

import type { Operand } from './ast.js';

/** Whether an instruction calls program code (a call of an imported system call does not). */
export function callsProgramCode(target: Operand, isImport: (name: string) => boolean): boolean {
  return !(target.kind === 'label' && isImport(target.name));
}

/**
 * Bytes one segment may descend below the ESP its guard saw, including the return address a
 * call in it pushes: half of the stack (the runtime's limit is the other half, docs/talo.md).
 */
export function segmentBudget(stackBytes: number): number {
  return Math.floor(stackBytes / 2);
}

// Renders a checker state as a trace entry (the per-instruction log people and
// the editor's inspector read).

import type { Instr } from '../ast.js';
import type { TypeStateEntry } from '../diagnostics.js';
import { REGS32 } from '../types.js';
import { COST, spend } from './limits.js';
import { showFlags, showWord, slotsOf, type State } from './state.js';

export function renderState(s: State, label: string, ins: Instr): TypeStateEntry {
  const regs: Record<string, string> = {};
  for (const r of REGS32) {
    const t = s.regs.get(r);
    if (t !== undefined && t.k !== 'uninit') regs[r] = showWord(t);
  }
  // The trace keeps every entry's strings until the check ends: each slot costs more than a walk.
  spend(s.stack.depth * (COST.traceSlot - COST.slot));
  const stack = slotsOf(s.stack).map(showWord);
  stack.push(s.stack.tail.k === 'nil' ? 'nil' : s.stack.tail.name);
  const facts = [...s.vars].map(([name, kind]) => `${name}:${kind}`);
  if (s.flags !== undefined) facts.push(showFlags(s.flags));
  return { line: ins.loc.line, col: ins.loc.col, label, instruction: ins.text, regs, stack, facts };
}

// The shape every instruction rule has: it takes the state before the
// instruction (a private copy it may change) and says where control goes next.

import type { MachineInstr } from '../ast.js';
import type { Env } from './env.js';
import { fail } from './errors.js';
import type { Pre, State } from './state.js';
import type { Subst } from './subst.js';

/** A transfer of control to a label with the state at the jump. */
export interface Edge {
  target: string;
  state: State;
}

export interface StepOut {
  /** The state after the instruction when control falls through to the next one; undefined when it cannot. */
  next?: State;
  edges: Edge[];
}

export interface RuleCtx {
  env: Env;
  /** Checks that `s` satisfies the precondition of a typed code target, instantiating its ∀ variables; returns the instantiation. */
  enter(s: State, target: string): Subst;
}

/**
 * A rule reads every input of the instruction from `pre` (the state before it) and writes its
 * outputs into `s`, which starts equal to `pre`: reads never see the instruction's own writes.
 */
export type Rule = (s: State, ins: MachineInstr, ctx: RuleCtx, pre: Pre) => StepOut;

export function arity(ins: MachineInstr, ...allowed: number[]): void {
  if (!allowed.includes(ins.operands.length)) {
    fail('E_OPERANDS', `${ins.mnemonic} takes ${allowed.join(' or ')} operand(s), found ${ins.operands.length}`);
  }
}

// The checker's driver: builds the environment (imports, named types, labels),
// then checks every code block by abstract interpretation over the rules,
// iterating to a fixed point at labels without a type annotation.

import type { CodeBlock, Instr, Program } from '../ast.js';
import type { Diagnostic, TypeStateEntry } from '../diagnostics.js';
import { segmentBudget } from '../stack-guard.js';
import { checkEntry } from './entry.js';
import { buildEnv, type Env } from './env.js';
import { CheckError, Diagnostics, fail } from './errors.js';
import { joinStates, sameState } from './join.js';
import { COST, ComplexityError, LIMITS, spend, startWork, workUsed } from './limits.js';
import { renderState } from './render.js';
import type { RuleCtx, StepOut } from './rule.js';
import { ruleFor } from './rules.js';
import { ruleContext } from './rules-control.js';
import { pseudoRule } from './rules-pseudo.js';
import { cloneState, snapshot, stateOfCodeType, type State } from './state.js';
import { resetFreshVars } from './subst.js';

export interface CheckOptions {
  /** Record the type state before every instruction (costs time and memory on big programs). */
  trace?: boolean;
}

export interface CheckOutput {
  diagnostics: Diagnostic[];
  trace: TypeStateEntry[];
  /** visits: blocks checked (with re-checks); work: units of LIMITS.work spent. */
  stats: { instructions: number; blocks: number; visits: number; work: number };
}

/** Characters of type text in one trace entry. */
function entrySize(e: TypeStateEntry): number {
  let n = e.instruction.length;
  for (const t of Object.values(e.regs)) n += t.length;
  for (const t of e.stack) n += t.length;
  for (const t of e.facts) n += t.length;
  return n;
}

/** One straight-line segment may descend at most segmentBudget below its guard, counting a call's return address. */
function checkDescent(env: Env, before: number, after: number, guardSlots: number, ins: Instr): void {
  const pushed = ins.kind === 'machine' && ins.mnemonic === 'call' ? 1 : 0;
  const bytes = (Math.max(before + pushed, after) - guardSlots) * 4;
  const budget = segmentBudget(env.stackBytes);
  if (bytes > budget) {
    fail(
      'E_STACK_LIMIT',
      `the stack goes ${bytes} bytes below the stack guard at the start of the block (its label); at most ${budget} (half of .stack) are allowed`,
      {
        hint: 'split the code with a label (each label checks the stack), keep less on the stack, or raise .stack',
      },
    );
  }
}

function step(s: State, ins: Instr, ctx: RuleCtx): StepOut {
  if (ins.kind === 'machine') {
    const { rule, ins: encoded } = ruleFor(ins);
    return rule(s, encoded, ctx, snapshot(s));
  }
  return pseudoRule(s, ins, ctx.env);
}

/** Blocks waiting to be (re)checked, always taken lowest index first so that checking follows program order. */
class PendingBlocks {
  private readonly heap: number[] = [];
  private readonly queued: Uint8Array;

  constructor(n: number) {
    this.queued = new Uint8Array(n);
  }

  add(b: number): void {
    if (this.queued[b] === 1) return;
    this.queued[b] = 1;
    const h = this.heap;
    h.push(b);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (h[p]! <= h[i]!) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  pop(): number | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]! < h[m]!) m = l;
        if (r < h.length && h[r]! < h[m]!) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    this.queued[top] = 0;
    return top;
  }
}

export function checkProgram(program: Program, opts: CheckOptions = {}): CheckOutput {
  resetFreshVars();
  startWork();
  const diags = new Diagnostics(program.file);
  const env = buildEnv(program, diags);
  checkEntry(program, env, diags);
  const ctx = ruleContext(env);
  const blocks = program.code;
  const entryStates: (State | undefined)[] = blocks.map((b) => {
    const info = env.labels.get(b.label);
    return info?.kind === 'code' && info.type !== undefined ? stateOfCodeType(info.type) : undefined;
  });
  const visits = new Array<number>(blocks.length).fill(0);
  const traces = new Map<number, TypeStateEntry[]>();
  const pending = new PendingBlocks(blocks.length);
  entryStates.forEach((s, i) => s !== undefined && pending.add(i));
  let totalVisits = 0;

  const arrive = (target: number, s: State): void => {
    const info = env.labels.get(blocks[target]!.label);
    if (info?.kind === 'code' && info.type !== undefined) {
      ctx.enter(s, blocks[target]!.label);
      return;
    }
    const old = entryStates[target];
    // The stack guard at the label (tal/stack-guard.ts) is a cmp: what the flags said is gone.
    const arriving = cloneState(s);
    delete arriving.flags;
    const joined = old === undefined ? arriving : joinStates(env, old, arriving);
    if (old === undefined || !sameState(old, joined)) {
      entryStates[target] = joined;
      pending.add(target);
    }
  };

  let traceChars = 0;
  // A complexity limit stops the whole check: the program is refused with what was found so far.
  let exhausted = false;
  for (let b = pending.pop(); b !== undefined && !exhausted; b = pending.pop()) {
    totalVisits++;
    const block = blocks[b]!;
    const blockDiags: Diagnostic[] = [];
    diags.perBlock.set(b, blockDiags);
    if (++visits[b]! > LIMITS.visitsPerBlock) {
      blockDiags.push(diags.make('E_NO_FIXPOINT', block.loc, `the types at '${block.label}' do not settle`, { hint: `annotate it: ${block.label}: code {…}` }));
      continue;
    }
    const trace: TypeStateEntry[] = [];
    if (opts.trace === true) traces.set(b, trace);
    // Rules update the state in place; the block's entry state stays untouched for later joins.
    let s: State | undefined = cloneState(entryStates[b]!);
    // Slots on the stack when the label's stack guard ran.
    const guardSlots = s.stack.depth;
    let stopped: number | undefined;
    const instrs = block.instrs;
    for (let i = 0; i < instrs.length; i++) {
      const ins = instrs[i]!;
      try {
        // Inside the try: the trace spends work too, and running out is a diagnostic.
        if (opts.trace === true && traceChars < LIMITS.traceChars) {
          const entry = renderState(s, block.label, ins);
          traceChars += entrySize(entry);
          trace.push(entry);
          if (traceChars >= LIMITS.traceChars)
            diags.global.push({
              ...diags.make(
                'W_TRACE_LIMIT',
                ins.loc,
                `the trace stops here: it holds ${LIMITS.traceChars.toLocaleString('en-US')} characters of types (limit traceChars); checking went on`,
              ),
              severity: 'warning',
            });
        }
        spend(COST.instruction);
        const out = step(s, ins, ctx);
        if (out.next !== undefined && out.next.stack.depth * 4 > env.stackBytes) {
          throw new CheckError('E_STACK_LIMIT', `the stack would hold at least ${out.next.stack.depth * 4} bytes, more than the program's ${env.stackBytes}`, {
            hint: 'keep less on the stack, or raise it with .stack N',
          });
        }
        if (out.next !== undefined) {
          checkDescent(env, s.stack.depth, out.next.stack.depth, guardSlots, ins);
        }
        for (const e of out.edges) {
          const info = env.labels.get(e.target);
          if (info?.kind !== 'code') throw new CheckError('E_JUMP_TARGET', `'${e.target}' is not a code label`);
          arrive(info.block, e.state);
        }
        s = out.next;
      } catch (e) {
        if (!(e instanceof CheckError)) throw e;
        blockDiags.push(diags.fromCheckError(e, ins.loc, ins.text));
        if (e instanceof ComplexityError) exhausted = true;
        s = undefined;
        break;
      }
      if (s === undefined) {
        stopped = i;
        break;
      }
    }
    // Instructions after a jmp or ret with no label before them: no path runs them, so none checked them.
    const dead = stopped === undefined ? undefined : block.instrs[stopped + 1];
    if (dead !== undefined)
      blockDiags.push(
        diags.make('E_UNREACHABLE', dead.loc, `no path reaches '${dead.text}' (it follows '${block.instrs[stopped!]!.text}'), so it was not checked`, {
          instruction: dead.text,
          hint: 'delete it, or give it a label that something jumps to',
        }),
      );
    if (s !== undefined) {
      const last = block.instrs[block.instrs.length - 1];
      const loc = last?.loc ?? block.loc;
      if (b + 1 >= blocks.length)
        blockDiags.push(
          diags.make('E_FALLOFF', loc, `control falls off the end of the program after '${last?.text ?? block.label}'`, {
            hint: 'end with ret, jmp or a call to exit_group',
          }),
        );
      else {
        try {
          arrive(b + 1, s);
        } catch (e) {
          if (!(e instanceof CheckError)) throw e;
          blockDiags.push(diags.fromCheckError(e, loc, `(falling through into '${blocks[b + 1]!.label}')`));
          if (e instanceof ComplexityError) exhausted = true;
        }
      }
    }
  }

  const diagnostics = [...diags.global];
  const trace: TypeStateEntry[] = [];
  let instructions = 0;
  blocks.forEach((_block: CodeBlock, i) => {
    instructions += blocks[i]!.instrs.length;
    diagnostics.push(...(diags.perBlock.get(i) ?? []));
    trace.push(...(traces.get(i) ?? []));
  });
  // A label no path reaches was never checked, so the program cannot be accepted with it. When
  // another error stopped checking, that error may be why: the label is only mentioned then.
  const failed = diagnostics.some((d) => d.severity === 'error');
  blocks.forEach((block, i) => {
    if (entryStates[i] !== undefined || block.instrs.length === 0) return;
    const message = `'${block.label}' is never reached, so it was not checked`;
    diagnostics.push(
      failed
        ? { ...diags.make('W_UNREACHABLE', block.loc, message), severity: 'warning' }
        : diags.make('E_UNREACHABLE', block.loc, message, { hint: 'delete it, or jump to it' }),
    );
  });
  diagnostics.sort((x, y) => x.line - y.line || x.col - y.col);
  return { diagnostics, trace, stats: { instructions, blocks: blocks.length, visits: totalVisits, work: workUsed() } };
}

// One program through the whole method: check it with the trace, build the
// instrumented image, run it, and classify what happened.

import type { Program } from '../ast.js';
import { checkSource } from '../check-source.js';
import { instrument, VIOLATION_MARKER, VIOLATION_STATUS } from './instrument.js';
import { runI386, type I386Run } from './run-i386.js';

export type Outcome =
  /** The checker refused the program: nothing to validate. */
  | { kind: 'rejected'; code: string }
  /** Accepted, but the instrumentation could not be built (a bug in the validator, reported as such). */
  | { kind: 'instrument-error'; error: string }
  /** Every claim held on the path the program took. */
  | { kind: 'validated'; run: I386Run; points: number; forms: string[] }
  /** A claim did not hold: a likely checker bug. */
  | { kind: 'violation'; message: string; run: I386Run }
  /** A run that ended in a fault or the time limit without a violation report (not a soundness verdict). */
  | { kind: 'inconclusive'; run: I386Run };

export interface ValidateOptions {
  args?: string[];
  timeoutMs?: number;
}

export async function validateSource(source: string, file: string, opts: ValidateOptions = {}): Promise<Outcome> {
  const check = checkSource(source, file, { trace: true });
  if (!check.ok) return { kind: 'rejected', code: check.diagnostics.find((d) => d.severity === 'error')?.code ?? '?' };
  const inst = instrument(source, file, check);
  if (!inst.ok) return { kind: 'instrument-error', error: inst.error };
  const run = await runI386(inst.out.elf, opts);
  return classify(run, inst.out.points, formsOf(check.program!));
}

/** The instruction forms a program uses: mnemonic and operand kinds, e.g. `add r32, m32`. */
export function formsOf(p: Program): string[] {
  const out = new Set<string>();
  for (const b of p.code) {
    for (const ins of b.instrs) {
      if (ins.kind !== 'machine') {
        out.add(ins.kind === 'newarray' ? `newarray ${ins.elem}, ${ins.length.kind === 'reg' ? 'r32' : 'imm'}` : ins.kind);
        continue;
      }
      const ops = ins.operands.map((o) => (o.kind === 'reg' ? (/^e/.test(o.reg) ? 'r32' : /[lh]$/.test(o.reg) ? 'r8' : 'r16') : o.kind === 'mem' ? `m${8 * (o.size ?? 4)}` : o.kind));
      out.add(`${ins.mnemonic}${ops.length > 0 ? ' ' : ''}${ops.join(', ')}`);
    }
  }
  return [...out];
}

export function classify(run: I386Run, points: number, forms: string[] = []): Outcome {
  const at = run.stderr.indexOf(VIOLATION_MARKER);
  if (run.status === VIOLATION_STATUS && at >= 0) {
    return { kind: 'violation', message: run.stderr.slice(at).split('\n')[0]!, run };
  }
  if (run.timedOut || run.status === undefined) return { kind: 'inconclusive', run };
  return { kind: 'validated', run, points, forms };
}

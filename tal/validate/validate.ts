// One program through the whole method: check it with the trace, build the
// instrumented image, run it (on this host, or wherever an ImageRunner runs
// it), and classify what happened.

import type { Program } from '../ast.js';
import { checkSource } from '../check-source.js';
import { instrument, VIOLATION_MARKER, VIOLATION_STATUS, type Instrumented } from './instrument.js';
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

/**
 * Runs an instrumented image somewhere: on this host (runI386) or in the
 * guest in kernel mode (bench/unchecked-instrumented-guest.ts). Where the
 * program's two output streams cannot be told apart, both hold all of it.
 */
export interface ImageRunner {
  run(inst: Instrumented, opts: ValidateOptions): Promise<I386Run>;
}

/** This host: the static ELF, natively or through qemu-i386 (tal/host-i386.ts). */
export const HOST: ImageRunner = { run: (inst, opts) => runI386(inst.elf, opts) };

/** An accepted program, instrumented and ready to run anywhere; or the outcome that ends it here. */
export type Prepared = { ok: true; inst: Instrumented; forms: string[] } | { ok: false; outcome: Outcome };

/** Checks the program with the trace and builds its instrumented image. */
export function prepare(source: string, file: string): Prepared {
  const check = checkSource(source, file, { trace: true });
  if (!check.ok) return { ok: false, outcome: { kind: 'rejected', code: check.diagnostics.find((d) => d.severity === 'error')?.code ?? '?' } };
  const inst = instrument(source, file, check);
  if (!inst.ok) return { ok: false, outcome: { kind: 'instrument-error', error: inst.error } };
  return { ok: true, inst: inst.out, forms: formsOf(check.program!) };
}

/** Runs a prepared program on `runner` and classifies what happened. */
export async function runPrepared(p: Prepared, runner: ImageRunner, opts: ValidateOptions = {}): Promise<Outcome> {
  if (!p.ok) return p.outcome;
  return classify(await runner.run(p.inst, opts), p.inst.points, p.forms);
}

/** One program through the whole method, run on this host. */
export function validateSource(source: string, file: string, opts: ValidateOptions = {}): Promise<Outcome> {
  return runPrepared(prepare(source, file), HOST, opts);
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
      const ops = ins.operands.map((o) =>
        o.kind === 'reg' ? (/^e/.test(o.reg) ? 'r32' : /[lh]$/.test(o.reg) ? 'r8' : 'r16') : o.kind === 'mem' ? `m${8 * (o.size ?? 4)}` : o.kind,
      );
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

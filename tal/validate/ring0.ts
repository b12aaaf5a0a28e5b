// The same instrumented image in the guest in kernel mode: ring 0, where the
// checker's claims are what keeps the kernel safe. A run there is judged
// against the host run of the same image: every claim must hold in ring 0
// too, and the program must end the same way and print the same.

import type { Instrumented } from './instrument.js';
import type { I386Run } from './run-i386.js';
import { classify, type ImageRunner, type Outcome, type ValidateOptions } from './validate.js';

/** A run in ring 0: what a host run reports, and what shows it really ran in ring 0. */
export interface Ring0Run extends I386Run {
  /** System calls that went through the kernel's direct gates (ring 0 only; every image makes one: exit_group). */
  directCalls: number;
  /** Why the image never ran in ring 0 (refused, exec failed). */
  notRun?: string;
  /** The image took the emulator down (the guest was restarted). */
  guestLost?: boolean;
}

/** Runs instrumented images in the guest in kernel mode (bench/unchecked-instrumented-guest.ts). */
export interface Ring0Runner extends ImageRunner {
  run(inst: Instrumented, opts: ValidateOptions): Promise<Ring0Run>;
}

export type Ring0Verdict =
  /** Every claim held in ring 0, with the host's exit status and output. */
  | { kind: 'agrees' }
  /** A claim broke in ring 0. */
  | { kind: 'violation'; message: string }
  /** Ring 0 and the host disagree, or the image did not run in ring 0 at all. */
  | { kind: 'mismatch'; message: string }
  /** The guest's time limit ended it (a loaded machine, not a verdict). */
  | { kind: 'inconclusive' };

/** The ring-0 run of an image judged against the host run that validated it. */
export function judgeRing0(host: Extract<Outcome, { kind: 'validated' }>, r: Ring0Run): Ring0Verdict {
  if (r.guestLost) return { kind: 'mismatch', message: 'the image took the guest down in ring 0' };
  if (r.notRun !== undefined) return { kind: 'mismatch', message: `the image did not run in ring 0 (${r.notRun})` };
  const o = classify(r, 0);
  if (o.kind === 'violation') return { kind: 'violation', message: o.message };
  if (r.timedOut) return { kind: 'inconclusive' };
  if (r.directCalls === 0) return { kind: 'mismatch', message: 'no system call went through a ring-0 gate: the image did not run in kernel mode' };
  if (r.status !== host.run.status || r.signal !== host.run.signal) {
    return { kind: 'mismatch', message: `ring 0 ended with ${ending(r)}, the host with ${ending(host.run)}` };
  }
  // The guest's console merges the two streams; the host's, put together, must match it (in order whenever one
  // of them is empty, as it is for the generated programs and the examples compared).
  const printed = host.run.stdout + host.run.stderr;
  if (r.stdout !== printed)
    return { kind: 'mismatch', message: `ring 0 printed ${JSON.stringify(r.stdout.slice(0, 200))}, the host ${JSON.stringify(printed.slice(0, 200))}` };
  return { kind: 'agrees' };
}

function ending(r: I386Run): string {
  return r.signal !== undefined ? r.signal : `status ${r.status}`;
}

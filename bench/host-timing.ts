// The host side of the lab: how long the checker and the assembler take on
// the paper's programs, and how long it takes from TAL source to the
// program's first output in the guest (check, assemble, sign, deliver, run).

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { buildSource, checkSource } from '../tal/index.js';
import { VmError } from '../main/vm/index.js';
import type { BenchGuest } from './bench-guest.js';
import { summarize, type Summary } from './stats.js';
import type { ExecMode } from '../main/runner/admission.js';
import type { TalLauncher } from './tal-launcher.js';

export interface ToolchainTiming {
  file: string;
  sourceLines: number;
  /** Instructions in the checked program. */
  instructions: number;
  imageBytes: number;
  checkMs: Summary;
  /** checkSource + assemble + sign (buildSource with a key): the whole host pipeline. */
  buildMs: Summary;
}

export async function timeToolchain(file: string, source: string, repeats: number): Promise<ToolchainTiming> {
  const key = randomBytes(32);
  const checked = checkSource(source, file);
  if (!checked.ok) throw new Error(`${file} does not check`);
  const first = buildSource(source, file, { key });
  if (!first.ok || first.talo === undefined) throw new Error(`${file} does not build`);
  const checkMs: number[] = [];
  const buildMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    let t = performance.now();
    checkSource(source, file);
    checkMs.push(performance.now() - t);
    t = performance.now();
    buildSource(source, file, { key });
    buildMs.push(performance.now() - t);
  }
  return {
    file,
    sourceLines: source.split('\n').length,
    instructions: checked.stats.instructions,
    imageBytes: first.talo.length,
    checkMs: summarize(checkMs),
    buildMs: summarize(buildMs),
  };
}

export interface FirstOutputTiming {
  file: string;
  mode: ExecMode;
  /** The output that counts as "first output". */
  marker: string;
  buildMs: number;
  deliverMs: number;
  /** From sending the command to the guest shell until the marker arrived on the console. */
  runMs: number;
  totalMs: number;
}

/**
 * Source text to the first output of the program in the guest. A program that
 * keeps running after its first output (a server) is interrupted with Ctrl-C.
 */
export async function timeFirstOutput(
  guest: BenchGuest,
  launcher: TalLauncher,
  mode: ExecMode,
  name: string,
  source: string,
  args: readonly string[],
  marker: string,
): Promise<FirstOutputTiming> {
  const t0 = performance.now();
  const { file, bytes } = launcher.build(name, source, mode);
  const t1 = performance.now();
  await guest.install(file, bytes);
  const t2 = performance.now();
  let seenAt: number | null = null;
  let text = '';
  let onSeen = () => {};
  const seen = new Promise<void>((resolve) => (onSeen = resolve));
  const exec = guest.vm.exec(launcher.command(name, mode, args), {
    timeoutMs: 60_000,
    onOutput: (chunk) => {
      text += chunk;
      if (seenAt === null && text.includes(marker)) {
        seenAt = performance.now();
        onSeen();
      }
    },
  });
  const ended = exec.then(
    () => 'exited' as const,
    (error: unknown) => error,
  );
  const first = await Promise.race([seen.then(() => 'seen' as const), ended]);
  if (first === 'seen' && seenAt !== null) {
    if ((await Promise.race([ended, Promise.resolve('running' as const)])) === 'running') {
      await guest.vm.interrupt(0);
      const outcome = await ended;
      if (outcome instanceof VmError && outcome.code !== 'INTERRUPTED') throw outcome;
    }
  } else {
    throw new Error(`${name} (${mode}) ended without printing ${JSON.stringify(marker)}: ${first instanceof Error ? first.message : text}`);
  }
  return { file: `${name}.tal`, mode, marker, buildMs: t1 - t0, deliverMs: t2 - t1, runMs: seenAt - t2, totalMs: seenAt - t0 };
}

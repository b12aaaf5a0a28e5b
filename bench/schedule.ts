// Runs one experiment in every mode, alternating: a warm-up cycle through the
// modes, then cycles user, user-sysenter, kernel, user, user-sysenter, kernel,
// ... so that drift in the host (other load, the emulator's JIT) spreads over
// all modes instead of favouring one.

import type { BenchContext, Experiment, Sample } from './experiments/experiment.js';
import { summarize, type Summary } from './stats.js';
import type { ExecMode } from '../main/runner/admission.js';

export interface ModeResult {
  mode: ExecMode;
  /** Why this mode was not run; absent when it was. */
  unavailable?: string;
  /** Measured samples in the order taken (warm-up excluded). */
  samples: Sample[];
  value?: Summary;
  instructions?: Summary;
}

export interface ExperimentResult {
  experiment: Experiment;
  modes: ModeResult[];
}

export type ProgressListener = (message: string) => void;

/** A counter shared by all experiments of a session, so every run gets its own number (echod uses it for its port). */
export interface RunCounter {
  next(): number;
}

export function runCounter(): RunCounter {
  let n = 0;
  return { next: () => n++ };
}

export async function runExperiment(
  ctx: BenchContext,
  experiment: Experiment,
  runs: RunCounter,
  progress: ProgressListener = () => {},
): Promise<ExperimentResult> {
  const modes: ModeResult[] = experiment.modes.map((mode) => {
    const unavailable = ctx.launcher.unavailable(mode);
    return unavailable === null ? { mode, samples: [] } : { mode, unavailable, samples: [] };
  });
  const runnable = modes.filter((m) => m.unavailable === undefined);
  if (runnable.length === 0) return { experiment, modes };

  progress(`${experiment.id}: preparing`);
  await experiment.prepare(ctx);
  const { warmupCycles, cycles } = ctx.params;
  for (let cycle = 0; cycle < warmupCycles + cycles; cycle++) {
    const warmup = cycle < warmupCycles;
    for (const m of runnable) {
      const sample = await experiment.measure(ctx, m.mode, runs.next());
      progress(
        `${experiment.id}: ${warmup ? 'warm-up' : `cycle ${cycle - warmupCycles + 1}/${cycles}`} ${m.mode}: ` +
          `${round(sample.value)} ${experiment.unit}, ${Math.round(sample.instructions)} instructions`,
      );
      if (!warmup) m.samples.push(sample);
    }
  }
  for (const m of runnable) {
    m.value = summarize(m.samples.map((s) => s.value));
    m.instructions = summarize(m.samples.map((s) => s.instructions));
  }
  return { experiment, modes };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

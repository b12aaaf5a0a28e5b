// What every experiment provides to the schedule: how to prepare the guest
// once, and how to take one measurement in one mode.

import type { BenchGuest } from '../bench-guest.js';
import type { Figure, Measure } from '../../main/app/paper-figures.js';
import type { ExecMode } from '../../main/runner/admission.js';
import type { TalLauncher } from '../tal-launcher.js';

export type { Figure, Measure } from '../../main/app/paper-figures.js';

export interface BenchParams {
  /** Untimed cycles through every mode before the measured ones (JIT warm-up). */
  warmupCycles: number;
  /** Measured cycles; each runs every mode once, in the same order (user, user-sysenter, kernel, user, ...). */
  cycles: number;
  treeDirs: number;
  treeFiles: number;
  getpidCalls: number;
  echoMessages: number;
  echoMessageBytes: number;
}

export interface BenchContext {
  guest: BenchGuest;
  launcher: TalLauncher;
  params: BenchParams;
  /** Source text of tal/examples/NAME.tal. */
  source(name: string): Promise<string>;
}

/** One measurement: the experiment's figure by the guest clock, and the v86 instructions behind it. */
export interface Sample {
  value: number;
  instructions: number;
}

export interface Experiment {
  id: string;
  title: string;
  /** What `value` is, e.g. "ns per getpid". */
  metric: string;
  unit: string;
  /** What `instructions` counts, e.g. "per call". */
  instructionsPer: string;
  /** Modes this experiment can run in at all (the C trap loop has no kernel mode). */
  modes: readonly ExecMode[];
  /** The comparison the results file reports for this experiment (the paper's, when it has one). */
  headline: Measure;
  paper?: Figure;
  /** What we aim for (reported, not asserted). */
  target?: Figure;
  prepare(ctx: BenchContext): Promise<void>;
  measure(ctx: BenchContext, mode: ExecMode, run: number): Promise<Sample>;
}

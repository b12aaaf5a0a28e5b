// The system-call microbenchmark on the TAL program getpid_loop, measured from
// outside with timeit: the cost of one getpid is the difference between
// `getpid_loop N` and `getpid_loop 0`, divided by N, so process start-up,
// argument parsing and exit cancel out. The baseline is the least of a few
// `getpid_loop 0` runs: noise only ever adds time, and one slow baseline
// would otherwise make a short loop look free.

import { GUEST_BIN, numberField, parseToolLine } from '../bench-guest.js';
import { PAPER_FIGURES } from '../../main/app/paper-figures.js';
import type { Experiment } from './experiment.js';
import { installProgram, RUN_MODES } from '../tal-launcher.js';

export const getpidExperiment: Experiment = {
  id: 'getpid',
  title: 'getpid (TAL getpid_loop)',
  metric: 'ns per getpid',
  unit: 'ns',
  instructionsPer: 'per call',
  modes: RUN_MODES,
  headline: 'times-cheaper',
  paper: PAPER_FIGURES.getpid,
  target: { measure: 'times-cheaper', value: 5, text: 'direct gate ≥ 5× cheaper than the faster trap' },

  async prepare(ctx) {
    await installProgram(ctx.guest, ctx.launcher, 'getpid_loop', await ctx.source('getpid_loop'));
  },

  async measure(ctx, mode) {
    const calls = ctx.params.getpidCalls;
    const timed = async (n: number) => {
      const command = `${GUEST_BIN}/timeit /dev/null ${ctx.launcher.command('getpid_loop', mode, [String(n)])}`;
      const run = await ctx.guest.check(command);
      const fields = parseToolLine(run.output, 'timeit');
      if (numberField(fields, 'status', run.output) !== 0) throw new Error(`getpid_loop ${n} (${mode}) failed:\n${run.output}`);
      return { ns: numberField(fields, 'ns', run.output), instructions: run.instructions };
    };
    const bases = [await timed(0), await timed(0), await timed(0)];
    const loop = await timed(calls);
    const baseNs = Math.min(...bases.map((b) => b.ns));
    const baseInstructions = Math.min(...bases.map((b) => b.instructions));
    return { value: (loop.ns - baseNs) / calls, instructions: (loop.instructions - baseInstructions) / calls };
  },
};

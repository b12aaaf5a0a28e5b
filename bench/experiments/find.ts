// The paper's first experiment: TAL find walking a generated tree on tmpfs.
// Output goes to a file on tmpfs (never the serial console); after each timed
// run the line count is checked against the tree, outside the timing.

import { GUEST_BIN, GUEST_WORK, numberField, parseToolLine } from '../bench-guest.js';
import { PAPER_FIGURES } from '../../main/app/paper-figures.js';
import type { Experiment } from './experiment.js';
import { installProgram, RUN_MODES } from '../tal-launcher.js';

export const TREE_ROOT = `${GUEST_WORK}/tree`;
const OUTPUT = `${GUEST_WORK}/find.out`;

/** The experiment remembers how many entries its generated tree has, to check every walk's output. */
export function createFindExperiment(): Experiment {
  let expectedLines = 0;
  return {
    id: 'find',
    title: 'find (TAL find over the tree)',
    metric: 'ms per walk',
    unit: 'ms',
    instructionsPer: 'per walk',
    modes: RUN_MODES,
    headline: 'percent-lower',
    paper: PAPER_FIGURES.find,
    target: { measure: 'percent-lower', value: 14, text: 'kernel mode ≥ 14% faster (goal ≥ 20%)' },

    async prepare(ctx) {
      const { treeDirs, treeFiles } = ctx.params;
      await installProgram(ctx.guest, ctx.launcher, 'find', await ctx.source('find'));
      const made = await ctx.guest.check(`rm -rf ${TREE_ROOT} && ${GUEST_BIN}/mktree ${TREE_ROOT} ${treeDirs} ${treeFiles}`, 600_000);
      expectedLines = numberField(parseToolLine(made.output, 'mktree'), 'entries', made.output);
    },

    async measure(ctx, mode) {
      const run = await ctx.guest.check(`${GUEST_BIN}/timeit ${OUTPUT} ${ctx.launcher.command('find', mode, [TREE_ROOT])}`, 600_000);
      const fields = parseToolLine(run.output, 'timeit');
      if (numberField(fields, 'status', run.output) !== 0) throw new Error(`find (${mode}) failed:\n${run.output}`);
      const lines = Number((await ctx.guest.check(`wc -l < ${OUTPUT}`)).output.trim());
      if (lines !== expectedLines) throw new Error(`find (${mode}) printed ${lines} lines; the tree has ${expectedLines} entries`);
      return { value: numberField(fields, 'ns', run.output) / 1e6, instructions: run.instructions };
    },
  };
}

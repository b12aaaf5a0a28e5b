// The bare trap paths, as a reference for getpid: a C loop (bench/guest/
// getpid_gate.c) calling getpid through `int 0x80` or the vDSO's sysenter,
// timed inside the loop. It has no kernel mode: it shows what one trap costs
// without the TAL program's stubs around it.

import { GUEST_BIN, numberField, parseToolLine } from '../bench-guest.js';
import type { Experiment } from './experiment.js';
import type { ExecMode } from '../../main/runner/admission.js';
import { USER_MODES } from '../tal-launcher.js';

const GATE: Readonly<Partial<Record<ExecMode, string>>> = { user: 'int80', 'user-sysenter': 'sysenter' };

export const trapLoopExperiment: Experiment = {
  id: 'getpid-c',
  title: 'getpid (C loop, trap only)',
  metric: 'ns per getpid',
  unit: 'ns',
  instructionsPer: 'per call',
  modes: USER_MODES,
  headline: 'times-cheaper',

  async prepare() {},

  async measure(ctx, mode) {
    const calls = ctx.params.getpidCalls;
    const timed = async (n: number) => {
      const run = await ctx.guest.check(`${GUEST_BIN}/getpid_gate ${GATE[mode]!} ${n}`);
      const fields = parseToolLine(run.output, 'getpid_gate');
      return { ns: numberField(fields, 'ns', run.output), instructions: run.instructions };
    };
    const base = await timed(0);
    const loop = await timed(calls);
    return { value: loop.ns / calls, instructions: (loop.instructions - base.instructions) / calls };
  },
};

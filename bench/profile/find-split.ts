// bench:profile --split: find over a small and a large tree in every mode,
// with exact instruction counts (v86's counter, telemetry off) and the walk's
// own system calls (one walk with telemetry on, records of its pid), so that
// what kernel mode pays once per exec (loading and checking the signed image)
// and what it saves per call show apart. Sampling cannot: v86 samples only
// where it leaves compiled code (see sampled-guest.ts).

import { GUEST_WORK, shellQuote } from '../bench-guest.js';
import type { TelemetryReader } from '../../main/vm/index.js';
import type { ExecMode } from '../../main/runner/admission.js';
import { RUN_MODES, type TaloLauncher } from '../tal-launcher.js';
import type { SampledGuest } from './sampled-guest.js';
import { splitCosts, type CostSplit, type WalkCount } from './split.js';

const PID_FILE = `${GUEST_WORK}/find.pid`;

export interface ModeSplit extends CostSplit {
  mode: ExecMode;
  small: WalkCount;
  large: WalkCount;
}

/** The shell command that records its pid and becomes the walk (talexec execs the image in the same process). */
function walkCommand(launcher: TaloLauncher, mode: ExecMode, tree: string): string {
  return `sh -c ${shellQuote(`echo $$ > ${PID_FILE}; exec ${launcher.command('find', mode, [tree])} > /dev/null`)}`;
}

async function countWalk(guest: SampledGuest, telemetry: TelemetryReader, command: string, runs: number): Promise<WalkCount> {
  await guest.exec(command); // warm-up: page cache, dentries, the JIT
  const start = (await telemetry.counters()).nextSeq;
  await telemetry.setEnabled(true);
  try {
    await guest.exec(command);
  } finally {
    await telemetry.setEnabled(false);
  }
  const pid = Number((await guest.exec(`cat ${PID_FILE}`)).trim());
  const batch = await telemetry.readSince(start);
  if (batch.dropped > 0)
    throw new Error(`telemetry dropped ${batch.dropped} records of the walk: use a smaller tree (--dirs 200 --files 2000 stays inside the ring)`);
  const calls = batch.records.filter((r) => r.pid === pid).length;
  let instructions = 0;
  for (let i = 0; i < runs; i++) instructions += (await guest.sample(command)).instructions;
  return { instructions: instructions / runs, calls };
}

/** Split each mode's walk into per-exec and per-call instructions; the trees must exist. */
export async function measureFindSplit(
  guest: SampledGuest,
  launcher: TaloLauncher,
  telemetry: TelemetryReader,
  trees: { small: string; large: string },
  runs: number,
): Promise<ModeSplit[]> {
  const splits: ModeSplit[] = [];
  for (const mode of RUN_MODES) {
    const small = await countWalk(guest, telemetry, walkCommand(launcher, mode, trees.small), runs);
    const large = await countWalk(guest, telemetry, walkCommand(launcher, mode, trees.large), runs);
    splits.push({ mode, small, large, ...splitCosts(small, large) });
  }
  return splits;
}

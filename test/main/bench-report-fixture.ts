// Result files as `npm run bench` writes them (typed by bench/report.ts's
// BenchReport, points made by its benchPoints), with chosen medians, for the
// benchmarks view's tests, written by the benchmark's own writeReport.

import path from 'node:path';
import { PAPER_FIGURES } from '../../main/app/paper-figures.js';
import type { SpeedBound } from '../../bench/bounds.js';
import { benchPoints, writeReport, type BenchReport, type ExperimentReport } from '../../bench/report.js';
import { percentLower } from '../../bench/stats.js';

/** Median time per mode: [user int 0x80, user sysenter, kernel]. */
type Medians = readonly [number, number, number];

export interface FixtureRun {
  startedAt: string;
  cpu: string;
  cores: number;
  node: string;
  getpid: Medians;
  find: Medians;
  echod: Medians;
  bounds?: SpeedBound[];
}

const EXPERIMENTS = [
  { id: 'getpid', title: 'getpid (TAL getpid_loop)', metric: 'ns per getpid', unit: 'ns' },
  { id: 'find', title: 'find (TAL find over the tree)', metric: 'ms per walk', unit: 'ms' },
  { id: 'echod', title: 'echod (TAL echo server, loopback TCP)', metric: 'µs median round trip', unit: 'µs' },
] as const;

function experiment(e: (typeof EXPERIMENTS)[number], [int80, sysenter, kernel]: Medians): ExperimentReport {
  const summary = (median: number) => ({ runs: 1, median, min: median, max: median });
  const mode = (m: 'user' | 'user-sysenter' | 'kernel', label: string, v: number) => ({
    mode: m,
    label,
    value: summary(v),
    instructions: summary(1000),
    samples: [{ value: v, instructions: 1000 }],
  });
  const user = Math.min(int80, sysenter);
  const paper = PAPER_FIGURES[e.id];
  const measures = { 'times-cheaper': user / kernel, 'percent-lower': percentLower(user, kernel), difference: user - kernel };
  return {
    ...e,
    instructionsPer: 'per run',
    paper,
    modes: [mode('user', 'user, int 0x80', int80), mode('user-sysenter', 'user, sysenter', sysenter), mode('kernel', 'kernel, direct gate', kernel)],
    comparison: {
      fasterTrap: int80 <= sysenter ? 'user' : 'user-sysenter',
      user,
      kernel,
      timesCheaper: measures['times-cheaper'],
      percentLower: measures['percent-lower'],
      difference: measures.difference,
      instructionsTimesFewer: 1,
      headline: measures[paper.measure],
      target: {
        measure: 'percent-lower',
        value: 10,
        text: 'kernel mode ≥ 10% faster',
        achieved: measures['percent-lower'],
        met: measures['percent-lower'] >= 10,
      },
    },
  };
}

export function benchReport(run: FixtureRun): BenchReport {
  const experiments = EXPERIMENTS.map((e) => experiment(e, run[e.id]));
  return {
    format: 1,
    kind: 'tal-lab-bench',
    startedAt: run.startedAt,
    finishedAt: run.startedAt,
    quick: false,
    host: { cpu: run.cpu, cores: run.cores, memoryGiB: 8, os: 'Linux 6.1 x64', node: run.node, loadAverage1m: 0.5 },
    guest: { kernel: 'Linux 6.1.192 i386', memoryMiB: 128, imagesDigest: 'ff00af4d07c36f70', emulator: 'v86 0.5.462' },
    launcher: 'talexec',
    params: {},
    experiments,
    toolchain: [],
    firstOutput: [],
    bounds: run.bounds ?? [],
    notes: [],
    points: benchPoints(experiments, []),
  };
}

/** Writes the run with the benchmark's own writer (bench-<stamp>.json|.md, latest.json|.md); returns the JSON file's name. */
export async function writeBenchReport(dir: string, run: FixtureRun): Promise<string> {
  const written = await writeReport(benchReport(run), dir);
  return path.basename(written[0]!);
}

// The benchmark's arithmetic and its outputs, without a guest: summaries,
// the comparison with the faster trap path, the points the lab's benchmarks
// view reads (checked with its own reader), the tool-line parser and the
// command-line options.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readBenchResults } from '../../main/app/bench-results.js';
import { BenchError, numberField, parseToolLine, shellQuote } from '../../bench/bench-guest.js';
import type { Experiment } from '../../bench/experiments/experiment.js';
import {
  benchPoints,
  compare,
  experimentReport,
  formatMarkdown,
  formatTable,
  tableRows,
  writeReport,
  type BenchReport,
  type ExperimentReport,
} from '../../bench/report.js';
import { parseBenchArgs, QUICK_PARAMS } from '../../bench/run-bench.js';
import type { ExperimentResult } from '../../bench/schedule.js';
import { percentLower, summarize } from '../../bench/stats.js';
import type { ExecMode } from '../../main/runner/admission.js';
import { RUN_MODES } from '../../bench/tal-launcher.js';

test('summaries: median of odd and even counts, min, max; bad input is an error', () => {
  assert.deepEqual(summarize([5, 1, 3]), { runs: 3, median: 3, min: 1, max: 5 });
  assert.deepEqual(summarize([4, 1, 3, 2]), { runs: 4, median: 2.5, min: 1, max: 4 });
  assert.throws(() => summarize([]), /no values/);
  assert.throws(() => summarize([1, NaN]), /not a finite number/);
  assert.equal(percentLower(200, 150), 25);
});

function experiment(id: string, over: Partial<Experiment> = {}): Experiment {
  return {
    id,
    title: `${id} title`,
    metric: 'ms per walk',
    unit: 'ms',
    instructionsPer: 'per walk',
    modes: RUN_MODES,
    headline: 'percent-lower',
    paper: { measure: 'percent-lower', value: 14, text: '14% faster' },
    target: { measure: 'percent-lower', value: 14, text: '≥ 14%' },
    prepare: async () => {},
    measure: async () => ({ value: 0, instructions: 0 }),
    ...over,
  };
}

function result(exp: Experiment, values: Partial<Record<ExecMode, number[]>>, unavailable: Partial<Record<ExecMode, string>> = {}): ExperimentResult {
  return {
    experiment: exp,
    modes: exp.modes.map((mode) => {
      const v = values[mode];
      if (unavailable[mode]) return { mode, unavailable: unavailable[mode]!, samples: [] };
      const samples = (v ?? []).map((value) => ({ value, instructions: value * 1000 }));
      return v ? { mode, samples, value: summarize(v), instructions: summarize(samples.map((s) => s.instructions)) } : { mode, samples };
    }),
  };
}

/** A report of these experiments, as run-bench writes it, with the fields a test cares about overridden. */
function benchReport(experiments: ExperimentReport[], over: Partial<BenchReport> = {}): BenchReport {
  return {
    format: 1,
    kind: 'tal-lab-bench',
    startedAt: '2026-01-02T03:04:05.678Z',
    finishedAt: '2026-01-02T03:14:05.678Z',
    quick: false,
    host: { cpu: 'test' },
    guest: { kernel: 'test' },
    launcher: 'test',
    params: { ...QUICK_PARAMS },
    experiments,
    toolchain: [],
    firstOutput: [],
    bounds: [],
    notes: [],
    points: benchPoints(experiments, []),
    ...over,
  };
}

test('kernel mode is compared with the faster of the two trap paths', () => {
  const c = compare(result(experiment('find'), { user: [120, 100, 110], 'user-sysenter': [100, 90, 95], kernel: [70, 80, 75] }))!;
  assert.equal(c.fasterTrap, 'user-sysenter');
  assert.equal(c.user, 95);
  assert.equal(c.kernel, 75);
  assert.ok(Math.abs(c.percentLower - (20 / 95) * 100) < 1e-9);
  assert.equal(c.difference, 20);
  assert.equal(c.headline, c.percentLower);
  assert.ok(Math.abs(c.instructionsTimesFewer - 95 / 75) < 1e-9);
  assert.equal(c.target?.met, true);

  const slow = compare(result(experiment('find'), { user: [100], 'user-sysenter': [120], kernel: [95] }))!;
  assert.equal(slow.fasterTrap, 'user');
  assert.equal(slow.target?.met, false, '5% is below the 14% target');
  assert.equal(compare(result(experiment('find'), { user: [1], 'user-sysenter': [1] }, { kernel: 'no loader' })), undefined);
});

test('a per-call median that noise pushed to zero or below is not compared, and the report says why and stays readable', async () => {
  const getpid = experiment('getpid', { unit: 'ns', headline: 'times-cheaper' });
  const trap = experiment('getpid-c', { modes: ['user', 'user-sysenter'], unit: 'ns', headline: 'times-cheaper' });
  const cases = [
    experimentReport(result(getpid, { user: [300], 'user-sysenter': [250], kernel: [-4] })),
    experimentReport(result(getpid, { user: [0], 'user-sysenter': [250], kernel: [12] })),
    experimentReport(result(trap, { user: [700], 'user-sysenter': [0] })),
  ];
  for (const r of cases) {
    assert.equal(r.comparison, undefined);
    assert.equal(r.trapComparison, undefined, 'no ratio with a zero denominator');
    assert.match(r.unresolved ?? '', /not above zero/);
  }
  assert.match(cases[0]!.unresolved!, /kernel \(-4\)/);
  assert.match(formatTable(tableRows(benchReport(cases))), /not compared: the median of kernel/);
  const dir = await mkdtemp(path.join(tmpdir(), 'tal-bench-unresolved-'));
  await writeReport(benchReport(cases, { quick: true }), dir);
  const read = await readBenchResults(dir);
  assert.deepEqual(read.problems, []);
  assert.match(read.runs[0]!.ratios[0]!.oursBasis ?? '', /not above zero/);
  assert.equal(read.runs[0]!.ratios[0]!.ours, undefined);
});

test('points for the benchmarks view pass its reader, with the paper figure paired by name', async () => {
  const getpid = experiment('getpid', {
    unit: 'ns',
    headline: 'times-cheaper',
    paper: { measure: 'times-cheaper', value: 36, text: '432 → 12 cycles' },
    target: { measure: 'times-cheaper', value: 5, text: '≥ 5×' },
  });
  const echod = experiment('echod', {
    unit: 'µs',
    headline: 'difference',
    paper: { measure: 'difference', value: 4, text: '4 µs' },
    target: { measure: 'percent-lower', value: 10, text: '≥ 10%' },
  });
  const trap = experiment('getpid-c', { modes: ['user', 'user-sysenter'], unit: 'ns', headline: 'times-cheaper' });
  delete trap.paper;
  const reports = [
    experimentReport(result(getpid, { user: [1000], 'user-sysenter': [800], kernel: [100] })),
    experimentReport(result(echod, { user: [130], 'user-sysenter': [128], kernel: [120] })),
    experimentReport(result(experiment('find'), { user: [300], 'user-sysenter': [280] }, { kernel: 'no loader' })),
    experimentReport(result(trap, { user: [700], 'user-sysenter': [600] })),
  ];
  assert.equal(reports[3]!.trapComparison?.faster, 'user-sysenter');
  const report = benchReport(reports, {
    bounds: [
      { id: 'restore', what: 'restoreState of a running guest', unit: 'ms', target: 1000, value: 340, met: true },
      { id: 'cold-boot', what: 'cold boot to a shell prompt', unit: 'ms', target: 8000, value: 24_000, met: false },
    ],
    notes: ['kernel mode not measured for find'],
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'tal-bench-report-'));
  const written = await writeReport(report, dir);
  assert.deepEqual((await readdir(dir)).sort(), ['bench-2026-01-02T03-04-05-678Z.json', 'bench-2026-01-02T03-04-05-678Z.md', 'latest.json', 'latest.md']);
  assert.equal(written.length, 4);
  assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'latest.json'), 'utf8')), report);

  const read = await readBenchResults(dir);
  assert.deepEqual(read.problems, []);
  assert.equal(read.runs.length, 1);
  const run = read.runs[0]!;
  const headline = (name: string) => run.points.find((p) => p.name === name)!;
  assert.deepEqual([headline('getpid').ours, headline('getpid').paper, headline('getpid').unit], [8, 36, '×']);
  assert.deepEqual([headline('echod').ours, headline('echod').paper, headline('echod').unit], [8, 4, 'µs']);
  assert.equal(
    run.points.find((p) => p.name === 'find'),
    undefined,
    'no headline without kernel mode',
  );
  assert.deepEqual(
    run.ratios.map((r) => [r.experiment, r.ours === undefined ? r.oursBasis : r.ours]),
    [
      ['getpid', 8],
      ['echod', 128 / 120],
      ['find', 'kernel mode not run: no loader'],
    ],
  );
  assert.ok(run.points.some((p) => p.name === 'find user-sysenter' && p.ours === 280));

  const table = formatTable(tableRows(report));
  assert.match(table, /getpid title .*8\.00× .*vs user-sysenter/);
  assert.match(table, /find title .*not run .*kernel mode not run/);
  const md = formatMarkdown(report);
  assert.match(md, /^\| experiment \|/m);
  assert.match(md, /^\| restoreState of a running guest \| 340 ms \| ≤ 1000 ms \| met \|$/m);
  assert.match(md, /^\| cold boot to a shell prompt \| 24000 ms \| ≤ 8000 ms \| MISSED \|$/m);
  assert.match(md, /MISSED: 6\.25% \(≥ 10%\)/, 'echod misses its 10% target');
});

test('tool lines: fields parsed, a missing line or field is a BAD_OUTPUT error', () => {
  const out = 'noise\ntimeit status=0 ns=123456\n';
  const fields = parseToolLine(out, 'timeit');
  assert.equal(numberField(fields, 'ns', out), 123456);
  const missing = (() => {
    try {
      parseToolLine(out, 'mktree');
    } catch (error) {
      return error;
    }
    return null;
  })();
  assert.ok(missing instanceof BenchError && missing.code === 'BAD_OUTPUT');
  assert.throws(
    () => numberField({ ns: '12x' }, 'ns', out),
    (e: unknown) => e instanceof BenchError && e.code === 'BAD_OUTPUT',
  );
  assert.throws(() => numberField({}, 'status', out), /status missing/);
  assert.equal(shellQuote('/tmp/a-b_c.1'), '/tmp/a-b_c.1');
  assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
});

test('command-line options', () => {
  const quick = parseBenchArgs(['--quick', '--out', '/tmp/x']);
  assert.equal(quick.quick, true);
  assert.equal(quick.outDir, '/tmp/x');
  assert.deepEqual(quick.params, QUICK_PARAMS);
  const full = parseBenchArgs(['--cycles', '7', '--warmup', '0', '--only', 'find,echod']);
  assert.equal(full.params.cycles, 7);
  assert.equal(full.params.warmupCycles, 0);
  assert.deepEqual(full.only, ['find', 'echod']);
  assert.match(full.outDir, /bench[/\\]results$/);
  assert.throws(() => parseBenchArgs(['--cycles', '0']), /--cycles must be an integer ≥ 1/);
  assert.throws(() => parseBenchArgs(['--bogus']), /Unknown option/);
});

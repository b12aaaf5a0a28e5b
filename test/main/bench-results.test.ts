// Reading bench/results/*.json for the benchmarks view: one run per file,
// newest first, dated and labelled with its machine; kernel-mode speed-ups as
// ratios beside the paper's; speed goals; old files still read; unreadable
// files reported, not dropped.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readBenchResults } from '../../main/app/bench-results.js';
import { writeBenchReport } from './bench-report-fixture.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'tal-lab-bench-'));

test('a missing or empty directory means no results yet', async () => {
  const missing = path.join(tmpdir(), 'tal-lab-no-such-dir');
  assert.deepEqual(await readBenchResults(missing), { directory: missing, runs: [], problems: [] });
  const empty = await tempDir();
  await writeFile(path.join(empty, 'quick'), 'a file where quick/ would be');
  assert.deepEqual(await readBenchResults(empty), { directory: empty, runs: [], problems: [] });
});

test('full reports: newest first, machine and guest, ratios beside the paper, goals', async () => {
  const dir = await tempDir();
  const older = await writeBenchReport(dir, {
    startedAt: '2026-11-20T08:00:00.000Z',
    cpu: 'Old CPU',
    cores: 4,
    node: 'v20.1.0',
    getpid: [900, 800, 200],
    find: [120, 130, 100],
    echod: [150, 160, 160],
  });
  const newer = await writeBenchReport(dir, {
    startedAt: '2026-11-25T10:09:12.111Z',
    cpu: 'Intel(R) Xeon(R) Processor',
    cores: 2,
    node: 'v20.20.2',
    getpid: [806, 758, 173],
    find: [106, 110, 86],
    echod: [154, 183, 160],
    bounds: [{ id: 'cold-boot', what: 'cold boot to a shell prompt', unit: 'ms', target: 8000, value: 9120.4, met: false }],
  });
  const r = await readBenchResults(dir);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.runs.map((run) => run.file),
    [newer, older],
    'newest first; latest.json (a copy) not counted',
  );
  const run = r.runs[0]!;
  assert.equal(run.startedAt, '2026-11-25T10:09:12.111Z');
  assert.equal(run.dated, 'recorded');
  assert.deepEqual(run.machine, { cpu: 'Intel(R) Xeon(R) Processor', cores: 2, node: 'v20.20.2', os: 'Linux 6.1 x64', memoryGiB: 8, loadAverage1m: 0.5 });
  assert.equal(run.guest, 'Linux 6.1.192 i386, 128 MiB, v86 0.5.462');
  assert.deepEqual(
    run.ratios.map((x) => [x.experiment, x.ours, x.paper]),
    [
      ['getpid', 758 / 173, 36],
      ['find', 106 / 86, 100 / 86],
      ['echod', 154 / 160, undefined],
    ],
    'faster trap ÷ kernel; the trap-only reference has no ratio',
  );
  assert.equal(run.ratios[0]!.oursBasis, 'user-sysenter 758 ns ÷ kernel 173 ns');
  assert.match(run.ratios[2]!.paperBasis, /4 µs shorter.*no ratio/);
  assert.deepEqual(run.goals?.at(-1), { what: 'cold boot to a shell prompt', measured: '9120 ms', target: '≤ 8000 ms', met: false });
  assert.deepEqual(
    run.goals?.slice(0, 3).map((g) => g.met),
    [true, true, false],
  );
  assert.ok(run.points.some((p) => p.name === 'find' && p.paper === 14));
});

test('old files: bare points, arrays and {points}, dated by file name or mtime, without machine', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'a-find.json'), JSON.stringify({ name: 'find', metric: 'kernel-mode speedup', ours: 20, unit: '%' }));
  await writeFile(
    path.join(dir, 'bench-2026-11-01T09-00-00-000Z.json'),
    JSON.stringify([
      { name: 'echod user', metric: 'median µs', ours: 150, unit: 'µs' },
      { name: 'echod user-sysenter', metric: 'median µs', ours: 140, unit: 'µs' },
      { name: 'echod kernel', metric: 'median µs', ours: 100, unit: 'µs' },
    ]),
  );
  await writeFile(path.join(dir, 'c-getpid.json'), JSON.stringify({ points: [{ name: 'getpid', metric: 'ns per call', ours: 330, paper: 12, unit: 'ns' }] }));
  await utimes(path.join(dir, 'a-find.json'), new Date('2026-10-01T00:00:00Z'), new Date('2026-10-01T00:00:00Z'));
  await utimes(path.join(dir, 'c-getpid.json'), new Date('2026-10-02T00:00:00Z'), new Date('2026-10-02T00:00:00Z'));
  await writeFile(path.join(dir, 'notes.txt'), 'ignored: not json');
  const r = await readBenchResults(dir);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.runs.map((run) => [run.file, run.startedAt, run.dated, run.machine]),
    [
      ['bench-2026-11-01T09-00-00-000Z.json', '2026-11-01T09:00:00.000Z', 'file-name', undefined],
      ['c-getpid.json', '2026-10-02T00:00:00.000Z', 'file-time', undefined],
      ['a-find.json', '2026-10-01T00:00:00.000Z', 'file-time', undefined],
    ],
  );
  const [echod, getpid, find] = r.runs;
  assert.deepEqual(
    echod!.ratios.map((x) => [x.experiment, x.ours, x.oursBasis]),
    [['echod', 1.4, 'user-sysenter 140 µs ÷ kernel 100 µs']],
  );
  assert.equal(find!.ratios[0]!.ours, undefined, 'a headline figure alone is no ratio');
  assert.equal(find!.ratios[0]!.paper, 100 / 86);
  assert.deepEqual(
    find!.points.map((p) => [p.name, p.ours, p.paper]),
    [['find', 20, 14]],
  );
  assert.deepEqual(
    getpid!.points.map((p) => [p.name, p.ours, p.paper]),
    [['getpid', 330, 12]],
    "the file's own paper figure wins",
  );
  assert.equal(getpid!.goals, undefined);
});

test('quick runs are read from quick/ and marked', async () => {
  const dir = await tempDir();
  await mkdir(path.join(dir, 'quick'));
  await writeBenchReport(path.join(dir, 'quick'), {
    startedAt: '2026-11-26T00:00:00.000Z',
    cpu: 'c',
    cores: 1,
    node: 'v20',
    getpid: [2, 2, 1],
    find: [2, 2, 1],
    echod: [2, 2, 1],
  });
  const r = await readBenchResults(dir);
  assert.deepEqual(
    r.runs.map((run) => [run.file, run.quick]),
    [['quick/bench-2026-11-26T00-00-00-000Z.json', true]],
  );
});

test('broken, wrong and oversized files are reported with the reason', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'broken.json'), '{"name": ');
  await writeFile(path.join(dir, 'wrong.json'), JSON.stringify({ name: 'find', ours: 'fast' }));
  await writeFile(path.join(dir, 'half-report.json'), JSON.stringify({ kind: 'tal-lab-bench', startedAt: 'yesterday', points: [] }));
  await writeFile(path.join(dir, 'huge.json'), `[${' '.repeat(5 * 1024 * 1024)}]`);
  await mkdir(path.join(dir, 'folder.json'));
  const r = await readBenchResults(dir);
  assert.deepEqual(r.runs, []);
  assert.deepEqual(r.problems.map((p) => p.split(':')[0]).sort(), ['broken.json', 'half-report.json', 'huge.json', 'wrong.json']);
  assert.match(r.problems.find((p) => p.startsWith('half-report.json'))!, /startedAt/);
  assert.match(r.problems.find((p) => p.startsWith('huge.json'))!, /larger than a result file/);
});

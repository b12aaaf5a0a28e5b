// `npm run bench -- --quick` end to end, so the benchmark cannot rot: one
// cycle per mode on a tiny tree, in a real guest resumed from the VM
// service's snapshot, results written where the benchmarks view reads them.

import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readBenchResults } from '../../main/app/bench-results.js';
import { parseBenchArgs, runBench } from '../../bench/run-bench.js';

test('the quick benchmark runs every experiment and writes a report the lab can read', async () => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'tal-bench-quick-'));
  const log: string[] = [];
  const options = { ...parseBenchArgs(['--quick', '--out', outDir]), log: (m: string) => log.push(m) };
  const { report, files } = await runBench(options);

  assert.equal(report.quick, true);
  assert.deepEqual(
    report.experiments.map((e) => e.id),
    ['getpid', 'getpid-c', 'find', 'echod'],
  );
  const kernelRan = report.experiments.find((e) => e.id === 'find')!.modes.find((m) => m.mode === 'kernel')!.value !== undefined;
  for (const e of report.experiments) {
    for (const m of e.modes) {
      if (m.mode === 'kernel' && !kernelRan) {
        assert.match(m.unavailable ?? '', /talexec/);
        continue;
      }
      // Per-call times are a difference of two timed runs (loop minus empty loop); in quick mode
      // (20,000 calls, one cycle) host noise can push a ~170 ns difference below zero, so only
      // whole-run values must be positive. The instruction counts below are deterministic.
      assert.ok(m.value !== undefined && Number.isFinite(m.value.median), `${e.id} ${m.mode}: ${JSON.stringify(m)}`);
      if (!e.id.startsWith('getpid')) assert.ok(m.value.median > 0, `${e.id} ${m.mode}: ${JSON.stringify(m)}`);
      assert.equal(m.samples.length, 1, 'quick mode: one cycle');
      assert.ok(m.instructions!.median > 0, `${e.id} ${m.mode} instructions`);
    }
    // Compared, or (a per-call median that noise pushed to zero or below) said why not, and the report stays readable.
    const positive = e.modes.every((m) => m.value === undefined || m.value.median > 0);
    if (kernelRan && e.modes.some((m) => m.mode === 'kernel')) assert.ok(positive ? e.comparison : e.unresolved && !e.comparison, `${e.id} compared`);
  }
  if (!kernelRan) assert.ok(report.notes.some((n) => n.includes('kernel mode not measured')));
  assert.deepEqual(
    report.toolchain.map((t) => t.file),
    ['find.tal', 'echod.tal'],
  );
  assert.ok(report.toolchain.every((t) => t.checkMs.median > 0 && t.buildMs.median >= t.checkMs.min));
  assert.equal(report.firstOutput.length, 1);
  assert.ok(report.firstOutput[0]!.totalMs > report.firstOutput[0]!.runMs);
  assert.ok(log.some((line) => line.startsWith('find: cycle 1/1')));
  // Every speed goal was measured and judged against its target; whether it was met depends on the machine.
  assert.deepEqual(
    report.bounds.map((b) => b.id),
    ['aggregate-100k', 'check-worst', 'cold-boot', 'restore', 'resume', 'ring0-sigkill', 'ring0-ctrl-c', 'transitions-frames', 'disassembly-frames'],
  );
  for (const b of report.bounds) {
    assert.ok(Number.isFinite(b.value) && b.value >= 0, JSON.stringify(b));
    assert.equal(b.met, b.value <= b.target, JSON.stringify(b));
  }

  assert.equal(files.length, 4);
  assert.ok((await readdir(outDir)).includes('latest.md'));
  const read = await readBenchResults(outDir);
  assert.deepEqual(read.problems, []);
  assert.equal(read.runs.length, 1);
  assert.ok(read.runs[0]!.points.some((p) => p.name === 'find user' && p.unit === 'ms'));
});

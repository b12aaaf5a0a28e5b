// Reading bench/results/*.json for the benchmarks view: the accepted shapes,
// the paper's figures filled in, and unreadable files reported, not dropped.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readBenchResults } from '../../main/app/bench-results.js';

test('a missing or empty directory means no results yet', async () => {
  const missing = path.join(tmpdir(), 'tal-lab-no-such-dir');
  assert.deepEqual(await readBenchResults(missing), { directory: missing, files: [], points: [], problems: [] });
  const empty = await mkdtemp(path.join(tmpdir(), 'tal-lab-bench-'));
  assert.deepEqual((await readBenchResults(empty)).points, []);
});

test('single points, arrays and {points}; paper figures filled in by name', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tal-lab-bench-'));
  await writeFile(path.join(dir, 'a-find.json'), JSON.stringify({ name: 'find', metric: 'kernel-mode speedup', ours: 20, unit: '%' }));
  await writeFile(path.join(dir, 'b-echod.json'), JSON.stringify([{ name: 'echod', metric: 'latency reduction', ours: 9.5, unit: 'µs' }]));
  await writeFile(path.join(dir, 'c-getpid.json'), JSON.stringify({ points: [{ name: 'getpid', metric: 'ns per call', ours: 330, paper: 12, unit: 'ns' }] }));
  await writeFile(path.join(dir, 'notes.txt'), 'ignored: not json');
  await writeFile(path.join(dir, 'latest.json'), JSON.stringify({ name: 'find', metric: 'kernel-mode speedup', ours: 20, unit: '%' })); // a copy of the newest run
  const r = await readBenchResults(dir);
  assert.deepEqual(r.files, ['a-find.json', 'b-echod.json', 'c-getpid.json']);
  assert.deepEqual(
    r.points.map((p) => [p.name, p.ours, p.paper]),
    [
      ['find', 20, 14],
      ['echod', 9.5, 4],
      ['getpid', 330, 12],
    ],
  );
  assert.deepEqual(r.problems, []);
});

test('broken files are reported with the reason', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tal-lab-bench-'));
  await writeFile(path.join(dir, 'broken.json'), '{"name": ');
  await writeFile(path.join(dir, 'wrong.json'), JSON.stringify({ name: 'find', ours: 'fast' }));
  const r = await readBenchResults(dir);
  assert.deepEqual(r.points, []);
  assert.equal(r.problems.length, 2);
  assert.match(r.problems[0]!, /^broken\.json: /);
  assert.match(r.problems[1]!, /^wrong\.json: /);
});

// The benchmarks view in Chromium (web shell, no guest needed): three result
// files of different dates and machines in a temporary results folder. The
// picker lists them newest first by date and machine; picking a run switches
// the chart and the tables; the ratios shown are the files' own medians
// (faster user mode ÷ kernel mode) beside the paper's.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';
import { writeBenchReport } from '../main/bench-report-fixture.js';

test('benchmarks view: runs newest first by date and machine, the picker switches the chart, ratios match the files', async (t) => {
  const benchResultsDir = await mkdtemp(path.join(tmpdir(), 'tal-lab-bench-ui-'));
  // Written out of date order: the view sorts by the recorded start time.
  await writeBenchReport(benchResultsDir, {
    startedAt: '2026-11-25T10:09:12.111Z',
    cpu: 'Intel(R) Xeon(R) Processor',
    cores: 2,
    node: 'v20.20.2',
    getpid: [806, 758, 173],
    find: [106, 110, 86],
    echod: [154, 183, 160],
    bounds: [
      { id: 'cold-boot', what: 'cold boot to a shell prompt', unit: 'ms', target: 8000, value: 9120, met: false },
      { id: 'restore', what: 'restoreState of a running guest', unit: 'ms', target: 1000, value: 340, met: true },
    ],
  });
  await writeBenchReport(benchResultsDir, {
    startedAt: '2026-09-01T07:30:00.000Z',
    cpu: 'AMD EPYC 7B13',
    cores: 8,
    node: 'v20.11.0',
    getpid: [2000, 2100, 250],
    find: [300, 290, 240],
    echod: [120, 125, 100],
  });
  await writeBenchReport(benchResultsDir, {
    startedAt: '2026-10-15T12:00:00.000Z',
    cpu: 'Apple M2',
    cores: 10,
    node: 'v22.3.0',
    getpid: [500, 400, 100],
    find: [50, 60, 45],
    echod: [90, 95, 92],
  });
  // An old-format file: no date or machine recorded, dated by its name.
  await writeFile(
    path.join(benchResultsDir, 'bench-2026-08-01T00-00-00-000Z.json'),
    JSON.stringify({ name: 'find', metric: 'kernel-mode speedup', ours: 31.5, unit: '%' }),
  );

  const shell = await startWebShell({ paths: { ...resolveLabPaths(), benchResultsDir }, port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, 'lab-benchmarks');
  t.after(() => b.close());
  const { page } = b;

  await page.click('#tab-benchmarks');
  const picker = page.getByRole('combobox', { name: 'Benchmark run' });
  await picker.waitFor();
  assert.deepEqual(await page.locator('#bench-run option').allTextContents(), [
    '2026-11-25 10:09 UTC — Intel(R) Xeon(R) Processor, 2 cores, Node v20.20.2',
    '2026-10-15 12:00 UTC — Apple M2, 10 cores, Node v22.3.0',
    '2026-09-01 07:30 UTC — AMD EPYC 7B13, 8 cores, Node v20.11.0',
    '2026-08-01 00:00 UTC — machine not recorded',
  ]);

  const ratios = async (): Promise<string[][]> =>
    page
      .locator('#bench-ratios tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-experiment')!, r.querySelector('.ours')!.textContent!, r.querySelector('.paper')!.textContent!]),
      );
  // The newest run: faster trap ÷ kernel from its medians; the paper's 36× getpid, 14% faster find (100/86), echod a difference only.
  assert.deepEqual(await ratios(), [
    ['getpid', '4.38×', '36.0×'],
    ['find', '1.23×', '1.16×'],
    ['echod', '0.96×', '—'],
  ]);
  // The chart has the same numbers, one accessible name per bar, on one axis.
  await page.getByRole('img', { name: /^getpid, ours: 4\.38× \(user-sysenter 758 ns ÷ kernel 173 ns\)/ }).waitFor();
  await page.getByRole('img', { name: /^echod, paper: no ratio/ }).waitFor();
  assert.equal(await page.locator('.ratio-chart').count(), 1);
  assert.equal(await page.locator('.ratio-chart .axis-one').count(), 1);
  const goals = await page
    .locator('#bench-goals tbody tr')
    .evaluateAll((rows) => rows.map((r) => [r.querySelector('th')!.textContent!, r.querySelector('.verdict')!.textContent!]));
  assert.deepEqual(goals.slice(-2), [
    ['cold boot to a shell prompt', 'MISSED'],
    ['restoreState of a running guest', 'met'],
  ]);
  assert.match((await page.textContent('#bench-run-about')) ?? '', /guest Linux 6\.1\.192 i386, 128 MiB/);
  await b.shot('benchmarks-newest');

  await picker.selectOption({ label: '2026-09-01 07:30 UTC — AMD EPYC 7B13, 8 cores, Node v20.11.0' });
  assert.deepEqual(await ratios(), [
    ['getpid', '8.00×', '36.0×'],
    ['find', '1.21×', '1.16×'],
    ['echod', '1.20×', '—'],
  ]);
  await page.getByRole('img', { name: /^getpid, ours: 8\.00×/ }).waitFor();
  assert.equal(await page.getByRole('img', { name: /^getpid, ours: 4\.38×/ }).count(), 0, 'the chart switched with the picker');
  assert.equal(await page.locator('#bench-goals-none').count(), 0, 'experiment targets are goals too');
  await b.shot('benchmarks-picked-older');

  await picker.selectOption({ index: 3 });
  assert.deepEqual(await ratios(), [['find', '—', '1.16×']]);
  assert.match((await page.textContent('#bench-points')) ?? '', /31\.5 %/);
  assert.equal(await page.locator('#bench-goals-none').count(), 1);

  // A new run appears on reload, at the top, and the picked run stays picked.
  await writeBenchReport(benchResultsDir, {
    startedAt: '2026-12-01T09:00:00.000Z',
    cpu: 'Intel(R) Xeon(R) Processor',
    cores: 2,
    node: 'v20.20.2',
    getpid: [600, 600, 200],
    find: [100, 100, 80],
    echod: [150, 150, 140],
  });
  await page.click('#bench-refresh');
  await page.waitForFunction(() => document.querySelectorAll('#bench-run option').length === 5);
  assert.match((await page.locator('#bench-run option').first().textContent()) ?? '', /^2026-12-01 09:00 UTC/);
  assert.equal(await picker.inputValue(), 'bench-2026-08-01T00-00-00-000Z.json');

  assert.deepEqual(b.errors, []);
});

// The transitions view in Chromium, fed by main's real aggregator at the rate
// main pushes (4 snapshots a second) while thousands of syscalls a second
// arrive: counters, swimlane, rate and cost charts, and the side-by-side runs
// render. Whether the page stays smooth (long tasks) is a speed goal measured
// by `npm run bench` (bench/bounds.ts). The guest test covers the same view
// with telemetry from the guest kernel.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TelemetryAggregator } from '../../main/app/telemetry-aggregator.js';
import { syscallName, type ProgramRun } from '../../main/app/integration.js';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';

const GETPID = 20;
const WRITE = 4;

test('transitions view: aggregates at thousands of syscalls per second', async (t) => {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, 'lab-transitions');
  t.after(() => b.close());
  const { page } = b;
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
  await page.click('#tab-transitions');

  let now = Date.now();
  const agg = new TelemetryAggregator(syscallName, () => now);
  let seq = 0;
  const run = (path: 'trap' | 'direct', total: number, ns: number): ProgramRun => {
    const records = Array.from({ length: 2048 }, (_, i) => ({ seq: seq++, nr: i % 50 === 0 ? WRITE : GETPID, ns: ns + (i % 7) }));
    const count = (nr: number): number => records.filter((r) => r.nr === nr).length;
    return {
      pid: 100,
      path,
      total,
      notItemized: total - 2048,
      calls: [
        { nr: GETPID, path, count: count(GETPID), totalNs: ns * count(GETPID) },
        { nr: WRITE, path, count: count(WRITE), totalNs: ns * count(WRITE) },
      ],
      records,
    };
  };

  // The whole guest's counters while runs go on, pushed 4 times a second: the live rate chart.
  let counters = { trap: 0, direct: 0 };
  for (let tick = 0; tick < 8; tick++) {
    counters = { trap: counters.trap + (tick < 4 ? 0 : 1250), direct: counters.direct + (tick < 4 ? 1250 : 0) };
    agg.observeCounters(counters);
    now += 250;
    agg.tick();
    shell.socket.broadcast('telemetry', agg.snapshot());
    await new Promise((r) => setTimeout(r, 250));
  }
  agg.addRun({ mode: 'kernel', file: 'getpid_loop.tal', status: 'exited', exitCode: 0, wallMs: 2000, pid: 100 }, run('direct', 100_003, 260));
  agg.addRun({ mode: 'user', file: 'getpid_loop.tal', status: 'exited', exitCode: 0, wallMs: 9000, pid: 101 }, run('trap', 100_002, 1100));
  shell.socket.broadcast('telemetry', agg.snapshot());

  await page.waitForFunction(() => document.getElementById('count-trap')?.textContent === '100,002');
  assert.equal(await page.textContent('#count-direct'), '100,003');
  assert.equal(await page.locator('#rate-chart .uplot').count(), 1);
  assert.equal(await page.locator('#cost-chart .uplot').count(), 1);
  const compare = (await page.textContent('#run-compare')) ?? '';
  assert.match(compare, /user mode — getpid_loop\.tal/);
  assert.match(compare, /trapped: 100,002, direct: 0/);
  assert.match(compare, /kernel mode — getpid_loop\.tal/);
  assert.match(compare, /trapped: 0, direct: 100,003/);
  // Side by side: ratios of the runs and the per-call cost difference.
  assert.match(compare, /kernel mode took 0\.22× the wall time of user mode/);
  assert.match(compare, /getpid: 260 ns direct vs 1,100 ns trapped — 840 ns \(4\.2×\) cheaper per call/);
  // The lane adds up to the run: the user run's lane ends with its own calls, after an "earlier calls" span.
  assert.match((await page.getAttribute('#swimlane', 'aria-label')) ?? '', /^earlier calls trap ×\d[\d,]*; /);
  // The swimlane drew something in both lanes: sample the canvas.
  const inked = await page.evaluate(() => {
    const c = document.getElementById('swimlane') as HTMLCanvasElement;
    const g = c.getContext('2d')!;
    const rowInk = (y: number): number => {
      const d = g.getImageData(0, y, c.width, 1).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! < 200 || d[i + 2]! < 200) n++;
      return n;
    };
    return { user: rowInk(60), kernel: rowInk(120) };
  });
  assert.ok(inked.user > 0 && inked.kernel > 0, JSON.stringify(inked));
  await b.shot('transitions');
  assert.deepEqual(b.errors, []);
});

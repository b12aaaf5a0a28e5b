// The transitions view in Chromium, fed by main's real aggregator at the rate
// main pushes (4 snapshots a second) while thousands of syscalls a second
// arrive: counters, swimlane, rate and cost charts, and the side-by-side runs
// render. Whether the page stays smooth (long tasks) is a speed goal measured
// by `npm run bench` (bench/bounds.ts). The guest test covers the same view
// with telemetry from the guest kernel.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TelemetryAggregator } from '../../main/app/telemetry-aggregator.js';
import { syscallName, type SyscallEvent } from '../../main/app/integration.js';
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
  const batch = (n: number, path: 'trap' | 'direct', ns: number): SyscallEvent[] =>
    Array.from({ length: n }, (_, i) => ({ seq: seq++, nr: i % 50 === 0 ? WRITE : GETPID, path, durationNs: ns + (i % 7), pid: 100 }));

  // Kernel-mode run: 2 s of direct calls at 5,000/s, pushed 4 times a second.
  agg.beginRun('kernel');
  for (let tick = 0; tick < 8; tick++) {
    agg.ingest(batch(1250, 'direct', 260));
    now += 250;
    agg.tick();
    shell.socket.broadcast('telemetry', agg.snapshot());
    await new Promise((r) => setTimeout(r, 250));
  }
  agg.endRun({ mode: 'kernel', file: 'getpid_loop.tal', status: 'exited', exitCode: 0, wallMs: 2000 });
  // User-mode run: traps, slower per call.
  agg.beginRun('user');
  for (let tick = 0; tick < 4; tick++) {
    agg.ingest(batch(1250, 'trap', 1100));
    now += 250;
    agg.tick();
    shell.socket.broadcast('telemetry', agg.snapshot());
    await new Promise((r) => setTimeout(r, 250));
  }
  agg.endRun({ mode: 'user', file: 'getpid_loop.tal', status: 'exited', exitCode: 0, wallMs: 1000 });
  shell.socket.broadcast('telemetry', agg.snapshot());

  await page.waitForFunction(() => document.getElementById('count-trap')?.textContent === '5000');
  assert.equal(await page.textContent('#count-direct'), '10000');
  assert.match((await page.textContent('.counter-trap .counter-rate')) ?? '', /^5000\/s$/);
  assert.equal(await page.locator('#rate-chart .uplot').count(), 1);
  assert.equal(await page.locator('#cost-chart .uplot').count(), 1);
  const compare = (await page.textContent('#run-compare')) ?? '';
  assert.match(compare, /user mode — getpid_loop\.tal/);
  assert.match(compare, /trapped: 5000, direct: 0/);
  assert.match(compare, /kernel mode — getpid_loop\.tal/);
  assert.match(compare, /trapped: 0, direct: 10000/);
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

// The aggregation behind the transitions view: counts and mean costs per
// (syscall, path), merged transition spans in a bounded window, rates,
// per-run summaries, and a cost independent of the syscall rate.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRANSITION_WINDOW } from '../../main/ipc/contract.js';
import { TelemetryAggregator } from '../../main/app/telemetry-aggregator.js';
import type { SyscallEvent } from '../../main/app/integration.js';

const names: Record<number, string> = { 4: 'write', 20: 'getpid' };
const nameOf = (nr: number): string => names[nr] ?? `syscall ${nr}`;
let seq = 0;
const ev = (nr: number, path: 'trap' | 'direct', durationNs: number): SyscallEvent => ({ seq: seq++, nr, path, durationNs, pid: 42 });

test('totals, per-syscall means and merged spans', () => {
  const agg = new TelemetryAggregator(nameOf);
  agg.ingest([ev(20, 'trap', 1000), ev(20, 'trap', 3000), ev(4, 'trap', 5000), ev(20, 'direct', 300), ev(20, 'direct', 100)]);
  const s = agg.snapshot();
  assert.deepEqual(s.totals, { trap: 3, direct: 2 });
  assert.deepEqual(
    s.stats.map((r) => [r.name, r.path, r.count, r.meanNs]),
    [
      ['getpid', 'direct', 2, 200],
      ['getpid', 'trap', 2, 2000],
      ['write', 'trap', 1, 5000],
    ],
  );
  assert.deepEqual(
    s.recent.map((r) => [r.name, r.path, r.count, r.meanNs]),
    [
      ['getpid', 'trap', 2, 2000],
      ['write', 'trap', 1, 5000],
      ['getpid', 'direct', 2, 200],
    ],
  );
  assert.equal(nameOf(999), 'syscall 999');
});

test('the transition window stays bounded', () => {
  const agg = new TelemetryAggregator(nameOf);
  const events: SyscallEvent[] = [];
  for (let i = 0; i < 1000; i++) events.push(ev(i % 2 ? 4 : 20, i % 3 ? 'trap' : 'direct', 10));
  agg.ingest(events);
  assert.equal(agg.snapshot().recent.length, TRANSITION_WINDOW);
  assert.equal(agg.snapshot().recent.at(-1)!.seq, events.at(-1)!.seq);
});

test('rates per second over the tick interval', () => {
  let now = 1000;
  const agg = new TelemetryAggregator(nameOf, () => now);
  agg.ingest(Array.from({ length: 500 }, () => ev(20, 'direct', 1)));
  now += 250;
  agg.tick();
  assert.deepEqual(agg.snapshot().ratePerSec, { trap: 0, direct: 2000 });
  now += 500;
  agg.tick();
  assert.deepEqual(agg.snapshot().ratePerSec, { trap: 0, direct: 0 });
});

test('a run summary holds only that run’s syscalls; the last run per mode is kept side by side', () => {
  const agg = new TelemetryAggregator(nameOf);
  agg.ingest([ev(4, 'trap', 1)]); // before any run: the guest shell
  agg.beginRun('user');
  agg.ingest([ev(20, 'trap', 1000), ev(20, 'trap', 1000)]);
  const user = agg.endRun({ mode: 'user', file: 'getpid_loop.tal', status: 'exited', exitCode: 0, wallMs: 12 });
  assert.deepEqual(user.syscalls.map((r) => [r.name, r.path, r.count]), [['getpid', 'trap', 2]]);
  agg.beginRun('kernel');
  agg.ingest([ev(20, 'direct', 100), ev(20, 'direct', 100)]);
  agg.endRun({ mode: 'kernel', file: 'getpid_loop.tal', status: 'exited', exitCode: 0, wallMs: 3 });
  const runs = agg.snapshot().lastRuns;
  assert.equal(runs.user?.syscalls[0]?.path, 'trap');
  assert.equal(runs.kernel?.syscalls[0]?.path, 'direct');
  agg.reset();
  assert.deepEqual(agg.snapshot().lastRuns, {});
  assert.deepEqual(agg.snapshot().totals, { trap: 0, direct: 0 });
});

test('takeChanged reports visible changes once', () => {
  const agg = new TelemetryAggregator(nameOf);
  assert.equal(agg.takeChanged(), true);
  assert.equal(agg.takeChanged(), false);
  agg.ingest([]);
  assert.equal(agg.takeChanged(), false);
  agg.ingest([ev(20, 'trap', 1)]);
  assert.equal(agg.takeChanged(), true);
});

test('100k syscall events aggregate into a snapshot whose size does not grow with them', () => {
  const agg = new TelemetryAggregator(nameOf);
  const events = Array.from({ length: 100_000 }, (_, i) => ev(i % 7 === 0 ? 4 : 20, i % 2 ? 'trap' : 'direct', 100 + (i % 50)));
  agg.ingest(events);
  const snap = agg.snapshot();
  assert.equal(snap.totals.trap + snap.totals.direct, 100_000);
  assert.ok(JSON.stringify(snap).length < 16_384, 'snapshot size is independent of the event count');
});

test('with the guest counters observed, totals and rates come from them, not from (possibly lost) records', () => {
  let now = 0;
  const agg = new TelemetryAggregator(nameOf, () => now);
  agg.observeCounters({ trap: 100, direct: 50 }); // baseline: counted before the lab looked
  agg.ingest([ev(20, 'direct', 300)], false); // one record survived the ring...
  agg.observeCounters({ trap: 100, direct: 20_050 }); // ...of 20,000 calls
  now += 500;
  agg.tick();
  const s = agg.snapshot();
  assert.deepEqual(s.totals, { trap: 0, direct: 20_000 });
  assert.deepEqual(s.ratePerSec, { trap: 0, direct: 40_000 });
  assert.equal(s.stats[0]?.count, 1);
  agg.observeCounters({ trap: 10, direct: 10 }); // a restored snapshot rolled the counters back: new baseline
  agg.observeCounters({ trap: 15, direct: 10 });
  assert.deepEqual(agg.snapshot().totals, { trap: 5, direct: 20_000 });
});

test('after a run, the swimlane shows the program’s own transitions, not the shell’s around it', () => {
  const agg = new TelemetryAggregator(nameOf);
  agg.beginRun('kernel');
  const program = (nr: number): SyscallEvent => ({ ...ev(nr, 'direct', 100), pid: 77 });
  const shell = (nr: number): SyscallEvent => ({ ...ev(nr, 'trap', 900), pid: 5 });
  agg.ingest([shell(4), program(20), program(20), program(4), shell(6), shell(4)]);
  assert.equal(agg.snapshot().recent.at(-1)?.path, 'trap'); // live: everything, as it comes
  agg.endRun({ mode: 'kernel', file: 'x.tal', status: 'exited' }, undefined, 77);
  assert.deepEqual(
    agg.snapshot().recent.map((s) => [s.name, s.path, s.count]),
    [
      ['getpid', 'direct', 2],
      ['write', 'direct', 1],
    ],
  );
});

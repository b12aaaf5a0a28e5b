// The aggregation behind the transitions view: every number about a run comes
// from that run's program alone and agrees everywhere — totals, the cost
// table, the lane (whose spans add up to the run's total, an "earlier calls"
// span standing for what the ring could not itemize) and the side-by-side
// column; the rate chart is the one live whole-guest number.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EARLIER_CALLS, TRANSITION_WINDOW } from '../../preload/contract.js';
import { laneOf, TelemetryAggregator } from '../../main/app/telemetry-aggregator.js';
import { syscallName, type ProgramRun } from '../../main/app/integration.js';
import { accountProgram } from '../../main/runner/program-accounting.js';
import type { SyscallRecord } from '../../main/vm/telemetry.js';

/** A getpid loop of `calls` calls plus one write, as the runner reports it when the ring kept only the last `kept`. */
function program(path: 'trap' | 'direct', calls: number, kept: number): ProgramRun {
  const records = Array.from({ length: kept }, (_, i) => ({ seq: 1000 + i, nr: i === kept - 1 ? 4 : 20, ns: i === kept - 1 ? 5000 : 200 }));
  const getpids = kept - 1;
  return {
    pid: 42,
    path,
    total: calls + 1,
    notItemized: calls + 1 - kept,
    calls: [
      { nr: 20, path, count: getpids, totalNs: 200 * getpids },
      { nr: 4, path, count: 1, totalNs: 5000 },
    ],
    records,
  };
}

test('a run with more calls than the ring holds: totals, lane and side-by-side agree exactly', () => {
  const agg = new TelemetryAggregator(syscallName);
  agg.addRun({ mode: 'kernel', file: 'getpid_loop.tal', status: 'exited', exitCode: 0, wallMs: 5, pid: 42 }, program('direct', 100_000, 2048));
  const s = agg.snapshot();
  assert.deepEqual(s.totals, { trap: 0, direct: 100_001 });
  const run = s.lastRuns.kernel!;
  assert.deepEqual(run.totals, { trap: 0, direct: 100_001 });
  assert.equal(run.notItemized, 100_001 - 2048);
  assert.equal(run.syscalls.reduce((a, c) => a + c.count, 0) + run.notItemized, 100_001);
  assert.equal(
    s.recent.reduce((a, c) => a + c.count, 0),
    100_001,
    'the lane adds up to the run',
  );
  assert.deepEqual(
    s.recent.map((r) => [r.name, r.count]),
    [
      [EARLIER_CALLS, 100_001 - 2048],
      ['getpid', 2047],
      ['write', 1],
    ],
  );
  assert.deepEqual(
    s.stats.map((r) => [r.name, r.path, r.count, r.meanNs]),
    [
      ['getpid', 'direct', 2047, 200],
      ['write', 'direct', 1, 5000],
    ],
  );
});

test('the lane keeps at most TRANSITION_WINDOW spans and still adds up to the run', () => {
  const records = Array.from({ length: 1000 }, (_, i) => ({ seq: i, nr: i % 2 ? 3 : 4, ns: 10 }));
  const lane = laneOf({ pid: 1, path: 'trap', total: 1000, notItemized: 0, calls: [], records }, syscallName);
  assert.equal(lane.length, TRANSITION_WINDOW);
  assert.equal(lane[0]!.name, EARLIER_CALLS);
  assert.equal(
    lane.reduce((a, c) => a + c.count, 0),
    1000,
  );
});

test('every system call number has a name: the checker’s imports and every other call of the kernel', () => {
  assert.equal(syscallName(20), 'getpid');
  assert.equal(syscallName(63), 'dup2');
  assert.equal(syscallName(174), 'rt_sigaction');
  assert.equal(syscallName(403), 'clock_gettime64');
  for (let nr = 0; nr <= 450; nr++) assert.doesNotMatch(syscallName(nr), /^#|^syscall \d+$/, `number ${nr}`);
});

test('rates come from the kernel counters; a counter that went backwards (a restore) is a new baseline', () => {
  let now = 1000;
  const agg = new TelemetryAggregator(syscallName, () => now);
  agg.observeCounters({ trap: 100, direct: 0 });
  agg.observeCounters({ trap: 600, direct: 250 });
  now += 500;
  agg.tick();
  assert.deepEqual(agg.snapshot().ratePerSec, { trap: 1000, direct: 500 });
  agg.observeCounters({ trap: 10, direct: 0 });
  now += 500;
  agg.tick();
  assert.deepEqual(agg.snapshot().ratePerSec, { trap: 0, direct: 0 });
});

const rec = (seq: number, pid: number, nr: number, path: SyscallRecord['path'], ret = 0): SyscallRecord => ({ seq, pid, nr, path, ret, cycles: 100, tsc: 0n });

test('program accounting: the ring overflowed — the lost calls on the program’s path are the program’s, minus talexec’s two in user mode', () => {
  // User mode: 10,000 getpid through int 0x80, the ring kept the last 2,000 of them and the shell's 5 after.
  const kept = [
    ...Array.from({ length: 2000 }, (_, i) => rec(8000 + i, 7, 20, 'int80')),
    ...Array.from({ length: 5 }, (_, i) => rec(10_000 + i, 3, 61, i === 2 ? 'int80' : 'sysenter')),
  ];
  // Counters since the baseline: talexec's prctl + execve (int80), the program's 10,000, the shell's one sigreturn.
  const user = accountProgram(kept, 7, 'user', { int80: 2 + 10_000 + 1, sysenter: 12, direct: 0 }, 8005);
  assert.deepEqual([user.total, user.notItemized, user.exact], [10_000, 8000, true]);
  assert.deepEqual(
    user.byCall.map((c) => [c.nr, c.count]),
    [[20, 2000]],
  );
  // Kernel mode: the program's calls are the only direct ones.
  const kernelKept = Array.from({ length: 2048 }, (_, i) => rec(50_000 + i, 9, 20, 'direct'));
  const kernel = accountProgram(kernelKept, 9, 'kernel', { int80: 2, sysenter: 10, direct: 50_000 }, 2000);
  assert.deepEqual([kernel.total, kernel.notItemized], [50_000, 50_000 - 2048]);
  // Nothing lost: exactly the records after talexec's prctl and execve.
  const whole = [
    rec(0, 9, 3, 'sysenter', 1),
    rec(1, 9, 11, 'sysenter'),
    rec(2, 9, 172, 'int80'),
    rec(3, 9, 11, 'int80'),
    rec(4, 9, 20, 'direct', 9),
    rec(5, 9, 252, 'direct'),
    rec(6, 3, 114, 'sysenter'),
  ];
  const small = accountProgram(whole, 9, 'kernel', { int80: 2, sysenter: 3, direct: 2 }, 0);
  assert.deepEqual([small.total, small.notItemized, small.byCall.map((c) => c.nr)], [2, 0, [20, 252]]);
});

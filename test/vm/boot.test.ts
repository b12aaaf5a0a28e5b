import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
// Speed goals (boot, restore, resume) are measured by `npm run bench` (bench/bounds.ts); here they are only reported.
import { BOOT_STAGES, VmService, instructionsBetween, launchGuest, type LaunchedGuest } from '../../main/vm/index.js';

describe('guest boot and snapshots', { timeout: 600_000 }, () => {
  let cold: LaunchedGuest | undefined;
  let snapshot: Uint8Array | undefined;
  const others: VmService[] = [];
  after(async () => {
    await cold?.vm.stop();
    for (const vm of others) await vm.stop();
  });

  it('cold boots to a shell prompt on ttyS0, reporting each stage, and caches a snapshot', async (t) => {
    const seen: string[] = [];
    cold = await launchGuest({ snapshot: 'refresh', onProgress: (p) => seen.push(p.stage) });
    assert.equal(cold.boot.mode, 'cold');
    assert.deepEqual(seen, [...BOOT_STAGES]);
    assert.deepEqual(
      cold.boot.stages.map((s) => s.stage),
      [...BOOT_STAGES],
    );
    const times = cold.boot.stages.map((s) => s.ms);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'stage times increase',
    );
    assert.ok(cold.snapshot && cold.snapshot.bytes > 0);
    const stages = cold.boot.stages.map((s) => `${s.stage} ${s.ms.toFixed(0)} ms`).join(', ');
    t.diagnostic(`cold boot ${cold.boot.totalMs.toFixed(0)} ms (${stages})`);
    t.diagnostic(`snapshot ${(cold.snapshot.bytes / 2 ** 20).toFixed(1)} MiB, save_state ${cold.snapshot.saveMs?.toFixed(0)} ms`);
    const banner = await cold.vm.exec('cat /proc/version');
    assert.match(banner.output, /^Linux version 6\.1\./);
  });

  it('rolls a running guest back with restoreState', async (t) => {
    assert.ok(cold);
    const vm = cold.vm;
    await vm.exec('echo before > /tmp/mark');
    let started = performance.now();
    snapshot = await vm.saveState();
    const saveMs = performance.now() - started;
    await vm.exec('echo after > /tmp/mark');
    assert.equal((await vm.exec('cat /tmp/mark')).output, 'after\n');
    started = performance.now();
    await vm.restoreState(snapshot);
    const restoreMs = performance.now() - started;
    assert.equal((await vm.exec('cat /tmp/mark')).output, 'before\n');
    t.diagnostic(`saveState ${saveMs.toFixed(0)} ms (${(snapshot.length / 2 ** 20).toFixed(1)} MiB), restoreState ${restoreMs.toFixed(0)} ms`);
  });

  it('resumes a snapshot in a new VM that runs commands', async (t) => {
    assert.ok(snapshot);
    const vm = new VmService();
    others.push(vm);
    const report = await vm.boot({ state: snapshot });
    assert.equal(report.mode, 'restore');
    assert.deepEqual(
      report.stages.map((s) => s.stage),
      ['prompt'],
    );
    assert.equal((await vm.exec('cat /tmp/mark; echo $((6 * 7))')).output, 'before\n42\n');
    t.diagnostic(`boot from snapshot (new worker) ${report.totalMs.toFixed(0)} ms`);
    // A resumed guest can itself be saved and rolled back, and its clock and shell keep working.
    await vm.exec('echo resumed > /tmp/mark');
    const again = await vm.saveState();
    await vm.exec('echo changed > /tmp/mark');
    await vm.restoreState(again);
    const check = await vm.exec('cat /tmp/mark; sleep 0.2; echo slept', { timeoutMs: 3000 });
    assert.equal(check.output, 'resumed\nslept\n');
  });

  it('counts executed guest instructions', async () => {
    assert.ok(cold);
    const before = await cold.vm.instructionCounter();
    await cold.vm.exec('i=0; while [ $i -lt 200 ]; do i=$((i+1)); done');
    const after = await cold.vm.instructionCounter();
    assert.ok(instructionsBetween(before, after) > 100_000, `counter moved by ${instructionsBetween(before, after)}`);
  });
});

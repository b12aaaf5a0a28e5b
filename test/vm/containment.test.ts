// Containment of ring-0 programs in the real guest: a kernel-mode loop that
// never makes a system call still dies on SIGKILL or on Ctrl-C at its
// terminal, and the guest answers right after. How fast (the goal: within a
// second) is measured by `npm run bench` (bench/bounds.ts); the 10 s limits
// here only detect a hang.

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { buildSource } from '../../tal/index.js';
import { locateControlRegion, SigningKey, type LaunchedGuest } from '../../main/vm/index.js';
import { delay, resumeGuest } from './guest-fixture.js';

const SPIN = `.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
spin:
        jmp spin
`;
const PORT = 2;
const IMAGE = '/mnt/host/spin.talo';

describe('ring-0 containment', { timeout: 120_000 }, () => {
  let guest: LaunchedGuest;
  before(async () => {
    guest = await resumeGuest();
    const key = SigningKey.generate();
    await key.injectInto(guest.vm, await locateControlRegion(guest.vm, guest.vm.memoryBytes));
    const built = buildSource(SPIN, 'spin.tal', {});
    assert.ok(built.ok && built.checked);
    await guest.vm.putFile('spin.talo', key.sign(built.checked));
    await guest.vm.exec(`chmod +x ${IMAGE}`, { port: PORT });
  });
  after(async () => {
    await guest?.vm.stop();
  });

  it('SIGKILL ends a spinning ring-0 program', async (t) => {
    const started = await guest.vm.exec(`talexec --mode kernel ${IMAGE} >/dev/null 2>&1 & echo $!`, { port: PORT });
    const pid = Number.parseInt(started.output, 10);
    assert.ok(Number.isInteger(pid), started.output);
    await delay(500);
    const running = await guest.vm.exec(`grep -c . /proc/${pid}/status`, { port: PORT });
    assert.equal(running.exitStatus, 0, 'the program is running before the kill');
    const t0 = performance.now();
    const killed = await guest.vm.exec(`kill -9 ${pid}; while kill -0 ${pid} 2>/dev/null; do :; done; echo gone`, { port: PORT, timeoutMs: 10_000 });
    const ms = performance.now() - t0;
    assert.match(killed.output, /gone/);
    t.diagnostic(`SIGKILL took ${ms.toFixed(0)} ms`);
    assert.equal((await guest.vm.exec('echo alive', { port: PORT })).output.trim(), 'alive');
  });

  it('Ctrl-C ends a spinning ring-0 program in the foreground', async (t) => {
    await guest.vm.write(PORT, `talexec --mode kernel ${IMAGE}\n`);
    await delay(500);
    const t0 = performance.now();
    await guest.vm.write(PORT, '\x03');
    const back = await guest.vm.exec('echo back', { port: PORT, timeoutMs: 10_000 });
    const ms = performance.now() - t0;
    assert.equal(back.output.trim(), 'back');
    t.diagnostic(`Ctrl-C took ${ms.toFixed(0)} ms until the shell answered`);
  });
});

// When ring-0 code makes the emulator itself fail (v86 cannot deliver a fault
// on a lost stack and recurses until "Maximum call stack size exceeded"), the
// VM service restarts the guest from its booted snapshot and says so, the
// runner reports the run as killed, and the lab goes on: the guest answers
// and the runner, with a fresh key, runs checked programs again.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildSource } from '../../tal/index.js';
import { ProgramRunner } from '../../main/runner/index.js';
import type { LaunchedGuest, VmError } from '../../main/vm/index.js';
import { resumeGuest } from './guest-fixture.js';
import { armGuest, patchedMain, type HostileGuest } from '../guest/forged-image-guest.js';

// mov esp, 0x1000; push eax: the push faults, and the fault's frame would go onto the same unmapped page.
const LOSE_THE_STACK = [0xbc, 0x00, 0x10, 0x00, 0x00, 0x50];

describe('recovery when a ring-0 program kills the emulator', { timeout: 300_000 }, () => {
  let guest: LaunchedGuest;
  let runner: ProgramRunner;
  let h: HostileGuest;
  const recovered: VmError[] = [];
  before(async () => {
    guest = await resumeGuest();
    runner = await ProgramRunner.attach(guest.vm);
    guest.vm.on('recovered', (error) => recovered.push(error));
    // The runner passes raw bytes as given; this key (injected after the runner's) signs them.
    h = await armGuest(guest);
  });
  after(async () => {
    await guest?.vm.stop();
  });

  it('restarts the guest, says what happened, and reports the run as killed', async () => {
    const back = new Promise<void>((resolve) => guest.vm.once('restored', () => resolve()));
    const result = await runner.run({ talo: h.sign(patchedMain(LOSE_THE_STACK)), mode: 'kernel', timeoutMs: 120_000 });
    assert.equal(result.exitCode, 128 + 9, result.output);
    assert.equal(result.killedByFault, true);
    assert.match(result.output, /the emulator died .*; the guest was restarted from its snapshot/);
    await back;
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]!.code, 'GUEST_RESTARTED');
    assert.equal(guest.vm.running, true);
    assert.equal((await guest.vm.exec('echo alive', { port: 1 })).output.trim(), 'alive');
  });

  it('runs checked programs in ring 0 again, with a new key', async () => {
    const built = buildSource(
      '.import write\n.data\nmsg: .bytes "ok\\n"\n.code\nmain: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}\n mov ebx, 1\n mov ecx, msg\n mov edx, 3\n call write\n xor eax, eax\n ret\n',
      'ok.tal',
    );
    assert.ok(built.ok && built.checked);
    const result = await runner.run({ talo: built.checked, mode: 'kernel' });
    assert.equal(result.status, 'exited', result.output);
    assert.equal(result.output, 'ok\n');
    assert.ok(result.syscalls.byPath.direct >= 1, 'it ran in ring 0');
  });
});

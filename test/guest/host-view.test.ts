// What the host believes about the guest kernel's health cannot be forged
// from inside the guest. A checked program may open and write files, so it can
// print "Kernel panic - not syncing" on the console (/dev/console) or into the
// kernel log (/dev/kmsg); the lab took that banner for a panic and threw the
// guest away. The kernel now counts oopses and marks a panic in the control
// region (patch 0009), which guest user space can neither read nor write, and
// the lab's watch reads that. The last cases make the kernel really oops and
// really panic (signed code no checker accepts calls strlen(NULL) and panic())
// to show the words move when, and only when, the kernel itself went wrong;
// this file has its own guest, which it leaves dead.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { watchGuest } from '../../main/app/guest-watch.js';
import { locateControlRegion, readCounters, type ControlRegion, type LaunchedGuest } from '../../main/vm/index.js';
import { delay, resumeGuest } from '../vm/guest-fixture.js';
import { armGuest, assertGuestHealthy, build, patchedMain, writeFileProgram, type HostileGuest } from './forged-image-guest.js';

let guest: LaunchedGuest;
let h: HostileGuest;
let region: ControlRegion;

before(async () => {
  guest = await resumeGuest();
  h = await armGuest(guest);
  region = await locateControlRegion(guest.vm, guest.vm.memoryBytes);
});
after(async () => {
  await guest?.vm.stop();
});

/** Watches the guest as the lab does (every second, or every `periodMs`); resolves with why it died, or null `ms` after `during`. */
async function watchFor(ms: number, during: () => Promise<void>, periodMs?: number): Promise<string | null> {
  let why: string | null = null;
  const watch = watchGuest(guest.vm, region, (w) => (why ??= w), periodMs);
  try {
    await during();
    await delay(ms);
  } finally {
    watch.stop();
  }
  return why;
}

/** The address of a kernel function, from /proc/kallsyms (root reads real addresses in this guest). */
async function kernelSymbol(name: string): Promise<number> {
  const r = await h.sh(`grep -w 'T ${name}' /proc/kallsyms`);
  const address = Number.parseInt(r.output.trim().split(' ')[0] ?? '', 16);
  assert.ok(address >= 0xc0000000, `${name} in /proc/kallsyms: ${r.output}`);
  return address;
}

function le32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

const BANNER = 'Kernel panic - not syncing: forged by a program';

describe("the host's view of the guest kernel", { timeout: 300_000 }, () => {
  for (const [device, text] of [
    ['/dev/console', BANNER],
    ['/dev/kmsg', `<0>${BANNER}`],
  ] as const) {
    it(`a checked ring-0 program printing a panic banner on ${device} does not make the lab give up the guest`, async () => {
      const prog = await h.put('banner.talo', h.sign(build(writeFileProgram(device, text))));
      const why = await watchFor(3_000, async () => {
        const r = await h.sh(`talexec --mode kernel ${prog}; echo "status $?"`);
        assert.match(r.output, new RegExp(`status ${text.length}\\b`), `the program wrote its banner: ${r.output}`);
      });
      // The banner really reached the console the old watch read.
      assert.match(guest.vm.consoleTail(0), /forged by a program/, 'the banner is on ttyS0');
      assert.equal(why, null, `the watch believed the banner: ${why}`);
      const counters = await readCounters(guest.vm, region);
      assert.equal(counters.panicked, false);
      assert.equal(counters.oopses, 0);
      await assertGuestHealthy(h, device);
    });
  }

  it('a guest resuming a saved state is not taken for a halted one', async () => {
    // The new worker answers 0 instructions until v86 has loaded the state; the watch, reading often
    // here, used to see two equal readings and stop a healthy guest mid-restore.
    const state = await guest.vm.saveState();
    const why = await watchFor(1_000, () => guest.vm.restoreState(state), 20);
    assert.equal(why, null, `the watch gave up a restoring guest: ${why}`);
    assert.equal((await guest.vm.exec('echo $((6*7))')).output, '42\n');
  });

  it('a real oops is counted in the control region, and the guest lives on', async () => {
    // Signed code no checker accepts: strlen(NULL) (regparm: the argument in EAX) faults at a kernel %eip.
    const strlen = await kernelSymbol('strlen');
    const prog = await h.put('oops.talo', h.sign(patchedMain([0x31, 0xc0, 0xb9, ...le32(strlen), 0xff, 0xd1])));
    const before = await readCounters(guest.vm, region);
    const r = await h.sh(`talexec --mode kernel ${prog}; echo "status $?"`);
    assert.match(r.output, /status \d+/, r.output);
    const after = await readCounters(guest.vm, region);
    assert.equal(after.oopses, before.oopses + 1, `one oops counted: ${r.output}`);
    assert.equal(after.panicked, false);
    const other = await guest.vm.exec('echo alive', { port: 1, timeoutMs: 30_000 });
    assert.equal(other.output.trim(), 'alive');
  });

  it('a real panic sets the flag, and the lab notices it', async () => {
    const panic = await kernelSymbol('panic');
    // push "no!\0"; push esp; mov ecx, panic; call *ecx — panic("no!").
    const code = [0x68, 0x6e, 0x6f, 0x21, 0x00, 0x54, 0xb9, ...le32(panic), 0xff, 0xd1];
    const prog = await h.put('panic.talo', h.sign(patchedMain(code)));
    const why = await watchFor(3_000, async () => {
      await guest.vm.exec(`talexec --mode kernel ${prog}`, { port: 2, timeoutMs: 5_000 }).catch(() => undefined);
    });
    assert.match(why ?? '', /panicked \(its control region says so/, `the watch saw the panic: ${why}`);
    assert.equal((await readCounters(guest.vm, region)).panicked, true);
  });
});

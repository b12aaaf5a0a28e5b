// The sysenter ELF builds on a real i386 kernel (the guest). Only there does
// the kernel hand a program a vDSO through AT_SYSINFO — QEMU's user mode,
// which runs the host-side ELF tests, offers none — so this is where the
// sysenter variant is shown to call through the vDSO and not its int 0x80
// fallback.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeElf } from '../../tal/asm/elf.js';
import { GUEST_SHARE_DIR, type LaunchedGuest } from '../../main/vm/index.js';
import { block, i, ins, m, program, r } from '../asm/build.js';
import { HELLO_TEXT, assembleOk, echoArgProgram, helloProgram } from '../asm/samples.js';
import { resumeGuest } from './guest-fixture.js';

describe('sysenter ELF builds on a real i386 kernel', { timeout: 180_000 }, () => {
  let guest: LaunchedGuest;
  before(async () => {
    guest = await resumeGuest();
  });
  after(async () => {
    await guest?.vm.stop();
  });

  /** Copies the ELF into the guest, runs it with `args` and returns its output and exit status. */
  async function runInGuest(name: string, elf: Uint8Array, args = ''): Promise<{ output: string; status: number }> {
    await guest.vm.putFile(name, elf);
    const result = await guest.vm.exec(`cp ${GUEST_SHARE_DIR}/${name} /tmp/${name} && chmod +x /tmp/${name} && /tmp/${name} ${args}`, { timeoutMs: 60_000 });
    return { output: result.output, status: result.exitStatus };
  }

  it('calls through the vDSO entry from AT_SYSINFO, not the int 0x80 fallback', async () => {
    // Reads the ELF's vsyscall word (the word after the data section, i.e. after the runtime
    // message, the last data item) and exits with its top byte: 0x08 would be the fallback in
    // the text segment; the vDSO of a 32-bit process is mapped near the top of the 4 GiB space.
    const p = program({
      code: [block('main', ins('mov', r('eax'), m({ label: '<heap_message>', disp: 20, size: 4 })), ins('shr', r('eax'), i(24)), ins('ret'))],
    });
    const { status } = await runInGuest('vsyscall-top', writeElf(assembleOk(p), { trap: 'sysenter' }));
    assert.notEqual(status, 0x08);
    assert.ok(status >= 0x80, `vsyscall top byte 0x${status.toString(16)}`);
  });

  it('runs hello and echoes an argument through the vDSO path', async () => {
    const hello = await runInGuest('hello-sysenter', writeElf(assembleOk(helloProgram()), { trap: 'sysenter' }));
    assert.deepEqual(hello, { output: HELLO_TEXT, status: 0 });
    const echo = await runInGuest('echo-sysenter', writeElf(assembleOk(echoArgProgram()), { trap: 'sysenter' }), "'kernel mode'");
    assert.deepEqual(echo, { output: 'kernel mode\n', status: 0 });
  });
});

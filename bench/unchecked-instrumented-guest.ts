// Runs the validator's UNCHECKED instrumented images (tal/validate/instrument.ts)
// in the guest in kernel mode: ring 0, system calls through the direct gates —
// the target the checker's claims matter for.
//
// An instrumented image is not a TAL program: it reads the machine state the
// types describe, including values no type admits, with untyped code (saved
// registers in data words, jumps through memory). No checker accepts it, so it
// is never a CheckedImage and the lab's admission path (main/runner/admission.ts)
// rightly refuses to sign it. This harness signs it instead, and only here:
// in a guest it launched itself, with a key it generated and injected itself
// over the runner's, through the raw signer (tal/asm/sign.ts). The lab's own
// runner key never signs it, and nothing of this reaches the product
// (docs/architecture.md, "Trusted base", lists this file as test machinery).
// A wrong claim stops the image before the instruction it is about, so a
// checker bug shows as a violation report, not as a ring-0 exploit; should
// an image still take the guest down, the harness says so and starts a fresh one.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { ProgramRunner, type RunResult } from '../main/runner/index.js';
import { CONTROL_OFFSETS, KEY_BYTES, KEY_READY } from '../main/vm/control-region.js';
import { VmError, launchGuest, type LaunchedGuest } from '../main/vm/index.js';
import { signTalo } from '../tal/asm/sign.js';
import { writeTalo } from '../tal/asm/talo.js';
import type { Instrumented } from '../tal/validate/instrument.js';
import type { Ring0Run, Ring0Runner } from '../tal/validate/ring0.js';
import type { ValidateOptions } from '../tal/validate/validate.js';

function u32(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return b;
}

/** The guest's time limit for one image when the caller gives none. */
const DEFAULT_TIMEOUT_MS = 120_000;

/** Signal names by number, for exit statuses 128 + n. */
const SIGNALS = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export class UncheckedInstrumentedGuest implements Ring0Runner {
  private constructor(
    private guest: LaunchedGuest,
    private runner: ProgramRunner,
    private key: Uint8Array,
  ) {}

  /** Resumes the cached guest snapshot (as the guest tests do) and arms it. */
  static async launch(): Promise<UncheckedInstrumentedGuest> {
    const guest = await launchGuest({ snapshot: 'use' });
    try {
      return await UncheckedInstrumentedGuest.arm(guest);
    } catch (error) {
      await guest.vm.stop();
      throw error;
    }
  }

  /** Attaches a runner to a guest this caller launched and puts this harness's own key in its kernel. */
  static async arm(guest: LaunchedGuest): Promise<UncheckedInstrumentedGuest> {
    const { runner, key } = await armed(guest);
    return new UncheckedInstrumentedGuest(guest, runner, key);
  }

  /** Runs the instrumented image in ring 0 and reports it the way a host run is reported. */
  async run(inst: Instrumented, opts: ValidateOptions = {}): Promise<Ring0Run> {
    const signed = signTalo(writeTalo(inst.image), this.key);
    let r: RunResult;
    try {
      r = await this.runner.run({ talo: signed, mode: 'kernel', args: opts.args ?? [], timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof VmError && error.code === 'EXEC_TIMEOUT') {
        return { status: undefined, signal: undefined, timedOut: true, stdout: '', stderr: '', directCalls: 0 };
      }
      throw error;
    }
    // The console merges the program's stdout and stderr: both fields hold everything it printed.
    const out: Ring0Run = { status: undefined, signal: undefined, timedOut: false, stdout: r.output, stderr: r.output, directCalls: r.syscalls.byPath.direct };
    if (r.status !== 'exited') out.notRun = `${r.status}: ${r.output.trim()}`;
    if (r.exitCode >= 128) out.signal = SIGNALS.get(r.exitCode - 128) ?? `signal ${r.exitCode - 128}`;
    else out.status = r.exitCode;
    if (r.killedByFault && r.pid === null) {
      // The emulator died with the program (run-program.ts, killedWithGuest): the restarted guest has a new runner key.
      out.guestLost = true;
      await this.stop();
      this.guest = await launchGuest({ snapshot: 'use' });
      ({ runner: this.runner, key: this.key } = await armed(this.guest));
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.guest.vm.stop();
  }
}

async function armed(guest: LaunchedGuest): Promise<{ runner: ProgramRunner; key: Uint8Array }> {
  const runner = await ProgramRunner.attach(guest.vm);
  const key = new Uint8Array(randomBytes(KEY_BYTES));
  // As SigningKey.injectInto does: not ready, the key, ready — then read the state back.
  const state = runner.region.address + CONTROL_OFFSETS.keyState;
  await guest.vm.writeMemory(state, u32(0));
  await guest.vm.writeMemory(runner.region.address + CONTROL_OFFSETS.key, key);
  await guest.vm.writeMemory(state, u32(KEY_READY));
  const back = new DataView((await guest.vm.readMemory(state, 4)).buffer).getUint32(0, true);
  if (back !== KEY_READY) throw new Error('the harness key did not stick in the control region');
  return { runner, key };
}

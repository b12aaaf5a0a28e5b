// Chooses how the benchmark runs TAL programs in this guest: through the
// kernel's .talo loader in every mode when the guest has one (with a per-boot
// signing key injected and telemetry switched off), else as ELF builds in user
// mode only, kernel mode then reported as not run.

import { SigningKey, TelemetryReader } from '../main/vm/index.js';
import type { BenchGuest } from './bench-guest.js';
import { ElfLauncher, TaloLauncher, type TalLauncher } from './tal-launcher.js';

export interface LauncherChoice {
  launcher: TalLauncher;
  notes: string[];
  /** Present with the .talo loader: reads the kernel's counters (execs per mode, refusals). */
  telemetry?: TelemetryReader;
}

export async function selectLauncher(guest: BenchGuest): Promise<LauncherChoice> {
  const probe = await guest.run('command -v talexec');
  const talexec = probe.output.trim();
  if (probe.exitStatus !== 0 || talexec === '') {
    const reason = 'this guest has no talexec (an unpatched kernel without the .talo loader): kernel mode cannot run';
    return {
      launcher: new ElfLauncher(reason),
      notes: [`kernel mode not measured: ${reason}; user mode ran the assembler's ELF builds of the same checked programs`],
    };
  }
  // A guest with talexec is the patched kernel: not finding its control region is a fault, not a reason to skip.
  if (!('region' in guest.control)) throw new Error(`the guest has talexec but no usable TAL control region: ${guest.control.missing}`);
  const region = guest.control.region;
  const key = SigningKey.generate();
  await key.injectInto(guest.vm, region);
  const telemetry = new TelemetryReader(guest.vm, region);
  // Measurements are taken with telemetry off: recording costs a ring write per system call.
  await telemetry.setEnabled(false);
  if ((await telemetry.counters()).telemetryEnabled) throw new Error("could not switch the guest kernel's telemetry off");
  return {
    launcher: new TaloLauncher(talexec, key),
    notes: [`per-boot signing key ${key.fingerprint()} injected; telemetry off during measurements`],
    telemetry,
  };
}

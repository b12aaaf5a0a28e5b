// How the benchmark runs a TAL program in each mode. The experiments only ask
// for "this program, this mode, these arguments"; a launcher decides what is
// installed in the guest and which command runs it.

import type { ExecMode } from '../main/runner/admission.js';
import type { SigningKey } from '../main/vm/signing-key.js';
import { buildSource, formatDiagnostic, type TrapKind } from '../tal/index.js';
import { BenchError, GUEST_BIN, shellQuote, type BenchGuest } from './bench-guest.js';

/** The guest kernel's run modes (talexec --mode): ring 3 through int 0x80, ring 3 through sysenter, ring 0 through the direct gate. */
export const RUN_MODES: readonly ExecMode[] = ['user', 'user-sysenter', 'kernel'];
export const USER_MODES: readonly ExecMode[] = ['user', 'user-sysenter'];

export const MODE_LABELS: Readonly<Record<ExecMode, string>> = {
  user: 'user, int 0x80',
  'user-sysenter': 'user, sysenter',
  kernel: 'kernel, direct gate',
};

export interface TalLauncher {
  /** What the launcher runs, for the report (e.g. "static ELF builds of the TAL programs"). */
  readonly description: string;
  /** Why a mode cannot be run, or null when it can. */
  unavailable(mode: ExecMode): string | null;
  /** Check and assemble (and sign) a program for a mode: the guest file name and its bytes. */
  build(name: string, source: string, mode: ExecMode): { file: string; bytes: Uint8Array };
  /** The guest command (already shell-quoted) that runs a program installed in GUEST_BIN in a mode. */
  command(name: string, mode: ExecMode, args: readonly string[]): string;
}

/** Build a program for every mode the launcher can run and install each distinct file once. */
export async function installProgram(guest: BenchGuest, launcher: TalLauncher, name: string, source: string): Promise<void> {
  const files = new Map<string, Uint8Array>();
  for (const mode of RUN_MODES) {
    if (launcher.unavailable(mode) !== null) continue;
    const { file, bytes } = launcher.build(name, source, mode);
    files.set(file, bytes);
  }
  for (const [file, bytes] of files) await guest.install(file, bytes);
}

/** Builds a TAL program, turning rejection into an error that lists the diagnostics. */
export function buildOrThrow(source: string, file: string, options: Parameters<typeof buildSource>[2]) {
  const built = buildSource(source, file, options);
  if (!built.ok) {
    throw new BenchError('BAD_OUTPUT', `${file} did not build:\n${built.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
  }
  return built;
}

const ELF_TRAP: Readonly<Partial<Record<ExecMode, TrapKind>>> = { user: 'int80', 'user-sysenter': 'sysenter' };

/**
 * User mode without the guest's .talo loader: the assembler's static ELF of
 * the same checked program, with int 0x80 or vDSO-sysenter gates. Kernel mode
 * needs the loader, so it is unavailable here.
 */
export class ElfLauncher implements TalLauncher {
  readonly description = 'static i386 ELF builds of the TAL programs (tal/asm/elf.ts), run as ordinary guest processes';

  constructor(private readonly kernelUnavailableReason: string) {}

  unavailable(mode: ExecMode): string | null {
    return ELF_TRAP[mode] ? null : this.kernelUnavailableReason;
  }

  build(name: string, source: string, mode: ExecMode): { file: string; bytes: Uint8Array } {
    this.check(name, mode);
    return { file: `${name}.${mode}`, bytes: buildOrThrow(source, `${name}.tal`, { elf: ELF_TRAP[mode]! }).elf! };
  }

  command(name: string, mode: ExecMode, args: readonly string[]): string {
    this.check(name, mode);
    return [`${GUEST_BIN}/${name}.${mode}`, ...args].map(shellQuote).join(' ');
  }

  private check(name: string, mode: ExecMode): void {
    const reason = this.unavailable(mode);
    if (reason) throw new BenchError('UNAVAILABLE', `${name} cannot run in ${mode} mode: ${reason}`);
  }
}

/**
 * The guest kernel's own path, used whenever it has one: the same signed
 * .talo image in every mode, run by `talexec --mode MODE` (kernel-images/
 * userland/talexec.c), so the modes differ only in how system calls reach the
 * kernel. The image is signed with a per-boot key this launcher injected.
 */
export class TaloLauncher implements TalLauncher {
  readonly description = "the same signed .talo image in every mode, run by the guest kernel's binfmt_talo through talexec --mode";

  constructor(
    private readonly talexec: string,
    private readonly key: SigningKey,
  ) {}

  unavailable(): string | null {
    return null;
  }

  build(name: string, source: string): { file: string; bytes: Uint8Array } {
    return { file: `${name}.talo`, bytes: this.key.sign(buildOrThrow(source, `${name}.tal`, {}).checked!) };
  }

  command(name: string, mode: ExecMode, args: readonly string[]): string {
    return [this.talexec, '--mode', mode, `${GUEST_BIN}/${name}.talo`, ...args].map(shellQuote).join(' ');
  }
}

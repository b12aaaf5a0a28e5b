// The only way from source to machine code: check first, and assemble only
// what the checker accepted. Produces the .talo (optionally signed) and, on
// request, a static ELF of the same program for user-mode comparison.

import { assemble } from './asm/assemble.js';
import { writeElf, type TrapKind } from './asm/elf.js';
import type { AssembledImage } from './asm/image.js';
import { signTalo } from './asm/sign.js';
import { writeTalo } from './asm/talo.js';
import { checkSource, type CheckResult } from './check-source.js';
import type { Diagnostic } from './diagnostics.js';
import { syscallByName } from './syscalls.js';

export interface BuildOptions {
  /** Sign the image with this HMAC key (the per-boot key the guest kernel checks). */
  key?: Uint8Array;
  /** Also produce a static ELF whose system calls trap this way. */
  elf?: TrapKind;
  /** Record the checker's per-instruction trace. */
  trace?: boolean;
}

export interface BuildResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  check: CheckResult;
  image?: AssembledImage;
  talo?: Uint8Array;
  elf?: Uint8Array;
}

export function resolveImport(name: string): number | undefined {
  return syscallByName(name)?.nr;
}

export function buildSource(source: string, file: string, opts: BuildOptions = {}): BuildResult {
  const check = checkSource(source, file, { trace: opts.trace === true });
  if (!check.ok || check.program === undefined) return { ok: false, diagnostics: check.diagnostics, check };
  const asm = assemble(check.program, source, { resolveImport });
  const diagnostics = [...check.diagnostics, ...asm.diagnostics];
  if (asm.image === undefined) return { ok: false, diagnostics, check };
  const unsigned = writeTalo(asm.image);
  const result: BuildResult = { ok: true, diagnostics, check, image: asm.image, talo: opts.key !== undefined ? signTalo(unsigned, opts.key) : unsigned };
  if (opts.elf !== undefined) result.elf = writeElf(asm.image, { trap: opts.elf });
  return result;
}

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

const BUILT_HERE = Symbol('built by buildSource');

/**
 * A .talo image the checker accepted, as built by buildSource — the only thing
 * a loader may sign for ring 0. It cannot be made anywhere else: the
 * constructor wants a token this module keeps to itself, so "only checked code
 * is signed" holds by construction, not by every caller's care.
 */
export class CheckedImage {
  readonly #bytes: Uint8Array;

  constructor(
    token: symbol,
    /** The unsigned image; the CheckedImage keeps its own copy. */
    talo: Uint8Array,
    /** The file the source came from, for messages. */
    readonly file: string,
  ) {
    if (token !== BUILT_HERE) throw new Error('a CheckedImage comes only from buildSource');
    this.#bytes = Uint8Array.from(talo);
  }

  /** A copy of the unsigned image: changing it cannot change what a signer sees. */
  get talo(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  static is(value: unknown): value is CheckedImage {
    return typeof value === 'object' && value !== null && #bytes in value;
  }
}

export interface BuildResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  check: CheckResult;
  image?: AssembledImage;
  /** The image as bytes: signed when a key was given. */
  talo?: Uint8Array;
  /** The unsigned image, for a loader that signs with its own per-boot key. */
  checked?: CheckedImage;
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
  const result: BuildResult = {
    ok: true,
    diagnostics,
    check,
    image: asm.image,
    talo: opts.key !== undefined ? signTalo(unsigned, opts.key) : unsigned,
    checked: new CheckedImage(BUILT_HERE, unsigned, file),
  };
  if (opts.elf !== undefined) result.elf = writeElf(asm.image, { trap: opts.elf });
  return result;
}

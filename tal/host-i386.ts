// How this host runs a static i386 Linux program (the ELF builds of
// tal/asm/elf.ts): directly where the host kernel executes 32-bit ELF files,
// otherwise through QEMU's user-mode emulator (`qemu-i386`, Debian package
// `qemu-user`). Many x86-64 kernels are built without IA-32 emulation and
// answer `Exec format error`, so the choice is probed, never assumed. Every
// test and tool that runs an i386 program on the host goes through here.
//
// QEMU's user mode (7.2 in Debian 12) passes no AT_SYSINFO to the program, so
// a sysenter build falls back to `int 0x80` under it; the vDSO path can only
// be observed on a real i386 kernel (the v86 guest).

import { spawn, spawnSync, type ChildProcess, type SpawnOptions, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How i386 programs run here: the host kernel, or qemu-i386 at `path`. */
export type I386Host = { kind: 'native' } | { kind: 'qemu'; path: string };

/** `TAL_I386_HOST=native|qemu` forces a choice (e.g. to test the other path). */
export const I386_HOST_ENV = 'TAL_I386_HOST';

const QEMU = 'qemu-i386';
const INSTALL_HINT = `install QEMU's user-mode emulator (Debian: apt-get install qemu-user) so that ${QEMU} is on PATH`;

export class I386HostError extends Error {
  readonly code = 'E_NO_I386_HOST';
}

/**
 * A complete static i386 ELF of 93 bytes: one PT_LOAD segment whose code is
 * `mov eax, 1; mov ebx, 42; int 0x80` (exit(42)). Exit status 42 proves the
 * host kernel ran it, not some handler that exits 0.
 */
export const PROBE_STATUS = 42;
function probeElf(): Uint8Array {
  const base = 0x08048000;
  const code = [0xb8, 1, 0, 0, 0, 0xbb, PROBE_STATUS, 0, 0, 0, 0xcd, 0x80];
  const ehsize = 52;
  const phsize = 32;
  const size = ehsize + phsize + code.length;
  const b = new DataView(new ArrayBuffer(size));
  [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1].forEach((v, i) => b.setUint8(i, v)); // ELFCLASS32, LSB, version 1
  b.setUint16(16, 2, true); // ET_EXEC
  b.setUint16(18, 3, true); // EM_386
  b.setUint32(20, 1, true);
  b.setUint32(24, base + ehsize + phsize, true); // e_entry
  b.setUint32(28, ehsize, true); // e_phoff
  b.setUint16(40, ehsize, true);
  b.setUint16(42, phsize, true);
  b.setUint16(44, 1, true); // e_phnum
  b.setUint32(ehsize + 0, 1, true); // PT_LOAD
  b.setUint32(ehsize + 8, base, true); // p_vaddr
  b.setUint32(ehsize + 12, base, true);
  b.setUint32(ehsize + 16, size, true); // p_filesz
  b.setUint32(ehsize + 20, size, true); // p_memsz
  b.setUint32(ehsize + 24, 5, true); // R+X
  b.setUint32(ehsize + 28, 0x1000, true);
  code.forEach((v, i) => b.setUint8(ehsize + phsize + i, v));
  return new Uint8Array(b.buffer);
}

/** Whether the host kernel itself runs the probe program. */
export function hostKernelRunsI386(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'tal-i386-probe-'));
  try {
    const file = join(dir, 'probe');
    writeFileSync(file, probeElf());
    chmodSync(file, 0o755);
    const r = spawnSync(file, [], { timeout: 10_000, stdio: 'ignore' });
    return r.error === undefined && r.status === PROBE_STATUS;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function findQemu(env: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8', timeout: 10_000, env });
  return r.error === undefined && r.status === 0 ? QEMU : undefined;
}

function qemuHost(env: NodeJS.ProcessEnv): I386Host {
  const path = findQemu(env);
  if (path === undefined) throw new I386HostError(`this host cannot run i386 programs: ${INSTALL_HINT}`);
  return { kind: 'qemu', path };
}

/** Decides how to run i386 programs under `env` (its PATH and I386_HOST_ENV); probes every time. */
export function chooseI386Host(env: NodeJS.ProcessEnv = process.env): I386Host {
  const forced = env[I386_HOST_ENV];
  if (forced === 'native') return { kind: 'native' };
  if (forced === 'qemu') return qemuHost(env);
  if (forced !== undefined && forced !== '') throw new I386HostError(`${I386_HOST_ENV} must be "native" or "qemu", not ${JSON.stringify(forced)}`);
  if (hostKernelRunsI386()) return { kind: 'native' };
  try {
    return qemuHost(env);
  } catch {
    throw new I386HostError(`the host kernel does not execute i386 programs (Exec format error) and ${QEMU} was not found: ${INSTALL_HINT}`);
  }
}

let chosen: I386Host | undefined;

/** How this host runs i386 programs; probed once per process. Throws I386HostError when it cannot. */
export function i386Host(): I386Host {
  chosen ??= chooseI386Host();
  return chosen;
}

/**
 * The command line that runs the i386 program `file` with `args` on this host. `argv0`, when
 * given, is the program's argv[0] (spawn's `argv0` option natively, qemu's `-0` otherwise).
 */
export function i386Command(file: string, args: readonly string[] = [], argv0?: string): { command: string; args: string[]; argv0?: string } {
  const host = i386Host();
  if (host.kind === 'native') return { command: file, args: [...args], ...(argv0 !== undefined ? { argv0 } : {}) };
  return { command: host.path, args: [...(argv0 !== undefined ? ['-0', argv0] : []), file, ...args] };
}

/** `spawnSync` for an i386 program; the child's pid is the program's pid on both paths. */
export function spawnI386Sync(file: string, args: readonly string[], options: SpawnSyncOptions & { encoding: BufferEncoding }): SpawnSyncReturns<string>;
export function spawnI386Sync(file: string, args?: readonly string[], options?: SpawnSyncOptions): SpawnSyncReturns<Buffer>;
export function spawnI386Sync(file: string, args: readonly string[] = [], options: SpawnSyncOptions = {}): SpawnSyncReturns<string | Buffer> {
  const { argv0, ...rest } = options;
  const c = i386Command(file, args, argv0);
  return spawnSync(c.command, c.args, { ...rest, ...(c.argv0 !== undefined ? { argv0: c.argv0 } : {}) });
}

/** `spawn` for an i386 program. */
export function spawnI386(file: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  const { argv0, ...rest } = options;
  const c = i386Command(file, args, argv0);
  return spawn(c.command, c.args, { ...rest, ...(c.argv0 !== undefined ? { argv0: c.argv0 } : {}) });
}

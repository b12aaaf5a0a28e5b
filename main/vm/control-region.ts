// The region the patched guest kernel shares with the host: a control page
// (magic, layout, the telemetry flag, the signing-key slot, counters) followed
// by a ring of syscall records. It lies in the kernel's page-aligned .bss, so
// it is physically contiguous; the host reaches it with read/writeMemory.
// Layout: docs/telemetry.md, mirrored from the kernel's struct tal_control
// (arch/x86/include/asm/tal.h). Every offset of it lives in this file.

import { VmError } from './errors.js';

export const CONTROL_MAGIC = 0x434c4154; // "TALC"
export const CONTROL_VERSION = 1;
export const KEY_READY = 0x2159454b; // "KEY!"
/** `panicked` once the kernel panicked (its panic notifier wrote it). */
export const PANICKED = 0x43494e50; // "PNIC"
export const KEY_BYTES = 32;
export const CONTROL_HEADER_SIZE = 4096;
export const RECORD_SIZE = 32;

/** Byte offsets inside struct tal_control. */
export const CONTROL_OFFSETS = {
  magic: 0,
  version: 4,
  size: 8,
  ringOffset: 12,
  ringEntries: 16,
  recordSize: 20,
  telemetryEnabled: 24,
  keyState: 28,
  key: 32,
  nextSeq: 64,
  syscallsByPath: 68, // u32[4], indexed by path number
  execsKernel: 84,
  execsUser: 88,
  refused: 92,
  killed: 96,
  oopses: 100,
  panicked: 104,
} as const;
const COUNTERS_END = 108;

/** Byte offsets inside struct tal_record. */
export const RECORD_OFFSETS = { seq: 0, pid: 4, tsc: 8, nr: 16, path: 20, cycles: 24, ret: 28 } as const;

/** How a system call reached the kernel (TAL_PATH_*). */
export const SYSCALL_PATHS = { 1: 'int80', 2: 'sysenter', 3: 'direct' } as const;
export type SyscallPath = (typeof SYSCALL_PATHS)[keyof typeof SYSCALL_PATHS];

export interface ControlRegion {
  /** Guest physical address of the control page. */
  address: number;
  /** Bytes of the whole region (control page + ring). */
  size: number;
  ringOffset: number;
  ringEntries: number;
}

export interface ControlCounters {
  telemetryEnabled: boolean;
  keyReady: boolean;
  /** Records written so far (the next record's sequence number). */
  nextSeq: number;
  syscalls: Record<SyscallPath, number>;
  execsKernel: number;
  execsUser: number;
  refused: number;
  killed: number;
  /** Kernel oopses since boot: counted by the kernel, so no log flood hides one and no process forges one. */
  oopses: number;
  /** The kernel panicked (its panic notifier said so; a banner on the console proves nothing). */
  panicked: boolean;
}

/** What the locator needs from the VM. */
export interface GuestMemory {
  readMemory(addr: number, len: number): Promise<Uint8Array>;
  writeMemory(addr: number, bytes: Uint8Array): Promise<void>;
}

/** The region described by a control page, or null when `page` is not a valid one. */
export function parseControlPage(page: Uint8Array, address: number): ControlRegion | null {
  if (page.length < COUNTERS_END) return null;
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const entries = u32(CONTROL_OFFSETS.ringEntries);
  const ringOffset = u32(CONTROL_OFFSETS.ringOffset);
  const size = u32(CONTROL_OFFSETS.size);
  const valid =
    u32(CONTROL_OFFSETS.magic) === CONTROL_MAGIC &&
    u32(CONTROL_OFFSETS.version) === CONTROL_VERSION &&
    u32(CONTROL_OFFSETS.recordSize) === RECORD_SIZE &&
    ringOffset === CONTROL_HEADER_SIZE &&
    entries > 0 &&
    (entries & (entries - 1)) === 0 &&
    size === ringOffset + entries * RECORD_SIZE;
  return valid ? { address, size, ringOffset, ringEntries: entries } : null;
}

export function parseCounters(page: Uint8Array): ControlCounters {
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const byPath = (path: number) => u32(CONTROL_OFFSETS.syscallsByPath + 4 * path);
  return {
    telemetryEnabled: u32(CONTROL_OFFSETS.telemetryEnabled) !== 0,
    keyReady: u32(CONTROL_OFFSETS.keyState) === KEY_READY,
    nextSeq: u32(CONTROL_OFFSETS.nextSeq),
    syscalls: { int80: byPath(1), sysenter: byPath(2), direct: byPath(3) },
    execsKernel: u32(CONTROL_OFFSETS.execsKernel),
    execsUser: u32(CONTROL_OFFSETS.execsUser),
    refused: u32(CONTROL_OFFSETS.refused),
    killed: u32(CONTROL_OFFSETS.killed),
    oopses: u32(CONTROL_OFFSETS.oopses),
    panicked: u32(CONTROL_OFFSETS.panicked) === PANICKED,
  };
}

export async function readCounters(vm: GuestMemory, region: ControlRegion): Promise<ControlCounters> {
  return parseCounters(await vm.readMemory(region.address, COUNTERS_END));
}

/**
 * The control page's physical address as the build recorded it (manifest.json → control_region.phys,
 * e.g. "0x01494000"); undefined when the manifest has none, an error when it is malformed.
 */
export function manifestControlAddress(manifest: Record<string, unknown> | null): number | undefined {
  const region = manifest?.control_region;
  if (region === undefined) return undefined;
  const phys = typeof region === 'object' && region !== null ? (region as Record<string, unknown>).phys : undefined;
  if (typeof phys !== 'string' || !/^0x[0-9a-fA-F]{1,8}$/.test(phys) || Number(phys) % 4096 !== 0) {
    throw new VmError('BAD_IMAGES', `manifest.json control_region.phys must be a page-aligned hex address, got ${JSON.stringify(phys)}`);
  }
  return Number(phys);
}

const SCAN_CHUNK = 4 * 1024 * 1024;
const PAGE = 4096;

/**
 * Find the control region. With `expectedAddress` (from the build: manifestControlAddress) only that
 * page is checked. Without it (images with no manifest) guest memory is scanned and exactly one valid
 * control page must exist: a guest program could forge a look-alike page, so scan only before untrusted
 * programs have run, and refuse ambiguity rather than guess (the signing key is written there).
 */
export async function locateControlRegion(vm: GuestMemory, memoryBytes: number, expectedAddress?: number): Promise<ControlRegion> {
  if (expectedAddress !== undefined) {
    const region = parseControlPage(await vm.readMemory(expectedAddress, COUNTERS_END), expectedAddress);
    if (!region) {
      throw new VmError('NO_TAL_SUPPORT', `no TAL control page at guest physical 0x${expectedAddress.toString(16)}`);
    }
    return region;
  }
  const found: ControlRegion[] = [];
  for (let base = 0; base < memoryBytes; base += SCAN_CHUNK) {
    const chunk = await vm.readMemory(base, Math.min(SCAN_CHUNK, memoryBytes - base));
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = 0; at + COUNTERS_END <= chunk.length; at += PAGE) {
      if (view.getUint32(at, true) !== CONTROL_MAGIC) continue;
      const region = parseControlPage(chunk.subarray(at, at + COUNTERS_END), base + at);
      if (region) found.push(region);
    }
  }
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new VmError('NO_TAL_SUPPORT', 'the guest kernel has no TAL control region (is it the patched kernel?)');
  }
  const where = found.map((r) => `0x${r.address.toString(16)}`).join(', ');
  throw new VmError('NO_TAL_SUPPORT', `found ${found.length} TAL control pages (${where}); refusing to guess`);
}

// The one place where the lab UI meets the rest of TAL Lab: the TAL toolchain
// (tal/) and the guest VM (main/vm, main/runner). The lab service only
// sees the two interfaces below; this file adapts the real modules to them.

import { checkSource } from '../../tal/check-source.js';
import type { BuildReply, CheckReply, RunMode, SnapshotReply, SourceRequest, Unsubscribe, VmStatus } from '../ipc/contract.js';

export interface BuiltImage extends BuildReply {
  /** The unsigned .talo image; present when ok. */
  talo?: Uint8Array;
}

export interface TalToolchain {
  check(req: SourceRequest): CheckReply;
  build(req: SourceRequest): BuiltImage;
}

export interface GuestRun {
  /** 'exited' when the program ran; 'refused' when the guest loader would not run the image. */
  status: 'exited' | 'refused' | 'failed';
  message: string;
  exitCode?: number;
  output?: string;
}

/** One syscall the guest recorded (see docs/telemetry.md). */
export interface SyscallEvent {
  seq: number;
  nr: number;
  path: 'trap' | 'direct';
  durationNs: number;
  pid: number;
}

export interface LabVm {
  status(): VmStatus;
  onStatus(listener: (status: VmStatus) => void): Unsubscribe;
  onSerial(listener: (port: number, bytes: Uint8Array) => void): Unsubscribe;
  start(): Promise<void>;
  restart(): Promise<void>;
  snapshot(action: 'save' | 'restore'): Promise<SnapshotReply>;
  writeSerial(port: number, bytes: Uint8Array): Promise<void>;
  /** Delivers the image, signs it for kernel mode, runs it and waits for it to exit. */
  run(talo: Uint8Array, mode: RunMode, args: string[]): Promise<GuestRun>;
  /** Syscall events recorded since the previous call (empty when the guest has no telemetry). */
  drainTelemetry(): Promise<SyscallEvent[]>;
  stop(): Promise<void>;
}

/**
 * The checker is wired statically (tal/check-source.ts); the assembler is
 * loaded from tal/index.ts when present. Until it lands, build replies say why
 * nothing can be built (E_UNAVAILABLE) instead of the lab failing to start.
 */
export async function loadToolchain(): Promise<TalToolchain> {
  const check = (req: SourceRequest): CheckReply => {
    const r = checkSource(req.source, req.file, { trace: true });
    return { ok: r.ok, diagnostics: r.diagnostics, trace: r.trace };
  };
  let mod: Record<string, unknown> = {};
  let missing = '';
  try {
    // A computed specifier keeps tsc from requiring the module before it exists.
    mod = (await import(new URL('../../tal/index.js', import.meta.url).href)) as Record<string, unknown>;
  } catch (err) {
    missing = `the TAL assembler (tal/index.ts) is not available: ${(err as Error).message}`;
  }
  const build = mod['buildSource'];
  if (typeof build !== 'function') {
    const reason = missing || 'tal/index.ts does not export buildSource';
    return {
      check,
      build: (req) => {
        const checked = check(req);
        if (!checked.ok) return { ok: false, diagnostics: checked.diagnostics, listing: [] };
        return { ok: false, diagnostics: [{ code: 'E_UNAVAILABLE', severity: 'error', file: req.file, line: 1, col: 1, message: reason }], listing: [] };
      },
    };
  }
  return {
    check,
    build: (req) => {
      const r = (build as (s: string, f: string) => BuiltImage)(req.source, req.file);
      return { ok: r.ok, diagnostics: r.diagnostics, listing: r.listing ?? [], ...(r.talo ? { talo: r.talo, imageBytes: r.talo.length } : {}) };
    },
  };
}

/** Syscall number → name for the telemetry views, from the checker's prototype table (tal/syscalls.ts). */
export async function loadSyscallNames(): Promise<(nr: number) => string> {
  const names = new Map<number, string>();
  try {
    const mod = (await import(new URL('../../tal/syscalls.js', import.meta.url).href)) as { SYSCALLS?: Array<{ nr: number; name: string }> };
    for (const p of mod.SYSCALLS ?? []) names.set(p.nr, p.name);
  } catch {
    // Without the table the views still work, naming syscalls by number.
  }
  return (nr) => names.get(nr) ?? `syscall ${nr}`;
}

/** The VM as the lab sees it before main/vm and main/runner land: honest about being absent. */
export function absentVm(reason: string): LabVm {
  const status: VmStatus = { state: 'unavailable', message: reason };
  const refuse = async (): Promise<never> => {
    throw new Error(reason);
  };
  return {
    status: () => status,
    onStatus: () => () => undefined,
    onSerial: () => () => undefined,
    start: async () => undefined,
    restart: async () => undefined,
    snapshot: async () => ({ ok: false, message: reason }),
    writeSerial: refuse,
    run: async () => ({ status: 'failed', message: reason }),
    drainTelemetry: async () => [],
    stop: async () => undefined,
  };
}

export async function loadVm(_imagesDir: string): Promise<LabVm> {
  return absentVm('the guest VM service (main/vm) is not wired in yet');
}

// The one place where the lab UI meets the rest of TAL Lab: the TAL toolchain
// (tal/) and the guest VM (main/vm, main/runner). The lab service only
// sees the two interfaces below; this file adapts the real modules to them.

import { SYSCALLS, type CheckedImage } from '../../tal/index.js';
import { guestVm } from './guest-vm.js';
import type { BuildReply, CheckReply, SyscallPath, SyscallStat, RunMode, SnapshotReply, SourceRequest, Unsubscribe, VmStatus } from '../ipc/contract.js';

export interface BuiltImage extends BuildReply {
  /** The image the checker accepted (unsigned); present when ok. Only this can be sent to run. */
  checked?: CheckedImage;
}

export interface TalToolchain {
  check(req: SourceRequest): Promise<CheckReply>;
  /** forRun: also return the CheckedImage (only main's own build makes one). */
  build(req: SourceRequest, forRun?: boolean): Promise<BuiltImage>;
  close(): Promise<void>;
}

export interface GuestRun {
  /** 'exited' when the program ran; 'refused' when the guest loader would not run the image; 'unavailable' when the guest cannot run programs at all. */
  status: 'exited' | 'refused' | 'failed' | 'unavailable';
  message: string;
  exitCode?: number;
  output?: string;
  /** The program's own syscalls (by its pid), counted by the guest kernel. */
  syscalls?: SyscallStat[];
  /** Records of this run the guest's telemetry ring overwrote before they were read. */
  dropped?: number;
  /** The program's process id in the guest. */
  pid?: number;
}

/** One syscall the guest recorded (see docs/telemetry.md). */
export interface SyscallEvent {
  seq: number;
  nr: number;
  path: 'trap' | 'direct';
  durationNs: number;
  pid: number;
}

export interface TelemetryDrain {
  available: boolean;
  message: string;
  events: SyscallEvent[];
  /** The guest kernel's exact syscall totals by path (events can be lost when its ring overflows). */
  totals?: Record<SyscallPath, number>;
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
  run(image: CheckedImage, mode: RunMode, args: string[]): Promise<GuestRun>;
  /** Syscall events recorded since the previous call, and whether the guest has telemetry at all. */
  drainTelemetry(): Promise<TelemetryDrain>;
  stop(): Promise<void>;
}

/** Syscall number → name for the telemetry views, from the checker's prototype table. */
export function syscallName(nr: number): string {
  return SYSCALL_NAMES.get(nr) ?? `syscall ${nr}`;
}
const SYSCALL_NAMES = new Map(SYSCALLS.map((p) => [p.nr, p.name]));

export function loadVm(imagesDir: string): LabVm {
  return guestVm({ imagesDir });
}

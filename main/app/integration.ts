// The one place where the lab UI meets the rest of TAL Lab: the TAL toolchain
// (tal/) and the guest VM (main/vm, main/runner). The lab service only
// sees the two interfaces below (guest-vm.ts and toolchain.ts implement them).

import { SYSCALLS, type CheckedImage } from '../../tal/index.js';
import { I386_SYSCALL_NAMES } from './i386-syscall-names.js';
import type { BuildReply, CheckReply, TransitionKind, LabRunMode, SnapshotReply, SourceRequest, Unsubscribe, VmStatus } from '../../preload/contract.js';

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
  status: 'exited' | 'refused' | 'failed' | 'unavailable' | 'stopped';
  message: string;
  exitCode?: number;
  output?: string;
  /** The program's own system calls (by its pid), counted exactly. */
  program?: ProgramRun;
  /** The guest died or cannot run programs: the person should restart it. */
  restartHint?: boolean;
}

/** One run's system calls, the program's alone (main/runner/program-accounting.ts), in the lab's two paths. */
export interface ProgramRun {
  pid: number;
  /** The path all its calls took: direct in kernel mode, trap in user mode. */
  path: TransitionKind;
  total: number;
  /** Calls in total that the guest's ring overwrote before they were itemized. */
  notItemized: number;
  calls: Array<{ nr: number; path: TransitionKind; count: number; totalNs: number }>;
  /** Its recorded calls, oldest first, for the lane. */
  records: Array<{ seq: number; nr: number; ns: number }>;
}

export interface TelemetryDrain {
  available: boolean;
  message: string;
  /** The guest kernel's exact syscall totals by path, every process. */
  totals?: Record<TransitionKind, number>;
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
  run(image: CheckedImage, mode: LabRunMode, args: string[], stdin: Uint8Array | 'tty'): Promise<GuestRun>;
  /** Ends the run in progress (SIGINT, then SIGKILL); false when none was running. */
  stopRun(): Promise<boolean>;
  /** The kernel's syscall counters, and whether the guest has telemetry at all. */
  drainTelemetry(): Promise<TelemetryDrain>;
  stop(): Promise<void>;
}

/** Syscall number → name for the telemetry views: the checker's name for an import, else the kernel's. */
export function syscallName(nr: number): string {
  return SYSCALL_NAMES.get(nr) ?? I386_SYSCALL_NAMES.get(nr) ?? `unassigned system call ${nr}`;
}
const SYSCALL_NAMES = new Map(SYSCALLS.map((p) => [p.nr, p.name]));

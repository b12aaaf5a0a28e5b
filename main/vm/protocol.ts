// The typed message protocol between VmService (host thread) and the emulator
// worker. One worker runs one v86 instance for its whole life; the emulator
// configuration travels in workerData, everything else as messages.

import type { SerializedVmError } from './errors.js';

export const SERIAL_PORTS = [0, 1, 2, 3] as const;
/** ttyS0..ttyS3 in the guest. */
export type SerialPort = (typeof SERIAL_PORTS)[number];

export function isSerialPort(value: unknown): value is SerialPort {
  return typeof value === 'number' && (SERIAL_PORTS as readonly number[]).includes(value);
}

/** What the worker needs to construct v86 (passed as workerData, buffers transferred). */
export interface EmulatorConfig {
  wasmPath: string;
  bios: ArrayBuffer;
  vgaBios: ArrayBuffer;
  bzImage: ArrayBuffer;
  initrd: ArrayBuffer;
  cmdline: string;
  memorySize: number;
  /** A save_state() buffer to resume from instead of cold booting. */
  initialState?: ArrayBuffer;
}

/** Each call: its arguments and the value the worker replies with. */
export interface WorkerCalls {
  'serial-write': { args: { port: SerialPort; bytes: Uint8Array }; result: null };
  'save-state': { args: Record<string, never>; result: ArrayBuffer };
  'read-memory': { args: { addr: number; len: number }; result: Uint8Array };
  'write-memory': { args: { addr: number; bytes: Uint8Array }; result: null };
  'create-file': { args: { path: string; bytes: Uint8Array }; result: null };
  'read-file': { args: { path: string }; result: Uint8Array };
  'instruction-counter': { args: Record<string, never>; result: number };
  stop: { args: Record<string, never>; result: null };
}
export type WorkerCallName = keyof WorkerCalls;

export type WorkerRequest = {
  [K in WorkerCallName]: { id: number; call: K; args: WorkerCalls[K]['args'] };
}[WorkerCallName];

export type WorkerReply =
  | { type: 'reply'; id: number; ok: true; result: WorkerCalls[WorkerCallName]['result'] }
  | { type: 'reply'; id: number; ok: false; error: SerializedVmError };

export type WorkerMessage =
  | WorkerReply
  /** Output bytes of one serial port, batched per emulator time slice. */
  | { type: 'serial'; port: SerialPort; bytes: Uint8Array }
  /** v86 started executing (the BIOS runs first); msSinceSpawn is measured in the worker. */
  | { type: 'started'; msSinceSpawn: number }
  /** v86 threw outside a call (e.g. in a bus listener); the emulator is unusable. */
  | { type: 'fatal'; error: SerializedVmError };

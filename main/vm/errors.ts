// Every failure the VM layer reports is a VmError: a stable code for programs,
// a message for people, and where it happened (port, command, guest path) when
// that is known.

export type VmErrorCode =
  | 'BAD_IMAGES' // the images directory is missing a file or is unreadable
  | 'BAD_ARGUMENT' // a caller passed a value outside the API's contract
  | 'BOOT_TIMEOUT' // no shell prompt on ttyS0 within the boot timeout
  | 'EXEC_TIMEOUT' // a guest command did not finish within its timeout
  | 'INTERRUPTED' // the command was interrupted with Ctrl-C
  | 'NOT_RUNNING' // the call was made before boot or after stop
  | 'STOPPED' // stop() was called while the call was pending
  | 'WORKER_EXIT' // the emulator worker thread exited unexpectedly
  | 'EMULATOR_ERROR' // v86 threw inside the worker
  | 'GUEST_RESTARTED' // the emulator died under the running guest, which was restarted from its snapshot
  | 'GUEST_FILE_NOT_FOUND' // a 9p path does not exist
  | 'NO_TAL_SUPPORT'; // the guest kernel has no (unique, valid) TAL control region

export interface VmErrorLocation {
  port?: number;
  command?: string;
  path?: string;
  /** The last bytes of console output, to show what the guest was doing. */
  outputTail?: string;
}

export class VmError extends Error {
  override readonly name = 'VmError';
  constructor(
    readonly code: VmErrorCode,
    message: string,
    readonly location: VmErrorLocation = {},
  ) {
    super(message);
  }
}

/** A VmError as it crosses the worker boundary (Error subclasses do not survive structured clone). */
export interface SerializedVmError {
  code: VmErrorCode;
  message: string;
  location: VmErrorLocation;
}

export function serializeError(error: unknown, fallback: VmErrorCode): SerializedVmError {
  if (error instanceof VmError) return { code: error.code, message: error.message, location: error.location };
  const message = error instanceof Error ? error.message : String(error);
  return { code: fallback, message, location: {} };
}

export function deserializeError(error: SerializedVmError): VmError {
  return new VmError(error.code, error.message, error.location);
}

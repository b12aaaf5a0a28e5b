// Public API of the host-side VM layer (plain Node; never imports electron).

export { VmService, GUEST_SHARE_DIR, DEFAULT_MEMORY_MIB, DEFAULT_CMDLINE, DEFAULT_BOOT_TIMEOUT_MS, instructionsBetween } from './vm-service.js';
export type { BootOptions, BootReport, VmEvents } from './vm-service.js';
export { launchGuest } from './guest-launcher.js';
export type { LaunchOptions, LaunchedGuest, SnapshotInfo } from './guest-launcher.js';
export { VmError } from './errors.js';
export type { VmErrorCode, VmErrorLocation } from './errors.js';
export { BOOT_STAGES } from './boot-progress.js';
export type { BootStage, BootProgress } from './boot-progress.js';
export { SERIAL_PORTS, isSerialPort } from './protocol.js';
export type { SerialPort } from './protocol.js';
export type { ExecOptions, ExecResult } from './shell-channel.js';
export { MAX_COMMAND_BYTES } from './shell-channel.js';
export { defaultImagesDir, loadGuestImages } from './guest-images.js';
export type { GuestImages } from './guest-images.js';
export { defaultCacheDir } from './snapshot-cache.js';
export { locateControlRegion, manifestControlAddress, parseControlPage, parseCounters, readCounters, CONTROL_OFFSETS, KEY_READY } from './control-region.js';
export type { ControlRegion, ControlCounters, SyscallPath, GuestMemory } from './control-region.js';
export { TelemetryReader, parseRecord } from './telemetry.js';
export type { SyscallRecord, TelemetryBatch } from './telemetry.js';
export { SigningKey } from './signing-key.js';

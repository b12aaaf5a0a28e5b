// VmService: one v86 guest running in a worker thread, seen from the host as
// a boot sequence, four serial byte streams, a shell per serial port, a 9p
// file share, guest physical memory, snapshots and an instruction counter.
// Plain Node: used by the CLI, the tests and the Electron main process alike.

import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { BootProgressTracker, type BootProgress } from './boot-progress.js';
import { deserializeError, VmError } from './errors.js';
import { copyBytes, defaultImagesDir, loadGuestImages, ownBuffer, type GuestImages } from './guest-images.js';
import {
  SERIAL_PORTS,
  isSerialPort,
  type EmulatorConfig,
  type SerialPort,
  type WorkerCallName,
  type WorkerCalls,
  type WorkerMessage,
  type WorkerRequest,
} from './protocol.js';
import { emulatorWorkerPath, v86WasmPath } from './runtime-paths.js';
import { ShellChannel, decodeTerminalText, type ExecOptions, type ExecResult } from './shell-channel.js';

const MiB = 1024 * 1024;
/** v86 loads the initrd at 64 MiB. */
const INITRD_ADDRESS = 64 * MiB;
export const DEFAULT_MEMORY_MIB = 128;
export const DEFAULT_CMDLINE = 'console=ttyS0';
/**
 * A hang detector, not a speed goal (that is `npm run bench`'s cold-boot bound, 8 s): a cold boot
 * takes ≈ 2.5 s on an idle 2-core machine and was seen at 30 s on a heavily loaded one.
 */
export const DEFAULT_BOOT_TIMEOUT_MS = 180_000;
/** Where the guest sees the host's 9p share (v86's virtio-9p mount tag is "host9p"). */
export const GUEST_SHARE_DIR = '/mnt/host';
const PROBE_TIMEOUT_MS = 1_500;
const PROBE_FALLBACK_MS = 3_000;
const STOP_GRACE_MS = 2_000;
/** How long a guest restarted after an emulator death has to answer before the VM is given up. */
const RECOVERY_PROBE_MS = 10_000;
const CONSOLE_TAIL_CHARS = 4_000;
/** printk levels below this reach the console: emergencies to errors, not warnings. */
const CONSOLE_LOGLEVEL = 4;

export interface BootOptions {
  /** Directory with bios.bin, vgabios-stdvga.bin, bzImage, initramfs.cpio.gz (default: kernel-images/images). */
  imagesDir?: string;
  /** Images already loaded with loadGuestImages() (takes precedence over imagesDir). */
  images?: GuestImages;
  memoryMiB?: number;
  /** Default: the manifest's `cmdline`, else DEFAULT_CMDLINE. */
  cmdline?: string;
  bootTimeoutMs?: number;
  /** Resume from a saveState() buffer taken with the same images and options instead of cold booting. */
  state?: ArrayBuffer | Uint8Array;
}

export interface BootReport {
  mode: 'cold' | 'restore';
  /** From boot() to a shell answering on ttyS0. */
  totalMs: number;
  stages: BootProgress[];
  imagesDigest: string;
  memoryMiB: number;
  cmdline: string;
}

export interface VmEvents {
  progress: [BootProgress];
  /** Raw output bytes of a serial port, in order, batched. */
  serial: [SerialPort, Uint8Array];
  /** The emulator died (worker exit or v86 error); every pending call has been rejected with this error. */
  crash: [VmError];
  /** The worker thread ended (after stop() or a crash). */
  exit: [number];
  /** restoreState() replaced the guest's state (anything written into guest memory since is gone). */
  restored: [];
  /**
   * The emulator died under the running guest and the guest was restarted from the recovery state
   * (setRecoveryState); calls in flight rejected with this error (GUEST_RESTARTED). `restored` follows.
   */
  recovered: [VmError];
}

type Lifecycle = 'idle' | 'booting' | 'running' | 'stopping' | 'ended';

interface PendingCall {
  call: WorkerCallName;
  resolve(value: unknown): void;
  reject(error: VmError): void;
}

export class VmService extends EventEmitter<VmEvents> {
  private lifecycle: Lifecycle = 'idle';
  private worker: Worker | null = null;
  private nextCallId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private shells: ShellChannel[] = this.newShells();
  private readonly consoleTails: string[] = SERIAL_PORTS.map(() => '');
  private ending: VmError | null = null;
  private bootAbort: ((error: VmError) => void) | null = null;
  private tracker: BootProgressTracker | null = null;
  private promptSeen: (() => void) | null = null;
  /** Settles when the current worker's v86 starts executing, or rejects when the VM ends first. */
  private emulatorStarted: Promise<void> = Promise.resolve();
  private markStarted: () => void = () => undefined;
  private failStarted: (error: VmError) => void = () => undefined;
  private config: { images: GuestImages; memoryMiB: number; cmdline: string } | null = null;
  private recoveryState: Uint8Array | null = null;
  private recovering = false;
  private recoveryStarted = false;

  get running(): boolean {
    return this.lifecycle === 'running';
  }

  get images(): GuestImages | null {
    return this.config?.images ?? null;
  }

  /** Start the guest and resolve once a shell answers on ttyS0. A VmService boots once; make a new one to boot again. */
  async boot(options: BootOptions = {}): Promise<BootReport> {
    if (this.lifecycle !== 'idle') throw new VmError('BAD_ARGUMENT', `boot() called on a VM that is ${this.lifecycle}`);
    this.lifecycle = 'booting';
    const startedAt = performance.now();
    const stages: BootProgress[] = [];
    try {
      const images = options.images ?? (await loadGuestImages(options.imagesDir ?? defaultImagesDir()));
      const memoryMiB = options.memoryMiB ?? DEFAULT_MEMORY_MIB;
      checkMemorySize(memoryMiB, images.files.initrd.length);
      const cmdline = resolveCmdline(images, options.cmdline);
      this.config = { images, memoryMiB, cmdline };
      const timeoutMs = options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
      const mode = options.state ? 'restore' : 'cold';
      const report = (progress: BootProgress) => {
        stages.push(progress);
        this.emit('progress', progress);
      };
      // A restored guest is already at its prompt: it reports only that stage.
      this.tracker = mode === 'cold' ? new BootProgressTracker(startedAt, () => performance.now(), report) : null;
      this.spawnWorker(options.state);
      await this.withBootDeadline(timeoutMs, () => this.waitForShell(mode));
      if (this.tracker) this.tracker.reach('prompt');
      else report({ stage: 'prompt', ms: performance.now() - startedAt });
      this.tracker = null;
      if (mode === 'cold') await this.prepareGuest();
      this.lifecycle = 'running';
      return { mode, totalMs: performance.now() - startedAt, stages, imagesDigest: images.digest, memoryMiB, cmdline };
    } catch (error) {
      const failure = error instanceof VmError ? error : new VmError('EMULATOR_ERROR', String(error));
      this.end(failure, false);
      throw failure;
    }
  }

  /** Output bytes of a serial port go to `serial` events; this sends input bytes to it. */
  async write(port: SerialPort, bytes: Uint8Array | string): Promise<void> {
    checkPort(port);
    const data = typeof bytes === 'string' ? new Uint8Array(Buffer.from(bytes, 'utf8')) : copyBytes(bytes);
    await this.call('serial-write', { port, bytes: data }, [data.buffer]);
  }

  /** Run a shell command on a serial console (default ttyS0); commands on one port run one at a time. */
  exec(command: string, options: ExecOptions & { port?: SerialPort } = {}): Promise<ExecResult> {
    const port = options.port ?? 0;
    if (!isSerialPort(port)) return Promise.reject(portError(port));
    if (this.lifecycle !== 'running') return Promise.reject(this.notRunning());
    return this.shells[port]!.exec(command, options);
  }

  /** Ctrl-C on a serial console: the command running there rejects with INTERRUPTED; resolves when the shell answers again. */
  interrupt(port: SerialPort = 0): Promise<void> {
    if (!isSerialPort(port)) return Promise.reject(portError(port));
    if (this.lifecycle !== 'running') return Promise.reject(this.notRunning());
    return this.shells[port]!.interrupt();
  }

  /** The last few thousand characters a serial port printed (for error messages and diagnostics). */
  consoleTail(port: SerialPort = 0): string {
    checkPort(port);
    return decodeTerminalText(this.consoleTails[port]!);
  }

  /** Put a file into the 9p share; the guest sees it as GUEST_SHARE_DIR/path. The parent directory must exist. */
  async putFile(path: string, bytes: Uint8Array): Promise<void> {
    const data = copyBytes(bytes);
    await this.call('create-file', { path: sharePath(path), bytes: data }, [data.buffer]);
  }

  /** Read a file of the 9p share (written by the host or by the guest under GUEST_SHARE_DIR). */
  async getFile(path: string): Promise<Uint8Array> {
    return this.call('read-file', { path: sharePath(path) });
  }

  async readMemory(addr: number, len: number): Promise<Uint8Array> {
    return this.call('read-memory', { addr, len });
  }

  async writeMemory(addr: number, bytes: Uint8Array): Promise<void> {
    const data = copyBytes(bytes);
    await this.call('write-memory', { addr, bytes: data }, [data.buffer]);
  }

  /** v86's count of executed guest instructions: deterministic for the same inputs; a u32 that wraps (see instructionsBetween). */
  async instructionCounter(): Promise<number> {
    // A worker resuming a state answers 0 until v86 has loaded it, and keeps answering 0: two such
    // readings looked like a halted guest to the lab's watch. Count only once the emulator runs.
    await this.emulatorStarted;
    return this.call('instruction-counter', {});
  }

  /** The whole machine state (v86 save_state). Restore it with restoreState() or boot({ state }). */
  async saveState(): Promise<Uint8Array> {
    return new Uint8Array(await this.call('save-state', {}));
  }

  /**
   * Replace the running guest's state with a saved one (same images and options).
   * Commands in flight reject with INTERRUPTED; resolves once the restored shell answers.
   */
  async restoreState(state: ArrayBuffer | Uint8Array): Promise<void> {
    if (this.lifecycle !== 'running') throw this.notRunning();
    // A fresh worker resumes the state. v86's own restore_state on a live instance that was itself
    // resumed from a state brings the guest TSC back to an older value, and the guest kernel's timers
    // then stall for seconds; a new instance resumes correctly and costs about as much (≈0.3 s).
    this.retireWorker(new VmError('INTERRUPTED', 'the guest state was replaced by restoreState()'));
    this.spawnWorker(state);
    await this.emulatorStarted;
    await this.shells[0]!.exec('true', { timeoutMs: 5_000 });
    this.emit('restored');
  }

  /**
   * Keep a booted snapshot of this VM (same images and options) to restart the guest from when the
   * emulator dies while the guest runs, instead of ending the VM. Ring-0 code can make v86 itself fail
   * (a fault it cannot deliver recurses until "Maximum call stack size exceeded"); the lab then says
   * what happened and goes on. null: an emulator death ends the VM (`crash`).
   */
  setRecoveryState(state: Uint8Array | null): void {
    this.recoveryState = state;
  }

  /** Guest RAM in bytes. */
  get memoryBytes(): number {
    if (!this.config) throw this.notRunning();
    return this.config.memoryMiB * MiB;
  }

  /** Stop the emulator and end the worker. Pending calls reject with STOPPED. Safe to call twice. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.lifecycle === 'stopping' || this.lifecycle === 'ended') {
      this.end(new VmError('NOT_RUNNING', 'the VM was stopped'), false);
      return;
    }
    this.lifecycle = 'stopping';
    const stopped = new VmError('STOPPED', 'the VM was stopped');
    this.failPending(stopped);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await Promise.race([this.call('stop', {}).catch(() => undefined), delay(STOP_GRACE_MS)]);
    await worker.terminate();
    await exited;
  }

  /**
   * End the worker abruptly, as a crash would: pending calls reject with WORKER_EXIT and `crash` is
   * emitted. The host asked for it, so the guest is not restarted (setRecoveryState).
   */
  async kill(): Promise<void> {
    this.recoveryState = null;
    await this.worker?.terminate();
  }

  /** A worker running v86 with this VM's images and options, cold or from a saved state. */
  private spawnWorker(state?: ArrayBuffer | Uint8Array): void {
    const { images, memoryMiB, cmdline } = this.config!;
    const config: EmulatorConfig = {
      wasmPath: v86WasmPath(),
      bios: ownBuffer(images.files.bios),
      vgaBios: ownBuffer(images.files.vgaBios),
      bzImage: ownBuffer(images.files.bzImage),
      initrd: ownBuffer(images.files.initrd),
      cmdline,
      memorySize: memoryMiB * MiB,
      ...(state ? { initialState: ownBuffer(asBytes(state)) } : {}),
    };
    const transfer = [config.bios, config.vgaBios, config.bzImage, config.initrd];
    if (config.initialState) transfer.push(config.initialState);
    this.emulatorStarted = new Promise<void>((resolve, reject) => {
      this.markStarted = resolve;
      this.failStarted = reject;
    });
    this.emulatorStarted.catch(() => undefined); // awaited only while resuming; the failure reaches callers elsewhere
    const worker = new Worker(emulatorWorkerPath(), { workerData: config, transferList: transfer });
    this.worker = worker;
    // Events of a worker that restoreState() retired are ignored.
    worker.on('message', (message: WorkerMessage) => {
      if (this.worker === worker) this.onWorkerMessage(message);
    });
    worker.on('error', (error) => {
      if (this.worker !== worker) return;
      this.crashed(new VmError('EMULATOR_ERROR', `emulator worker threw: ${error.message}`, { outputTail: this.consoleTail(0) }));
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      const error = new VmError('WORKER_EXIT', `emulator worker exited (code ${code})`, { outputTail: this.consoleTail(0) });
      if (this.lifecycle === 'stopping') this.end(error, false);
      else this.crashed(error);
      if (this.lifecycle === 'ended') this.emit('exit', code); // not when the guest was restarted
    });
  }

  private onWorkerMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(deserializeError(message.error));
        return;
      }
      case 'serial': {
        const text = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength).toString('latin1');
        this.consoleTails[message.port] = (this.consoleTails[message.port] + text).slice(-CONSOLE_TAIL_CHARS);
        this.shells[message.port]!.receive(message.bytes);
        if (message.port === 0 && this.tracker?.feed(text)) this.promptSeen?.();
        this.emit('serial', message.port, message.bytes);
        return;
      }
      case 'started':
        this.tracker?.reach('bios');
        this.markStarted();
        return;
      case 'fatal':
        this.crashed(deserializeError(message.error));
        return;
    }
  }

  private call<K extends WorkerCallName>(call: K, args: WorkerCalls[K]['args'], transfer: ArrayBuffer[] = []): Promise<WorkerCalls[K]['result']> {
    // A guest being restarted after an emulator death takes calls once its emulator has loaded the state.
    if (this.recovering && !this.recoveryStarted) return this.emulatorStarted.then(() => this.call(call, args, transfer));
    const worker = this.worker;
    if (!worker || this.ending || (this.lifecycle === 'stopping' && call !== 'stop')) {
      return Promise.reject(this.notRunning());
    }
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { call, resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, call, args } as WorkerRequest, transfer);
    });
  }

  /** Cold boot: probe the shell whenever the console ends in a prompt, and every few seconds after init. */
  private async waitForShell(mode: 'cold' | 'restore'): Promise<void> {
    if (mode === 'restore') {
      // Input sent before v86 has loaded the state would land in the UART that the state then replaces.
      await this.emulatorStarted;
    }
    for (;;) {
      if (this.ending) throw this.ending;
      if (mode === 'cold') {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, PROBE_FALLBACK_MS);
          this.promptSeen = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.promptSeen = null;
        if (!this.tracker?.has('init')) continue;
      }
      try {
        await this.shells[0]!.exec('true', { timeoutMs: PROBE_TIMEOUT_MS, interruptOnTimeout: false });
        return;
      } catch (error) {
        if (!(error instanceof VmError) || error.code !== 'EXEC_TIMEOUT') throw error;
      }
    }
  }

  private withBootDeadline(timeoutMs: number, wait: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new VmError('BOOT_TIMEOUT', `no shell prompt on ttyS0 within ${timeoutMs} ms`, {
            port: 0,
            outputTail: this.consoleTail(0).slice(-1000),
          }),
        );
      }, timeoutMs);
      this.bootAbort = reject;
      wait().then(resolve, reject);
    }).finally(() => {
      clearTimeout(timer);
      this.bootAbort = null;
    });
  }

  /**
   * Once per cold boot (a snapshot keeps it): keep kernel warnings off the console, where they would
   * interleave with command output on ttyS0 (errors still show), and make GUEST_SHARE_DIR the 9p share
   * unless the guest's init already mounted it.
   */
  private async prepareGuest(): Promise<void> {
    const result = await this.shells[0]!.exec(
      `dmesg -n ${CONSOLE_LOGLEVEL} && { grep -q ' ${GUEST_SHARE_DIR} 9p ' /proc/mounts || { mkdir -p ${GUEST_SHARE_DIR} && ` +
        `mount -t 9p -o trans=virtio,version=9p2000.L host9p ${GUEST_SHARE_DIR}; }; }`,
      { timeoutMs: 5_000 },
    );
    if (result.exitStatus !== 0) {
      throw new VmError('EMULATOR_ERROR', `guest setup (console log level, 9p mount at ${GUEST_SHARE_DIR}) failed: ${result.output}`, {
        port: 0,
        path: GUEST_SHARE_DIR,
      });
    }
  }

  private failPending(error: VmError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    for (const shell of this.shells) shell.fail(error);
    this.bootAbort?.(error);
    this.failStarted(error);
  }

  /** Before another state resumes in a new worker: reject what is in flight with `error`, retire the worker and shells. */
  private retireWorker(error: VmError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    const old = this.shells;
    this.shells = this.newShells();
    for (const shell of old) shell.fail(error);
    const retired = this.worker;
    this.worker = null; // its exit is not a crash (or is the crash already handled)
    void retired?.terminate();
  }

  /** The emulator died unasked: restart the guest from the recovery state if there is one, else end the VM. */
  private crashed(error: VmError): void {
    if (this.lifecycle === 'running' && this.recoveryState && !this.recovering) void this.recover(error, this.recoveryState);
    else this.end(error, true);
  }

  /**
   * Restart a running guest whose emulator died: everything in flight rejects with GUEST_RESTARTED
   * (saying why), a fresh worker resumes `state`, and once its shell answers `recovered` and
   * `restored` are emitted. If the restarted guest does not answer, the VM ends with the first error.
   */
  private async recover(cause: VmError, state: Uint8Array): Promise<void> {
    this.recovering = true;
    const restarted = new VmError('GUEST_RESTARTED', `the emulator died (${cause.code}: ${cause.message}); the guest was restarted from its snapshot`, {
      outputTail: cause.location?.outputTail ?? this.consoleTail(0),
    });
    this.retireWorker(restarted);
    try {
      this.recoveryStarted = false;
      this.spawnWorker(state);
      await this.emulatorStarted;
      this.recoveryStarted = true;
      await this.shells[0]!.exec('true', { timeoutMs: RECOVERY_PROBE_MS });
    } catch {
      this.recovering = false;
      this.end(cause, true);
      return;
    }
    this.recovering = false;
    this.emit('recovered', restarted);
    this.emit('restored');
  }

  /** The VM is over: reject everything pending with `error`; emit `crash` when it was not a requested stop. */
  private end(error: VmError, crashed: boolean): void {
    if (this.ending) return;
    const wasStopping = this.lifecycle === 'stopping';
    this.ending = wasStopping ? new VmError('STOPPED', 'the VM was stopped') : error;
    this.lifecycle = 'ended';
    this.failPending(this.ending);
    if (this.worker) void this.worker.terminate();
    if (crashed) this.emit('crash', error);
  }

  private notRunning(): VmError {
    if (this.ending) return new VmError(this.ending.code === 'STOPPED' ? 'NOT_RUNNING' : this.ending.code, `the VM is not running: ${this.ending.message}`);
    return new VmError('NOT_RUNNING', `the VM is ${this.lifecycle}`);
  }

  private newShells(): ShellChannel[] {
    return SERIAL_PORTS.map((port) => new ShellChannel(port, (bytes) => this.write(port, bytes)));
  }
}

/** Instructions executed between two instructionCounter() readings (the counter is a wrapping u32). */
export function instructionsBetween(before: number, after: number): number {
  return (after - before) >>> 0;
}

/** The kernel command line a boot uses: the caller's, else the manifest's `cmdline`, else DEFAULT_CMDLINE. */
export function resolveCmdline(images: GuestImages, cmdline?: string): string {
  if (cmdline !== undefined) return cmdline;
  const fromManifest = images.manifest?.cmdline;
  return typeof fromManifest === 'string' ? fromManifest : DEFAULT_CMDLINE;
}

function checkMemorySize(memoryMiB: number, initrdBytes: number): void {
  const minimum = Math.ceil((INITRD_ADDRESS + initrdBytes) / MiB) + 16;
  if (!Number.isInteger(memoryMiB) || memoryMiB < minimum || memoryMiB > 2048) {
    throw new VmError('BAD_ARGUMENT', `memoryMiB must be an integer between ${minimum} and 2048 (v86 loads the initrd at 64 MiB), got ${memoryMiB}`);
  }
}

function checkPort(port: unknown): asserts port is SerialPort {
  if (!isSerialPort(port)) throw portError(port);
}

function portError(port: unknown): VmError {
  return new VmError('BAD_ARGUMENT', `serial port must be 0..3 (ttyS0..ttyS3), got ${String(port)}`);
}

function sharePath(path: string): string {
  const clean = path.replace(/^\/+/, '');
  if (clean === '' || clean.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new VmError('BAD_ARGUMENT', `invalid 9p share path: ${JSON.stringify(path)}`, { path });
  }
  return clean;
}

function asBytes(state: ArrayBuffer | Uint8Array): Uint8Array {
  return state instanceof Uint8Array ? state : new Uint8Array(state);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

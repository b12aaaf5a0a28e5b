// Runs a .talo image in the booted guest in the mode asked for, through the
// guest's `talexec` (prctl(PR_TAL_SET_MODE) + execve; kernel-images/userland).
// The runner owns the per-boot signing key: it injects it when it attaches
// (and again after every restoreState, which rolls guest memory back), signs
// checked images (CheckedImage, from buildSource) for kernel mode and nothing
// else, and summarises the kernel's syscall
// telemetry for the run's process.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CheckedImage } from '../../tal/build.js';
import { admit, imageBytes, type ExecMode, type RunImage } from './admission.js';
import { locateControlRegion, manifestControlAddress, type ControlCounters, type ControlRegion, type SyscallPath } from '../vm/control-region.js';
import { VmError } from '../vm/errors.js';
import { SigningKey } from '../vm/signing-key.js';
import { TelemetryReader, type SyscallRecord } from '../vm/telemetry.js';
import { GUEST_SHARE_DIR, instructionsBetween, type VmService } from '../vm/vm-service.js';
import { MAX_COMMAND_BYTES } from '../vm/shell-channel.js';
import type { SerialPort } from '../vm/protocol.js';

export const EXEC_MODES: readonly ExecMode[] = ['kernel', 'user', 'user-sysenter'];

export interface RunRequest {
  /**
   * The program. A CheckedImage (from buildSource: the checker accepted it) is signed with the
   * per-boot key for kernel mode. Raw bytes are delivered exactly as given — the runner never signs
   * what the checker has not seen — so an unsigned or foreign-signed image is refused ring 0.
   */
  talo: RunImage;
  /** argv[1..]. */
  args?: string[];
  mode: ExecMode;
  /** Default 30 s; on timeout the program gets Ctrl-C and the run rejects with EXEC_TIMEOUT. */
  timeoutMs?: number;
  /** The program's terminal output (stdout and stderr, interleaved) as it arrives. */
  onOutput?: (text: string) => void;
  /** Standard input: these bytes, or 'tty' for the runner's serial console; default empty (/dev/null). */
  stdin?: Uint8Array | 'tty';
}

export interface SyscallSummary {
  nr: number;
  path: SyscallPath | 'unknown';
  count: number;
  /** Sum of TSC cycles in the calls (≈ ns of host time). */
  cycles: number;
}

export interface RunResult {
  /**
   * exited: the program ran and ended; refused: the kernel would not give the image ring 0 (unsigned,
   * bad signature, no key); failed: execve failed otherwise (malformed image, bad import, …).
   */
  status: 'exited' | 'refused' | 'failed';
  /** Exit status as the shell saw it (128 + signal when killed). */
  exitCode: number;
  /** The program ended because of a fault in its ring-0 code (the kernel abandoned it). */
  killedByFault: boolean;
  output: string;
  wallMs: number;
  /** Guest instructions from the shell's command to its end (includes talexec and execve). */
  instructions: number;
  pid: number | null;
  syscalls: {
    byPath: Record<SyscallPath, number>;
    byCall: SyscallSummary[];
    /** Records the ring overwrote before the runner read them; byCall then undercounts. */
    dropped: number;
  };
}

export interface AttachOptions {
  /** Guest physical address of the control page; default: the images' manifest (control_region.phys). */
  controlAddress?: number;
  /** Serial console the runner types on (default ttyS3, leaving ttyS0..2 to people). */
  port?: SerialPort;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PORT: SerialPort = 3;
const MAX_IMAGE_BYTES = 16 * 1024 * 1024 + 40;
const NR_EXECVE = 11;
const NR_PRCTL = 172;

export class ProgramRunner {
  private key: SigningKey;
  private keyInjected: Promise<void>;
  private runs = 0;
  /** Guest paths of the last run's image and pid file, removed by the next run's command. */
  private previousFiles: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly vm: VmService,
    readonly region: ControlRegion,
    readonly telemetry: TelemetryReader,
    private readonly port: SerialPort,
  ) {
    this.key = SigningKey.generate();
    this.keyInjected = this.key.injectInto(vm, region);
    // restoreState() brings back guest memory from before the key was written: give the kernel a new key.
    vm.on('restored', () => {
      this.key = SigningKey.generate();
      this.keyInjected = this.key.injectInto(vm, region);
    });
  }

  /**
   * Find the kernel's control region and inject a fresh per-boot key. Call right after the guest booted
   * or resumed, before untrusted programs run (see locateControlRegion).
   */
  static async attach(vm: VmService, options: AttachOptions = {}): Promise<ProgramRunner> {
    const address = options.controlAddress ?? manifestControlAddress(vm.images?.manifest ?? null);
    const region = await locateControlRegion(vm, vm.memoryBytes, address);
    const runner = new ProgramRunner(vm, region, new TelemetryReader(vm, region), options.port ?? DEFAULT_PORT);
    await runner.keyInjected;
    return runner;
  }

  /** Names the current key (SHA-256 prefix) without revealing it. */
  keyFingerprint(): string {
    return this.key.fingerprint();
  }

  /** Runs one program at a time (they share the runner's console). */
  run(request: RunRequest): Promise<RunResult> {
    const result = this.queue.then(() => this.runOne(request));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runOne(request: RunRequest): Promise<RunResult> {
    const args = request.args ?? [];
    checkRequest(request, args);
    await this.keyInjected;
    const image = admit(request.talo, request.mode, this.key);
    const name = `run-${++this.runs}-${randomBytes(4).toString('hex')}`;
    const guestPath = `${GUEST_SHARE_DIR}/${name}.talo`;
    // One command line: remove the previous run's files, make the image executable (9p files arrive
    // without x), and run it from a shell that first records the pid the program will have.
    const stdinPath = `${GUEST_SHARE_DIR}/${name}.in`;
    const redirect = request.stdin === 'tty' ? '' : ` < ${request.stdin ? stdinPath : '/dev/null'}`;
    const command =
      `rm -f ${this.previousFiles.join(' ')}; chmod +x ${guestPath} && ` +
      `sh -c 'echo $$ > ${GUEST_SHARE_DIR}/${name}.pid; exec talexec --mode ${request.mode} "$@"' talexec ` +
      [guestPath, ...args].map(shellQuote).join(' ') +
      redirect;
    this.previousFiles = [guestPath, `${GUEST_SHARE_DIR}/${name}.pid`, ...(request.stdin instanceof Uint8Array ? [stdinPath] : [])];
    if (Buffer.byteLength(command) > MAX_COMMAND_BYTES) {
      throw new VmError('BAD_ARGUMENT', `program arguments too long for the guest shell (${Buffer.byteLength(command)} bytes)`);
    }
    await this.vm.putFile(`${name}.talo`, image);
    if (request.stdin instanceof Uint8Array) await this.vm.putFile(`${name}.in`, request.stdin);

    const before = await this.telemetry.counters();
    if (!before.telemetryEnabled) await this.telemetry.setEnabled(true);
    const started = performance.now();
    const instructionsBefore = await this.vm.instructionCounter();
    let exec;
    try {
      exec = await this.vm.exec(command, {
        port: this.port,
        timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(request.onOutput ? { onOutput: request.onOutput } : {}),
      });
    } catch (error) {
      // The program took the emulator down with it; the guest was restarted from its snapshot.
      if (error instanceof VmError && error.code === 'GUEST_RESTARTED') return killedWithGuest(error, performance.now() - started);
      throw error;
    } finally {
      if (!before.telemetryEnabled) await this.telemetry.setEnabled(false).catch(() => undefined);
    }
    const instructions = instructionsBetween(instructionsBefore, await this.vm.instructionCounter());
    const wallMs = performance.now() - started;
    const after = await this.telemetry.counters();
    const pid = await this.readPid(name);
    const batch = await this.telemetry.readSince(before.nextSeq);
    return {
      status: runStatus(before, after),
      exitCode: exec.exitStatus,
      killedByFault: after.killed > before.killed,
      output: exec.output,
      wallMs,
      instructions,
      pid,
      syscalls: {
        byPath: {
          int80: after.syscalls.int80 - before.syscalls.int80,
          sysenter: after.syscalls.sysenter - before.syscalls.sysenter,
          direct: after.syscalls.direct - before.syscalls.direct,
        },
        byCall: summarise(programRecords(batch.records, pid)),
        dropped: batch.dropped,
      },
    };
  }

  /** The pid the program ran as, written into the share by the wrapper shell (null if it never ran). */
  private async readPid(name: string): Promise<number | null> {
    try {
      const pid = Number.parseInt(Buffer.from(await this.vm.getFile(`${name}.pid`)).toString('latin1'), 10);
      return Number.isInteger(pid) ? pid : null;
    } catch (error) {
      if (error instanceof VmError && error.code === 'GUEST_FILE_NOT_FOUND') return null;
      throw error;
    }
  }
}

/** A run whose program killed the emulator: reported as killed (SIGKILL), with what the VM service said. */
function killedWithGuest(error: VmError, wallMs: number): RunResult {
  return {
    status: 'exited',
    exitCode: 128 + 9,
    killedByFault: true,
    output: `${error.message}\n`,
    wallMs,
    instructions: 0,
    pid: null,
    syscalls: { byPath: { int80: 0, sysenter: 0, direct: 0 }, byCall: [], dropped: 0 },
  };
}

/**
 * Counter deltas decide: a refusal counts in `refused`, a program that started counts in execs_*.
 * The syscall counters by path are global (every process), the per-call summary is the program's only.
 */
function runStatus(before: ControlCounters, after: ControlCounters): RunResult['status'] {
  if (after.refused > before.refused) return 'refused';
  if (after.execsKernel > before.execsKernel || after.execsUser > before.execsUser) return 'exited';
  return 'failed';
}

/**
 * The program's own calls: its process first runs the wrapper shell and talexec, whose last act before
 * execve() of the image is prctl(PR_TAL_SET_MODE); keep what follows, minus that execve when it returned.
 */
export function programRecords(records: SyscallRecord[], pid: number | null): SyscallRecord[] {
  const own = records.filter((r) => r.pid === pid);
  let start = 0;
  for (let i = own.length - 1; i >= 0; i--) {
    if (own[i]!.nr === NR_PRCTL && own[i]!.ret === 0) {
      start = i + 1;
      break;
    }
  }
  if (own[start]?.nr === NR_EXECVE) start++;
  return own.slice(start);
}

function summarise(records: SyscallRecord[]): SyscallSummary[] {
  const byKey = new Map<string, SyscallSummary>();
  for (const record of records) {
    const key = `${record.nr}/${record.path}`;
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { nr: record.nr, path: record.path, count: 0, cycles: 0 }));
    entry.count++;
    entry.cycles += record.cycles;
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || a.nr - b.nr);
}

function checkRequest(request: RunRequest, args: string[]): void {
  if (!EXEC_MODES.includes(request.mode)) {
    throw new VmError('BAD_ARGUMENT', `mode must be one of ${EXEC_MODES.join(', ')}, got ${String(request.mode)}`);
  }
  if (!(CheckedImage.is(request.talo) || request.talo instanceof Uint8Array) || imageBytes(request.talo) === 0 || imageBytes(request.talo) > MAX_IMAGE_BYTES) {
    throw new VmError('BAD_ARGUMENT', `the image must be 1..${MAX_IMAGE_BYTES} bytes`);
  }
  const bad = args.findIndex((arg) => typeof arg !== 'string' || /[\0\x03\x04\n\r]/.test(arg));
  if (bad >= 0) throw new VmError('BAD_ARGUMENT', `argument ${bad + 1} contains a NUL, control or newline character`);
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

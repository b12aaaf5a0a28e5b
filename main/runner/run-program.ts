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
import { TelemetryReader } from '../vm/telemetry.js';
import { ReadyBarrier, stripReady } from './ready-barrier.js';
import { accountProgram, type ProgramCalls, type SyscallSummary } from './program-accounting.js';
import { GUEST_SHARE_DIR, instructionsBetween, type VmService } from '../vm/vm-service.js';
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
  /** Default 60 s; on timeout the program gets Ctrl-C and the run rejects with EXEC_TIMEOUT. */
  timeoutMs?: number;
  /** The program's terminal output (stdout and stderr, interleaved) as it arrives. */
  onOutput?: (text: string) => void;
  /** Standard input: these bytes, or 'tty' for the runner's serial console; default empty (/dev/null). */
  stdin?: Uint8Array | 'tty';
}

export type { ProgramCalls, SyscallSummary };

export interface RunResult {
  /**
   * exited: the program ran and ended; refused: the kernel would not give the image ring 0 (unsigned,
   * bad signature, no key); failed: execve failed otherwise (malformed image, bad import, …).
   */
  status: 'exited' | 'refused' | 'failed';
  mode: ExecMode;
  /** Exit status as the shell saw it (128 + signal when killed). */
  exitCode: number;
  /** The program ended because of a fault in its ring-0 code (the kernel abandoned it). */
  killedByFault: boolean;
  /** stop() ended the run (Ctrl-C, then SIGKILL if needed). */
  stopped: boolean;
  output: string;
  wallMs: number;
  /** Guest instructions from the shell's command to its end (includes talexec and execve). */
  instructions: number;
  pid: number | null;
  syscalls: ProgramCalls & {
    /** The kernel's counters by path over the run, every process included (the runner's shell too). */
    byPath: Record<SyscallPath, number>;
    /** Records the ring overwrote before the runner read them (see ProgramCalls.notItemized). */
    dropped: number;
  };
}

export interface AttachOptions {
  /** Guest physical address of the control page; default: the images' manifest (control_region.phys). */
  controlAddress?: number;
  /** Serial console the runner types on (default ttyS3, leaving ttyS0..2 to people). */
  port?: SerialPort;
}

export const DEFAULT_RUN_TIMEOUT_MS = 60_000;
const DEFAULT_PORT: SerialPort = 3;
const CTRL_C = '\x03';
/** Where stop() sends SIGKILL from (the runner's own console is busy with the run). */
const SIGNAL_PORT: SerialPort = 2;
/** How long stop() waits for each step (SIGINT, the console answering) before the next. */
const SIGINT_GRACE_MS = 600;
const MAX_IMAGE_BYTES = 16 * 1024 * 1024 + 40;

/** The run in progress, for stop(). */
interface ActiveRun {
  pid: number | null;
  stopRequested: boolean;
  /** stop() had to send SIGKILL. */
  killed: boolean;
  /** Resolves when the console's prompt follows the ^C stop() typed: the program has ended. */
  promptBack: Promise<void>;
  finished: Promise<unknown>;
  /**
   * With stdin 'tty': the person's keystrokes for the program, written in order once the program is
   * released (typed earlier, they would be read as the release line itself); null when the program
   * does not read the terminal.
   */
  input: Promise<void> | null;
}

export class ProgramRunner {
  private key: SigningKey;
  private keyInjected: Promise<void>;
  private runs = 0;
  /** Guest paths of the last run's image and pid file, removed by the next run's command. */
  private previousFiles: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private active: ActiveRun | null = null;
  /** The last run was stopped: its console may still hold a half-typed line or a stray Ctrl-C. */
  private resyncBeforeNext = false;

  private constructor(
    readonly vm: VmService,
    readonly region: ControlRegion,
    readonly telemetry: TelemetryReader,
    /** The console the runner types on; its raw bytes are the runner's dialogue with the guest shell. */
    readonly port: SerialPort,
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

  /** The pid of the program running now, once its process announced it; null when none. */
  get activePid(): number | null {
    return this.active?.pid ?? null;
  }

  /** Whether a run is in progress. */
  get busy(): boolean {
    return this.active !== null;
  }

  /** Names the current key (SHA-256 prefix) without revealing it. */
  keyFingerprint(): string {
    return this.key.fingerprint();
  }

  /**
   * Keystrokes for the running program's terminal (stdin 'tty'): held until the program is released,
   * then written in order. False, and nothing written, when no running program reads the terminal (the
   * runner's shell between runs must not get half a line ahead of the next run's command).
   */
  type(bytes: Uint8Array): boolean {
    const active = this.active;
    if (active?.input == null) return false;
    const copy = bytes.slice();
    active.input = active.input.then(() => this.vm.write(this.port, copy)).catch(() => undefined);
    return true;
  }

  /** Runs one program at a time (they share the runner's console). */
  run(request: RunRequest): Promise<RunResult> {
    const result = this.queue.then(() => this.runOne(request));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Ends the run in progress: Ctrl-C on its console (SIGINT to the program), then SIGKILL through
   * another console if it is still there after a moment. The guest and its files stay as they are.
   * Resolves once the run has ended; false when nothing was running.
   */
  async stop(): Promise<boolean> {
    const active = this.active;
    if (active === null) return false;
    active.stopRequested = true;
    this.resyncBeforeNext = true;
    // Ctrl-C on the run's console: SIGINT to the program (its foreground job). The console's shell,
    // seeing its job die of SIGINT, drops the rest of the command line and prompts again: once that
    // prompt shows, the program is gone and the run's command is ended by resynchronising the console.
    // A program still there is SIGKILLed from another console (the shell then finishes the line as usual).
    await this.vm.write(this.port, CTRL_C);
    if (await settlesWithin(active.promptBack, SIGINT_GRACE_MS)) {
      void this.vm.interrupt(this.port).catch(() => undefined);
    } else if (this.active === active) {
      if (active.pid !== null) {
        active.killed = true;
        await this.vm.exec(`kill -KILL ${active.pid} 2>/dev/null`, { port: SIGNAL_PORT, timeoutMs: 5_000 }).catch(() => undefined);
      }
      // Stopped before the program started, or its end went unseen: end the command on the console.
      if (!(await settlesWithin(active.finished, SIGINT_GRACE_MS))) void this.vm.interrupt(this.port).catch(() => undefined);
    }
    await active.finished;
    return true;
  }

  private async runOne(request: RunRequest): Promise<RunResult> {
    const args = request.args ?? [];
    checkRequest(request, args);
    await this.keyInjected;
    // After a stop, make sure the console answers before typing the next command (Ctrl-C until it does).
    if (this.resyncBeforeNext) {
      this.resyncBeforeNext = false;
      await this.vm.interrupt(this.port).catch(() => undefined);
    }
    const image = admit(request.talo, request.mode, this.key);
    const name = `run-${++this.runs}-${randomBytes(4).toString('hex')}`;
    const guestPath = `${GUEST_SHARE_DIR}/${name}.talo`;
    const stdinPath = `${GUEST_SHARE_DIR}/${name}.in`;
    const scriptPath = `${GUEST_SHARE_DIR}/${name}.sh`;
    const redirect = request.stdin === 'tty' ? '' : ` < ${request.stdin ? stdinPath : '/dev/null'}`;
    // The program's process first runs a script (so arguments of any length and content fit, unlike a
    // console line), which announces its pid and waits for one line on the console: the runner takes the
    // counters' baseline while it is parked there (see program-accounting.ts), then lets it exec.
    const ready = `__tal_ready_${randomBytes(6).toString('hex')}_`;
    const script = `echo "${ready}$$_"\nread -r _tal_go\nexec talexec --mode ${request.mode} ${[guestPath, ...args].map(shellQuote).join(' ')}${redirect}\n`;
    const command = `rm -f ${this.previousFiles.join(' ')}; chmod +x ${guestPath} && sh ${scriptPath}`;
    this.previousFiles = [guestPath, scriptPath, ...(request.stdin instanceof Uint8Array ? [stdinPath] : [])];
    await this.vm.putFile(`${name}.talo`, image);
    await this.vm.putFile(`${name}.sh`, new TextEncoder().encode(script));
    if (request.stdin instanceof Uint8Array) await this.vm.putFile(`${name}.in`, request.stdin);

    const initial = await this.telemetry.counters();
    if (!initial.telemetryEnabled) await this.telemetry.setEnabled(true);
    let release: () => void = () => undefined;
    let promptBack: () => void = () => undefined;
    let releaseInput: () => void = () => undefined;
    const active: ActiveRun = {
      pid: null,
      stopRequested: false,
      killed: false,
      promptBack: new Promise<void>((resolve) => (promptBack = resolve)),
      finished: new Promise<void>((resolve) => (release = resolve)),
      input: request.stdin === 'tty' ? new Promise<void>((resolve) => (releaseInput = resolve)) : null,
    };
    this.active = active;
    let printed = '';
    /** After stop(): where the console's echo of its Ctrl-C ends in `printed`; what follows is the shell's prompt. */
    let echoEnd: number | null = null;
    const barrier = new ReadyBarrier(ready, (text) => {
      const from = printed.length;
      printed += text;
      if (active.stopRequested && echoEnd === null) {
        const at = printed.indexOf('^C', Math.max(0, from - 1));
        if (at >= 0) echoEnd = at + 2;
      }
      if (active.stopRequested && /\^C[^]*# /.test(printed.slice(printed.lastIndexOf('^C')))) promptBack();
      const shown = echoEnd === null ? text : printed.slice(from, Math.max(from, echoEnd));
      if (shown !== '') request.onOutput?.(shown);
    });
    let baseline: Promise<{ counters: ControlCounters; instructions: number; started: number }> | null = null;
    barrier.onReady = (pid) => {
      active.pid = pid;
      baseline = (async () => {
        const counters = await this.telemetry.counters();
        const instructions = await this.vm.instructionCounter();
        const started = performance.now();
        await this.vm.write(this.port, '\n');
        releaseInput();
        return { counters, instructions, started };
      })();
    };
    let exec: { output: string; exitStatus: number };
    const runStarted = performance.now();
    try {
      exec = await this.vm.exec(command, { port: this.port, timeoutMs: request.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS, onOutput: (text) => barrier.feed(text) });
      exec = { output: stripReady(exec.output, ready), exitStatus: exec.exitStatus };
    } catch (error) {
      // The program took the emulator down with it; the guest was restarted from its snapshot.
      if (error instanceof VmError && error.code === 'GUEST_RESTARTED') return killedWithGuest(error, request.mode, performance.now() - runStarted);
      if (!(active.stopRequested && error instanceof VmError && error.code === 'INTERRUPTED')) throw error;
      // Stopped: what the program printed before the console echoed ^C, and the status a shell reports.
      const cut = printed.lastIndexOf('^C');
      exec = { output: cut >= 0 ? printed.slice(0, cut) : printed, exitStatus: active.killed ? 128 + 9 : 128 + 2 };
    } finally {
      this.active = null;
      release();
      await (baseline as Promise<unknown> | null)?.catch(() => undefined);
      if (!initial.telemetryEnabled) await this.telemetry.setEnabled(false).catch(() => undefined);
    }
    const instructionsAfter = await this.vm.instructionCounter();
    const ended = performance.now();
    const after = await this.telemetry.counters();
    const base =
      baseline === null
        ? { counters: after, instructions: instructionsAfter, started: ended }
        : await (baseline as Promise<{ counters: ControlCounters; instructions: number; started: number }>);
    const batch = await this.telemetry.readSince(base.counters.nextSeq);
    const byPath = {
      int80: after.syscalls.int80 - base.counters.syscalls.int80,
      sysenter: after.syscalls.sysenter - base.counters.syscalls.sysenter,
      direct: after.syscalls.direct - base.counters.syscalls.direct,
    };
    return {
      status: runStatus(initial, after),
      mode: request.mode,
      exitCode: exec.exitStatus,
      killedByFault: after.killed > initial.killed,
      stopped: active.stopRequested,
      output: exec.output,
      wallMs: ended - base.started,
      instructions: instructionsBetween(base.instructions, instructionsAfter),
      pid: active.pid,
      syscalls: { ...accountProgram(batch.records, active.pid, request.mode, byPath, batch.dropped), byPath, dropped: batch.dropped },
    };
  }
}

/** A run whose program killed the emulator: reported as killed (SIGKILL), with what the VM service said. */
function killedWithGuest(error: VmError, mode: ExecMode, wallMs: number): RunResult {
  return {
    status: 'exited',
    mode,
    exitCode: 128 + 9,
    killedByFault: true,
    output: `${error.message}\n`,
    wallMs,
    instructions: 0,
    pid: null,
    stopped: false,
    syscalls: { total: 0, byCall: [], notItemized: 0, records: [], exact: false, byPath: { int80: 0, sysenter: 0, direct: 0 }, dropped: 0 },
  };
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
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

function checkRequest(request: RunRequest, args: string[]): void {
  if (!EXEC_MODES.includes(request.mode)) {
    throw new VmError('BAD_ARGUMENT', `mode must be one of ${EXEC_MODES.join(', ')}, got ${String(request.mode)}`);
  }
  if (!(CheckedImage.is(request.talo) || request.talo instanceof Uint8Array) || imageBytes(request.talo) === 0 || imageBytes(request.talo) > MAX_IMAGE_BYTES) {
    throw new VmError('BAD_ARGUMENT', `the image must be 1..${MAX_IMAGE_BYTES} bytes`);
  }
  const bad = args.findIndex((arg) => typeof arg !== 'string' || arg.includes('\0'));
  if (bad >= 0) throw new VmError('BAD_ARGUMENT', `argument ${bad + 1} contains a NUL character, which no argument can hold`);
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

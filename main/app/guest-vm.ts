// The lab's view of the guest (LabVm) over main/vm and main/runner: launches
// the guest with a program runner attached (resuming the cached booted
// snapshot when there is one), reports boot progress and failures as
// VmStatus, forwards serial bytes, runs images, reads the kernel's syscall
// telemetry as it arrives, and keeps one in-memory snapshot for the
// Snapshot/Restore buttons.

import { RUN_LIMITS, type SnapshotReply, type TransitionKind, type VmStatus } from '../../preload/contract.js';
import { ProgramRunner, type RunResult } from '../runner/index.js';
import { BOOT_STAGES, SERIAL_PORTS, VmError, launchGuest, type BootProgress, type LaunchedGuest, type VmService } from '../vm/index.js';
import type { GuestRun, LabVm, ProgramRun, TelemetryDrain } from './integration.js';
import { watchGuest, type GuestWatch } from './guest-watch.js';

type StatusListener = (status: VmStatus) => void;
type SerialListener = (port: number, bytes: Uint8Array) => void;

export interface GuestVmOptions {
  imagesDir: string;
  /** Guest wall-clock limit for one program run. */
  runTimeoutMs?: number;
}

/** The SIGKILL console the runner also uses (main/runner/run-program.ts). */
const CLEANUP_PORT = 2;

const STAGE_TEXT: Record<(typeof BOOT_STAGES)[number], string> = {
  bios: 'BIOS',
  kernel: 'kernel booting',
  init: 'userspace starting',
  prompt: 'shell ready',
};

export function guestVm(opts: GuestVmOptions): LabVm {
  const statusListeners = new Set<StatusListener>();
  const serialListeners = new Set<SerialListener>();
  let status: VmStatus = { state: 'stopped', message: 'not started' };
  let guest: LaunchedGuest | null = null;
  /** The runner, or why there is none (a guest kernel without TAL support still gives working terminals). */
  let runner: ProgramRunner | { missing: string } = { missing: 'the guest is not running' };
  /** Next telemetry sequence number to read; null until known (after launch and after a restore). */
  let bootStartedAt = 0;
  let starting: Promise<void> | null = null;
  /** The saved state, and the pid of the program that was running when it was saved (it runs again after a restore). */
  let saved: { state: Uint8Array; runningPid: number | null; midRun: boolean } | null = null;
  let watch: GuestWatch | null = null;

  const setStatus = (s: VmStatus): void => {
    status = s;
    for (const l of statusListeners) l(s);
  };
  const progress = (p: BootProgress): void => {
    const i = BOOT_STAGES.indexOf(p.stage);
    setStatus({ state: 'booting', message: `${STAGE_TEXT[p.stage]} (${(p.ms / 1000).toFixed(1)} s)`, progress: (i + 1) / BOOT_STAGES.length, uptimeMs: p.ms });
  };
  const forward = (port: number, bytes: Uint8Array): void => {
    for (const l of serialListeners) l(port, bytes);
  };
  // The runner's console carries its own shell commands and per-run markers around each program: the
  // page's terminal for it gets the programs' output instead (see run below), as the runner filtered it.
  const serial = (port: number, bytes: Uint8Array): void => {
    if ('missing' in runner || port !== runner.port) forward(port, bytes);
  };

  async function boot(): Promise<void> {
    bootStartedAt = Date.now();
    setStatus({ state: 'booting', message: 'starting the emulator', progress: 0 });
    try {
      const g = await launchGuest({ imagesDir: opts.imagesDir, onProgress: progress });
      guest = g;
      // Attach before anything else runs in the guest (see ProgramRunner.attach).
      runner = await ProgramRunner.attach(g.vm).catch((e: unknown) => ({ missing: e instanceof VmError ? `${e.code}: ${e.message}` : String(e) }));
      g.vm.on('serial', serial);
      g.vm.on('crash', (e: VmError) => died(`the emulator stopped: ${e.code}: ${e.message}`));
      watch = watchGuest(g.vm, 'missing' in runner ? null : runner.region, died);
      // A resumed snapshot prints nothing new: show the prompt the console stands at (its last line;
      // the lines before it are the VM service's own readiness probe).
      const prompt = g.vm.consoleTail(0).split('\n').at(-1) ?? '';
      if (prompt !== '') serial(0, new TextEncoder().encode(`\r\n${prompt}`));
      const how = g.boot.mode === 'restore' ? 'resumed from the booted snapshot' : 'cold boot';
      const runs = 'missing' in runner ? `; programs cannot run: ${runner.missing}` : '';
      const digest = g.vm.images?.digest;
      setStatus({
        state: 'running',
        message: `${how} in ${(g.boot.totalMs / 1000).toFixed(1)} s${runs}`,
        uptimeMs: Date.now() - bootStartedAt,
        ...(digest ? { imagesDigest: digest } : {}),
      });
    } catch (e) {
      const err = e instanceof VmError ? `${e.code}: ${e.message}` : String(e);
      setStatus({ state: 'failed', message: err });
    }
  }

  /**
   * The guest is gone (halted, powered off, panicked, or the emulator ended): say so at once, and stop
   * the emulator so that a run or check waiting on it fails now instead of at its timeout.
   */
  function died(why: string): void {
    if (guest === null || status.state === 'failed') return;
    setStatus({ state: 'failed', message: `${why} — press Restart to boot a fresh guest` });
    watch?.stop();
    watch = null;
    const g = guest;
    runner = { missing: why };
    void g.vm.stop().catch(() => undefined);
  }

  async function stopGuest(): Promise<void> {
    watch?.stop();
    watch = null;
    const g = guest;
    guest = null;
    if (g) {
      g.vm.off('serial', serial);
      runner = { missing: 'the guest is not running' };
      await g.vm.stop();
    }
  }

  const running = (): VmService => {
    if (guest === null || status.state !== 'running') throw new VmError('NOT_RUNNING', `the guest is ${status.state}: ${status.message}`);
    return guest.vm;
  };

  return {
    status: () => (status.state === 'running' ? { ...status, uptimeMs: Date.now() - bootStartedAt } : status),
    onStatus(l) {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
    onSerial(l) {
      serialListeners.add(l);
      return () => serialListeners.delete(l);
    },
    start() {
      starting ??= boot();
      return starting;
    },
    async restart() {
      await starting;
      if (!('missing' in runner)) await runner.stop();
      await stopGuest();
      saved = null;
      starting = boot();
      await starting;
    },
    async snapshot(action): Promise<SnapshotReply> {
      let vm: VmService;
      try {
        vm = running();
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      }
      const r = 'missing' in runner ? null : runner;
      if (action === 'save') {
        const t0 = Date.now();
        const midRun = r?.busy ?? false;
        const runningPid = r?.activePid ?? null;
        const state = await vm.saveState();
        saved = { state, runningPid, midRun };
        const note = midRun ? ' (taken during a run: restoring it ends that program)' : '';
        return { ok: true, message: `snapshot saved: ${(state.length / 2 ** 20).toFixed(1)} MiB in ${Date.now() - t0} ms${note}`, bytes: state.length };
      }
      if (saved === null) return { ok: false, message: 'no snapshot saved yet: press Snapshot first' };
      const t0 = Date.now();
      // A run in flight belongs to the state being left: end it first.
      if (r !== null) await r.stop();
      await vm.restoreState(saved.state);
      // A snapshot taken during a run brings that program back, still holding the runner's console:
      // end it and resynchronise the console, so the next Run starts clean.
      if (saved.midRun) {
        if (saved.runningPid !== null)
          await vm.exec(`kill -KILL ${saved.runningPid} 2>/dev/null`, { port: CLEANUP_PORT, timeoutMs: 5_000 }).catch(() => undefined);
        await vm.interrupt(3).catch(() => undefined);
      }
      return { ok: true, message: `restored the snapshot in ${Date.now() - t0} ms`, bytes: saved.state.length };
    },
    async writeSerial(port, bytes) {
      const p = SERIAL_PORTS.find((x) => x === port);
      if (p === undefined) throw new VmError('BAD_ARGUMENT', `no serial port ${port}`);
      const vm = running();
      if ('missing' in runner || p !== runner.port) return vm.write(p, bytes);
      // The runner's console takes typing only for a program reading it (its shell is the runner's).
      if (!runner.type(bytes)) throw new VmError('BAD_ARGUMENT', `no program is reading ttyS${p} (tick "stdin from terminal" and run one)`);
    },
    async run(image, mode, args, stdin): Promise<GuestRun> {
      running();
      if ('missing' in runner) return { status: 'unavailable', message: `the guest cannot run programs: ${runner.missing}`, restartHint: true };
      try {
        const port = runner.port;
        // The tty turned the program's newlines into CR-LF; the runner gives them back as LF.
        const onOutput = (text: string): void => forward(port, new TextEncoder().encode(text.replace(/\n/g, '\r\n')));
        return describeResult(await runner.run({ talo: image, mode, args, stdin, timeoutMs: opts.runTimeoutMs ?? RUN_LIMITS.timeoutMs, onOutput }));
      } catch (e) {
        // The guest died under the run: the watch has said so; the run says it too, with the hint.
        if (status.state !== 'running') return { status: 'failed', message: status.message, restartHint: true };
        return { status: 'failed', message: e instanceof VmError ? describeVmError(e) : String(e) };
      }
    },
    async stopRun() {
      return 'missing' in runner ? false : runner.stop();
    },
    async drainTelemetry(): Promise<TelemetryDrain> {
      if (guest === null || status.state !== 'running') return { available: false, message: 'the guest is not running' };
      if ('missing' in runner) return { available: false, message: runner.missing };
      const counters = await runner.telemetry.counters();
      const totals = { trap: counters.syscalls.int80 + counters.syscalls.sysenter, direct: counters.syscalls.direct };
      return { available: true, message: 'the kernel records system calls while programs run', totals };
    },
    async stop() {
      await starting;
      await stopGuest();
      setStatus({ state: 'stopped', message: 'stopped' });
    },
  };
}

/** int 0x80 and sysenter are both traps across the ring boundary; the gate's direct call is not. */
function labPath(path: string): TransitionKind | null {
  if (path === 'int80' || path === 'sysenter') return 'trap';
  if (path === 'direct') return 'direct';
  return null;
}

function describeResult(r: RunResult): GuestRun {
  const message =
    r.status === 'refused'
      ? 'the kernel would not give the image ring 0 (unsigned, bad signature, or no key)'
      : r.status === 'failed'
        ? `execve failed: ${lastLine(r.output) || 'the guest loader rejected the image'}`
        : r.killedByFault
          ? 'the program faulted in ring 0 and the kernel ended it'
          : `${r.instructions} guest instructions, ${r.wallMs.toFixed(0)} ms`;
  const run: GuestRun = { status: r.stopped ? 'stopped' : r.status, message, exitCode: r.exitCode, output: r.output };
  const path = PROGRAM_LAB_PATH[r.mode];
  if (r.pid !== null) {
    const program: ProgramRun = {
      pid: r.pid,
      path,
      total: r.syscalls.total,
      notItemized: r.syscalls.notItemized,
      calls: [],
      records: r.syscalls.records.map((x) => ({ seq: x.seq, nr: x.nr, ns: x.cycles })),
    };
    for (const c of r.syscalls.byCall) {
      const p = labPath(c.path);
      if (p !== null) program.calls.push({ nr: c.nr, path: p, count: c.count, totalNs: c.cycles });
    }
    run.program = program;
  }
  return run;
}

const PROGRAM_LAB_PATH: Record<RunResult['mode'], TransitionKind> = { kernel: 'direct', user: 'trap', 'user-sysenter': 'trap' };

function describeVmError(e: VmError): string {
  if (e.code === 'EXEC_TIMEOUT') return `it did not finish within ${RUN_LIMITS.timeoutMs / 1000} s, the lab's limit for one run, and was interrupted`;
  return `${e.code}: ${e.message}`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

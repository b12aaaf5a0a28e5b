// The lab's view of the guest (LabVm) over main/vm and main/runner: launches
// the guest with a program runner attached (resuming the cached booted
// snapshot when there is one), reports boot progress and failures as
// VmStatus, forwards serial bytes, runs images, reads the kernel's syscall
// telemetry as it arrives, and keeps one in-memory snapshot for the
// Snapshot/Restore buttons.

import type { SnapshotReply, SyscallPath, SyscallStat, VmStatus } from '../ipc/contract.js';
import { ProgramRunner, type RunResult } from '../runner/index.js';
import { BOOT_STAGES, SERIAL_PORTS, VmError, launchGuest, type BootProgress, type LaunchedGuest, type VmService } from '../vm/index.js';
import type { GuestRun, LabVm, SyscallEvent, TelemetryDrain } from './integration.js';

type StatusListener = (status: VmStatus) => void;
type SerialListener = (port: number, bytes: Uint8Array) => void;

export interface GuestVmOptions {
  imagesDir: string;
  /** Guest wall-clock limit for one program run. */
  runTimeoutMs?: number;
}

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
  let telemetrySeq: number | null = null;
  let bootStartedAt = 0;
  let starting: Promise<void> | null = null;
  let saved: Uint8Array | null = null;

  const setStatus = (s: VmStatus): void => {
    status = s;
    for (const l of statusListeners) l(s);
  };
  const progress = (p: BootProgress): void => {
    const i = BOOT_STAGES.indexOf(p.stage);
    setStatus({ state: 'booting', message: `${STAGE_TEXT[p.stage]} (${(p.ms / 1000).toFixed(1)} s)`, progress: (i + 1) / BOOT_STAGES.length, uptimeMs: p.ms });
  };
  const serial = (port: number, bytes: Uint8Array): void => {
    for (const l of serialListeners) l(port, bytes);
  };

  async function boot(): Promise<void> {
    bootStartedAt = Date.now();
    setStatus({ state: 'booting', message: 'starting the emulator', progress: 0 });
    try {
      const g = await launchGuest({ imagesDir: opts.imagesDir, onProgress: progress });
      guest = g;
      // Attach before anything else runs in the guest (see ProgramRunner.attach).
      runner = await ProgramRunner.attach(g.vm).catch((e: unknown) => ({ missing: e instanceof VmError ? `${e.code}: ${e.message}` : String(e) }));
      telemetrySeq = null;
      g.vm.on('serial', serial);
      // Restoring rolls guest memory, and so the telemetry ring's sequence numbers, back.
      g.vm.on('restored', () => (telemetrySeq = null));
      g.vm.on('crash', (e: VmError) => setStatus({ state: 'failed', message: `the emulator stopped: ${e.code}: ${e.message}` }));
      // A resumed snapshot prints nothing new: show the prompt the console stands at (its last line;
      // the lines before it are the VM service's own readiness probe).
      const prompt = g.vm.consoleTail(0).split('\n').at(-1) ?? '';
      if (prompt !== '') serial(0, new TextEncoder().encode(`\r\n${prompt}`));
      const how = g.boot.mode === 'restore' ? 'resumed from the booted snapshot' : 'cold boot';
      const runs = 'missing' in runner ? `; programs cannot run: ${runner.missing}` : '';
      setStatus({ state: 'running', message: `${how} in ${(g.boot.totalMs / 1000).toFixed(1)} s${runs}`, uptimeMs: Date.now() - bootStartedAt });
    } catch (e) {
      const err = e instanceof VmError ? `${e.code}: ${e.message}` : String(e);
      setStatus({ state: 'failed', message: err });
    }
  }

  async function stopGuest(): Promise<void> {
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
      if (action === 'save') {
        const t0 = Date.now();
        saved = await vm.saveState();
        return { ok: true, message: `snapshot saved: ${(saved.length / 2 ** 20).toFixed(1)} MiB in ${Date.now() - t0} ms`, bytes: saved.length };
      }
      if (saved === null) return { ok: false, message: 'no snapshot saved yet: press Snapshot first' };
      const t0 = Date.now();
      await vm.restoreState(saved);
      return { ok: true, message: `restored the snapshot in ${Date.now() - t0} ms`, bytes: saved.length };
    },
    async writeSerial(port, bytes) {
      const p = SERIAL_PORTS.find((x) => x === port);
      if (p === undefined) throw new VmError('BAD_ARGUMENT', `no serial port ${port}`);
      await running().write(p, bytes);
    },
    async run(image, mode, args): Promise<GuestRun> {
      running();
      if ('missing' in runner) return { status: 'unavailable', message: `the guest cannot run programs: ${runner.missing}` };
      try {
        return describeResult(await runner.run({ talo: image, mode, args, timeoutMs: opts.runTimeoutMs ?? 30_000 }));
      } catch (e) {
        return { status: 'failed', message: e instanceof VmError ? `${e.code}: ${e.message}` : String(e) };
      }
    },
    async drainTelemetry(): Promise<TelemetryDrain> {
      if (guest === null || status.state !== 'running') return { available: false, message: 'the guest is not running', events: [] };
      if ('missing' in runner) return { available: false, message: runner.missing, events: [] };
      const reader = runner.telemetry;
      const counters = await reader.counters();
      if (telemetrySeq === null) telemetrySeq = counters.nextSeq;
      const batch = await reader.readSince(telemetrySeq);
      telemetrySeq = batch.nextSeq;
      const events: SyscallEvent[] = [];
      for (const r of batch.records) {
        const path = labPath(r.path);
        if (path !== null) events.push({ seq: r.seq, nr: r.nr, path, durationNs: r.cycles, pid: r.pid });
      }
      const lost = batch.dropped > 0 ? ` (${batch.dropped} records overwritten before they were read)` : '';
      const totals = { trap: counters.syscalls.int80 + counters.syscalls.sysenter, direct: counters.syscalls.direct };
      return { available: true, message: `recording while programs run${lost}`, events, totals };
    },
    async stop() {
      await starting;
      await stopGuest();
      setStatus({ state: 'stopped', message: 'stopped' });
    },
  };
}

/** int 0x80 and sysenter are both traps across the ring boundary; the gate's direct call is not. */
function labPath(path: string): SyscallPath | null {
  if (path === 'int80' || path === 'sysenter') return 'trap';
  if (path === 'direct') return 'direct';
  return null;
}

function describeResult(r: RunResult): GuestRun {
  const syscalls: SyscallStat[] = [];
  for (const c of r.syscalls.byCall) {
    const path = labPath(c.path);
    if (path !== null) syscalls.push({ nr: c.nr, name: '', path, count: c.count, meanNs: c.cycles / c.count });
  }
  const message =
    r.status === 'refused'
      ? 'the kernel would not give the image ring 0 (unsigned, bad signature, or no key)'
      : r.status === 'failed'
        ? `execve failed: ${lastLine(r.output) || 'the guest loader rejected the image'}`
        : r.killedByFault
          ? 'the program faulted in ring 0 and the kernel ended it'
          : `${r.instructions} guest instructions, ${(r.wallMs).toFixed(0)} ms`;
  return { status: r.status, message, exitCode: r.exitCode, output: r.output, syscalls, dropped: r.syscalls.dropped, ...(r.pid !== null ? { pid: r.pid } : {}) };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

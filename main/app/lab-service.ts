// The lab's main-process logic, shared by the Electron and web shells: answers
// every API method (after the router validated it) and pushes events (serial
// output, VM status, telemetry) to whichever transport the shell attached.
// The renderer only ever sends TAL source; checking, building, signing and
// running all happen here and below.

import type { Diagnostic, LabEvent, LabEvents, LabRunMode, RunReply, RunRequest, TelemetrySnapshot, WorkspaceReply } from '../../preload/contract.js';
import type { LabHandlers } from '../ipc/router.js';
import { readBenchResults } from './bench-results.js';
import { listExamples } from './examples.js';
import type { LabVm, TalToolchain } from './integration.js';
import type { LabPaths } from './resource-paths.js';
import { TelemetryAggregator } from './telemetry-aggregator.js';
import { textVersion, Workspace, WorkspaceError } from './workspace.js';

export type EventSink = <E extends LabEvent>(event: E, payload: LabEvents[E]) => void;

export interface LabServiceOptions {
  toolchain: TalToolchain;
  vm: LabVm;
  paths: LabPaths;
  syscallName: (nr: number) => string;
  emit: EventSink;
  /** How often telemetry is read from the guest and pushed, in ms. */
  telemetryIntervalMs?: number;
}

export interface LabService {
  handlers: LabHandlers;
  /** Starts forwarding VM events and polling telemetry. */
  start(): void;
  stop(): Promise<void>;
}

export function createLabService(opts: LabServiceOptions): LabService {
  const { toolchain, vm, paths, emit } = opts;
  const telemetry = new TelemetryAggregator(opts.syscallName);
  const workspace = new Workspace(paths.workspaceDir);
  const unsubscribers: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  /** The read in progress, shared by the timer so a slow read does not pile up behind it. */
  let inflight: Promise<void> | null = null;

  async function readTelemetry(): Promise<void> {
    try {
      const drained = await vm.drainTelemetry();
      telemetry.setAvailability(drained.available, drained.message);
      if (drained.totals !== undefined) telemetry.observeCounters(drained.totals);
      telemetry.tick();
      if (telemetry.takeChanged()) emit('telemetry', telemetry.snapshot());
    } catch (err) {
      telemetry.setAvailability(false, `reading telemetry failed: ${(err as Error).message}`);
    }
  }

  function pollTelemetry(): Promise<void> {
    inflight ??= readTelemetry().finally(() => (inflight = null));
    return inflight;
  }

  async function run(req: RunRequest): Promise<RunReply> {
    const base = { mode: req.mode, diagnostics: [] as Diagnostic[] };
    const built = await toolchain.build(req, true);
    if (!built.ok || built.checked === undefined) {
      const errors = built.diagnostics.filter((d) => d.severity === 'error').length;
      return {
        ...base,
        diagnostics: built.diagnostics,
        status: 'rejected',
        message: `The checker rejected ${req.file} (${errors} error${errors === 1 ? '' : 's'}); nothing was sent to the guest.`,
      };
    }
    const state = vm.status();
    if (state.state !== 'running') {
      // At once, with the way out: a dead or stopped guest needs Restart.
      const restartHint = state.state === 'failed' || state.state === 'stopped';
      return {
        ...base,
        status: 'unavailable',
        restartHint,
        message: `The guest is not running (${state.state}: ${state.message}).${restartHint ? ' Press Restart to boot it.' : ''}`,
      };
    }
    const stdin = req.stdinFrom === 'terminal' ? ('tty' as const) : new TextEncoder().encode(req.stdin ?? '');
    const started = Date.now();
    const result = await vm.run(built.checked, req.mode, req.args, stdin);
    const wallMs = Date.now() - started;
    if (result.status === 'unavailable') {
      return { ...base, status: 'unavailable', restartHint: result.restartHint ?? false, message: `Cannot run ${req.file}: ${result.message}.` };
    }
    const reply: RunReply = { ...base, status: result.status, wallMs, message: describeRun(req, result.status, result.message, result.exitCode) };
    if (result.restartHint) reply.restartHint = true;
    if (result.exitCode !== undefined) reply.exitCode = result.exitCode;
    if (result.output !== undefined) reply.output = result.output;
    const summary = {
      mode: req.mode,
      file: req.file,
      status: reply.status,
      wallMs,
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      ...(result.program ? { pid: result.program.pid } : {}),
    };
    telemetry.addRun(summary, result.program);
    emit('telemetry', telemetry.snapshot());
    emit('runFinished', reply);
    return reply;
  }

  const handlers: LabHandlers = {
    listExamples: () => listExamples(paths.examplesDir),
    checkSource: (req) => toolchain.check(req),
    buildSource: async (req) => {
      const { checked: _image, ...reply } = await toolchain.build(req);
      return reply;
    },
    runProgram: run,
    stopRun: async () => {
      const stopped = await vm.stopRun();
      return { stopped, message: stopped ? 'stopped the running program' : 'nothing was running' };
    },
    getVmStatus: async () => vm.status(),
    restartVm: async () => {
      await vm.restart();
      return vm.status();
    },
    snapshotVm: (req) => vm.snapshot(req.action),
    sendSerial: async (req) => {
      await vm.writeSerial(req.port, new TextEncoder().encode(req.data));
      return null;
    },
    getTelemetry: async (): Promise<TelemetrySnapshot> => telemetry.snapshot(),
    resetTelemetry: async () => {
      telemetry.reset();
      emit('telemetry', telemetry.snapshot());
      return null;
    },
    listBenchResults: () => readBenchResults(paths.benchResultsDir),
    listFiles: async () => ({ dir: workspace.dir, files: await workspace.list().catch(() => []) }),
    openFile: (req) =>
      answer(async () => {
        const source = await workspace.read(req.name);
        return { name: req.name, source, version: textVersion(source), message: `opened ${req.name}` };
      }),
    saveFile: (req) =>
      answer(async () => {
        const f = await workspace.write(req.name, req.source, req.overwrite, req.ifVersion);
        return { name: f.name, version: textVersion(req.source), message: `saved ${f.name} (${f.bytes} bytes) in ${workspace.dir}` };
      }),
    renameFile: (req) =>
      answer(async () => {
        await workspace.rename(req.from, req.to);
        return { name: req.to, message: `renamed ${req.from} to ${req.to}` };
      }),
  };

  return {
    handlers,
    start() {
      unsubscribers.push(
        vm.onStatus((status) => emit('vmStatus', status)),
        vm.onSerial((port, bytes) => emit('serialOutput', { port, base64: Buffer.from(bytes).toString('base64') })),
      );
      timer = setInterval(() => void pollTelemetry(), opts.telemetryIntervalMs ?? 250);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      for (const u of unsubscribers.splice(0)) u();
      await Promise.all([vm.stop(), toolchain.close()]);
    },
  };
}

function describeRun(req: { file: string; mode: LabRunMode }, status: 'exited' | 'refused' | 'failed' | 'stopped', message: string, exitCode?: number): string {
  const where = req.mode === 'kernel' ? 'in kernel mode (ring 0)' : 'in user mode (ring 3)';
  switch (status) {
    case 'exited':
      return `${req.file} ran ${where} and exited with status ${exitCode ?? '?'} (${message}).`;
    case 'refused':
      return `The guest refused to run ${req.file} ${where}: ${message}`;
    case 'failed':
      return `Running ${req.file} ${where} failed: ${message}`;
    case 'stopped':
      return `${req.file} was stopped ${where} (exit status ${exitCode ?? '?'}: ${exitCode === 137 ? 'SIGKILL' : 'SIGINT'}); the guest and its files are as they were.`;
  }
}

/** A workspace operation as a reply: its result, or its refusal in words. */
async function answer(op: () => Promise<Omit<WorkspaceReply, 'ok'>>): Promise<WorkspaceReply> {
  try {
    return { ok: true, ...(await op()) };
  } catch (e) {
    if (e instanceof WorkspaceError) return { ok: false, message: e.message };
    throw e;
  }
}

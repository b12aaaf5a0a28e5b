// The lab's API between the renderer and the main process: every method the
// renderer may call, every event main pushes, and their payload types. The
// Electron preload, the WebSocket client, main's router and both transport
// adapters all derive from these tables, so the two shells cannot drift apart.
// This module is dependency-free (the renderer bundle imports it); the runtime
// validators for each request live in main/ipc/schemas.ts.

import type { Diagnostic, TypeStateEntry } from '../tal/diagnostics.js';

export type { Diagnostic, TypeStateEntry };

/** The lab's two Run buttons: ring 0 with direct calls, ring 3 with int $0x80 (the guest's ExecMode, main/runner/admission.ts, also has user-sysenter). */
export type LabRunMode = 'kernel' | 'user';
export const SERIAL_PORT_COUNT = 4;

export interface SourceRequest {
  /** TAL source text as typed in the editor. */
  source: string;
  /** A bare file name used in diagnostics (no directories). */
  file: string;
}

export interface RunRequest extends SourceRequest {
  mode: LabRunMode;
  /** argv[1..] for the program. */
  args: string[];
  /** Standard input: this text (default: empty), or with stdinFrom 'terminal' the runner's console (ttyS3). */
  stdin?: string;
  stdinFrom?: 'text' | 'terminal';
}

/** The longest program the lab accepts (check, build, run, save, share links); the examples are a few KiB. */
export const MAX_SOURCE_CHARS = 512 * 1024;

/** What the lab accepts for one run; the UI states them and checks them before sending. */
export const RUN_LIMITS = {
  args: 64,
  argChars: 4096,
  stdinChars: 64 * 1024,
  /** A run is stopped after this long (the Stop button ends it sooner). */
  timeoutMs: 60_000,
} as const;

export interface StopReply {
  /** false when nothing was running. */
  stopped: boolean;
  message: string;
}

export interface SerialInput {
  port: number; // 0..3 = ttyS0..ttyS3
  data: string; // what the person typed or pasted
}

export interface SnapshotRequest {
  action: 'save' | 'restore';
}

export interface ExampleInfo {
  id: string; // file name without .tal
  title: string; // first comment line of the file
  source: string;
}

export interface CheckReply {
  ok: boolean;
  diagnostics: Diagnostic[];
  trace: TypeStateEntry[];
}

/** One line of the disassembly of a built image. */
export interface ListingLine {
  offset: number; // byte offset in the code section
  bytes: string; // hex
  text: string; // Intel-syntax instruction
  sourceLine?: number; // 1-based line in the TAL source, when the line table maps it
  /** Part of the trusted runtime the assembler adds (prologue, heap-exhausted path), not of the source. */
  runtime?: boolean;
  /** What a relocated operand refers to, e.g. "import write (nr 4)". */
  annotation?: string;
  /** Code labels that start at this instruction. */
  labels?: string[];
}

export interface BuildReply {
  ok: boolean;
  diagnostics: Diagnostic[];
  listing: ListingLine[];
  /** Size of the unsigned .talo image in bytes, when built. */
  imageBytes?: number;
}

export type RunStatus =
  | 'exited' // the program ran and exited
  | 'rejected' // the host checker rejected the source: nothing ran
  | 'refused' // the guest loader refused the image
  | 'failed' // the VM or the runner failed
  | 'stopped' // the Stop button ended it
  | 'unavailable'; // the VM service or the toolchain is not there yet

export interface RunReply {
  status: RunStatus;
  mode: LabRunMode;
  /** What to tell the person, one line. */
  message: string;
  diagnostics: Diagnostic[];
  exitCode?: number;
  /** Program output (stdout + stderr) as text, when the runner captured it. */
  output?: string;
  /** Host wall time of the run in milliseconds. */
  wallMs?: number;
  /** Whether the guest should be restarted (it died or cannot run programs): the UI offers Restart. */
  restartHint?: boolean;
}

export type VmState = 'stopped' | 'booting' | 'running' | 'failed' | 'unavailable';

export interface VmStatus {
  state: VmState;
  /** One line: what is happening now (e.g. "booting: kernel decompressing"). */
  message: string;
  /** 0..1 during boot. */
  progress?: number;
  /** Milliseconds since boot started, when booting or running. */
  uptimeMs?: number;
  /** SHA-256 of the guest images (kernel, initramfs, BIOS) this guest runs; share links carry it. */
  imagesDigest?: string;
}

export interface SnapshotReply {
  ok: boolean;
  message: string;
  bytes?: number;
}

/** How a call reached the kernel as the transitions view draws it: trapped (int $0x80 or sysenter) or a direct call; the kernel's own paths are main/vm/control-region.ts's SyscallPath. */
export type TransitionKind = 'trap' | 'direct';

/** Counters and costs of one syscall on one path, since the last reset. */
export interface SyscallStat {
  nr: number;
  name: string;
  path: TransitionKind;
  count: number;
  /** Mean duration in nanoseconds of guest time. */
  meanNs: number;
}

/** A run of consecutive syscalls with the same name and path, for the swimlane. */
export interface TransitionSpan {
  seq: number; // sequence number of the first event
  name: string;
  path: TransitionKind;
  count: number;
  meanNs: number;
}

export interface RunSummary {
  mode: LabRunMode;
  file: string;
  status: RunStatus;
  exitCode?: number;
  wallMs?: number;
  /** The program's process id in the guest: every number here is that process's alone. */
  pid?: number;
  /** Every system call the program made, by path (exact). */
  totals: Record<TransitionKind, number>;
  /** Itemized by call; they add up to the totals minus notItemized. */
  syscalls: SyscallStat[];
  /** Calls counted in the totals that the guest's record ring overwrote before they could be itemized. */
  notItemized: number;
}

export interface TelemetrySnapshot {
  /** Whether the guest announced a telemetry region the host can read. */
  available: boolean;
  message: string;
  /** System calls of the programs the lab ran since the last reset, by path (programs only, never the shells). */
  totals: Record<TransitionKind, number>;
  /** Per-second rate over the last sampling interval, of the whole guest (every process). */
  ratePerSec: Record<TransitionKind, number>;
  /** Counts and mean costs of the programs' itemized calls since the last reset. */
  stats: SyscallStat[];
  /** The last run's transitions, oldest first, at most TRANSITION_WINDOW spans; a first span named EARLIER_CALLS counts the calls before them. */
  recent: TransitionSpan[];
  lastRuns: Partial<Record<LabRunMode, RunSummary>>;
}

export const TRANSITION_WINDOW = 64;
/** The name of the lane's first span when it stands for the run's calls before the ones drawn. */
export const EARLIER_CALLS = 'earlier calls';

export interface BenchPoint {
  name: string; // e.g. "find", "echod", "getpid"
  metric: string; // e.g. "kernel-mode speedup (%)", "latency reduction (µs)"
  ours: number;
  paper?: number;
  unit: string;
}

/** The machine a benchmark run was measured on, as its result file records it. */
export interface BenchMachine {
  cpu: string;
  cores?: number;
  node?: string;
  os?: string;
  memoryGiB?: number;
  loadAverage1m?: number;
}

/**
 * One experiment's kernel-mode speed-up as a ratio: time in the faster user
 * mode ÷ time in kernel mode (above 1: kernel mode is faster), ours beside the
 * paper's, so every experiment shares one axis.
 */
export interface BenchRatio {
  experiment: string; // "getpid", "find", "echod"
  title: string;
  ours?: number;
  /** How ours was formed ("user-sysenter 758 ns ÷ kernel 173 ns"), or why there is none. */
  oursBasis: string;
  paper?: number;
  /** The paper's figure in its words and how it became a ratio, or why it cannot. */
  paperBasis: string;
}

/** A speed goal of the run (bench/bounds.ts, and each experiment's target), met or missed. */
export interface BenchGoal {
  what: string;
  measured: string;
  target: string;
  met: boolean;
}

/** One result file of `npm run bench`. */
export interface BenchRun {
  file: string;
  /** ISO time the run started: from the file, else its name's stamp, else the file's mtime. */
  startedAt: string;
  /** Where startedAt came from: a file that predates the field gets its modification time. */
  dated: 'recorded' | 'file-name' | 'file-time';
  quick: boolean;
  /** Absent in files that predate the field. */
  machine?: BenchMachine;
  /** e.g. "Linux 6.1.192 i386, 128 MiB, v86 0.5.462". */
  guest?: string;
  ratios: BenchRatio[];
  /** Absent when the run did not measure speed goals (files before bench/bounds.ts). */
  goals?: BenchGoal[];
  points: BenchPoint[];
}

export interface BenchReply {
  /** Where the results are read from, to tell the person what to run. */
  directory: string;
  /** Newest first. */
  runs: BenchRun[];
  /** Result files that could not be read, with the reason. */
  problems: string[];
}

/** A .tal file in the workspace folder. */
export interface WorkspaceFileInfo {
  name: string;
  bytes: number;
  modifiedMs: number;
}

export interface WorkspaceListing {
  /** The folder on the host, to tell the person where their files are. */
  dir: string;
  files: WorkspaceFileInfo[];
}

/** The answer to a workspace request: ok, or why not in words. */
export interface WorkspaceReply {
  ok: boolean;
  message: string;
  name?: string;
  source?: string;
  /** The file's version as opened or saved (SHA-256 of its text); Save sends it back so a file changed meanwhile is not overwritten. */
  version?: string;
}

/** Every renderer → main method: its request and its reply. */
export interface LabMethods {
  listExamples: { req: Record<string, never>; res: ExampleInfo[] };
  checkSource: { req: SourceRequest; res: CheckReply };
  buildSource: { req: SourceRequest; res: BuildReply };
  runProgram: { req: RunRequest; res: RunReply };
  stopRun: { req: Record<string, never>; res: StopReply };
  getVmStatus: { req: Record<string, never>; res: VmStatus };
  restartVm: { req: Record<string, never>; res: VmStatus };
  snapshotVm: { req: SnapshotRequest; res: SnapshotReply };
  sendSerial: { req: SerialInput; res: null };
  getTelemetry: { req: Record<string, never>; res: TelemetrySnapshot };
  resetTelemetry: { req: Record<string, never>; res: null };
  listBenchResults: { req: Record<string, never>; res: BenchReply };
  listFiles: { req: Record<string, never>; res: WorkspaceListing };
  openFile: { req: { name: string }; res: WorkspaceReply };
  /** ifVersion: overwrite only if the file is still at this version (WorkspaceReply.version). */
  saveFile: { req: { name: string; source: string; overwrite: boolean; ifVersion?: string }; res: WorkspaceReply };
  renameFile: { req: { from: string; to: string }; res: WorkspaceReply };
}
export type LabMethod = keyof LabMethods;

/** Method → IPC channel name. */
export const METHOD_CHANNELS: { readonly [M in LabMethod]: string } = {
  listExamples: 'lab:list-examples',
  checkSource: 'lab:check-source',
  buildSource: 'lab:build-source',
  runProgram: 'lab:run-program',
  stopRun: 'lab:stop-run',
  getVmStatus: 'lab:get-vm-status',
  restartVm: 'lab:restart-vm',
  snapshotVm: 'lab:snapshot-vm',
  sendSerial: 'lab:send-serial',
  getTelemetry: 'lab:get-telemetry',
  resetTelemetry: 'lab:reset-telemetry',
  listBenchResults: 'lab:list-bench-results',
  listFiles: 'lab:list-files',
  openFile: 'lab:open-file',
  saveFile: 'lab:save-file',
  renameFile: 'lab:rename-file',
};
export const LAB_METHODS = Object.keys(METHOD_CHANNELS) as LabMethod[];

/** Serial output bytes, base64 so both transports carry them as JSON-safe text. */
export interface SerialOutput {
  port: number;
  base64: string;
}

/** Every main → renderer event and its payload. */
export interface LabEvents {
  serialOutput: SerialOutput;
  vmStatus: VmStatus;
  telemetry: TelemetrySnapshot;
  runFinished: RunReply;
}
export type LabEvent = keyof LabEvents;

export const EVENT_CHANNELS: { readonly [E in LabEvent]: string } = {
  serialOutput: 'lab:serial-output',
  vmStatus: 'lab:vm-status',
  telemetry: 'lab:telemetry',
  runFinished: 'lab:run-finished',
};
export const LAB_EVENTS = Object.keys(EVENT_CHANNELS) as LabEvent[];

/** An error crossing the boundary: a stable code, a message, and where in the payload it was found. */
export interface IpcError {
  code: 'E_UNKNOWN_METHOD' | 'E_BAD_PAYLOAD' | 'E_UNTRUSTED_SENDER' | 'E_BAD_MESSAGE' | 'E_HANDLER';
  message: string;
  /** Path into the payload of the first offending field, e.g. "mode" or "args.3". */
  path?: string;
}

export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: IpcError };

export type Unsubscribe = () => void;

/** What the renderer sees as `window.lab` (Electron preload) or gets from the WebSocket client. */
export type LabApi = {
  [M in LabMethod]: (req: LabMethods[M]['req']) => Promise<IpcReply<LabMethods[M]['res']>>;
} & {
  on<E extends LabEvent>(event: E, listener: (payload: LabEvents[E]) => void): Unsubscribe;
};

/** The web shell's WebSocket frames (JSON text). The client numbers its requests; main answers each id once. */
export interface WsRequest {
  id: number;
  method: string;
  payload: unknown;
}
export type WsServerMessage = { id: number | null; reply: IpcReply<unknown> } | { event: LabEvent; payload: LabEvents[LabEvent] };

/**
 * The web shell's largest frame. The server refuses a larger one by closing the connection (and with
 * it every request the page has pending), so every request the validators accept must fit: the
 * largest is a run with the longest source, input and arguments, every character a JSON escape
 * (\u0001: 6 bytes), plus the envelope. The page refuses a larger request itself, in words.
 */
export const MAX_WS_FRAME_BYTES = (MAX_SOURCE_CHARS + RUN_LIMITS.stdinChars + RUN_LIMITS.args * (RUN_LIMITS.argChars + 3)) * 6 + 64 * 1024;

/** The path the web shell serves the WebSocket API on. */
export const WS_API_PATH = '/api';

// ---- The Electron shell's own API (window.labShell; the web shell has none) ----

/** What the application menu asks the page to do (main/electron/app-menu.ts has the menu). */
export const MENU_COMMANDS = ['new', 'open', 'save', 'saveAs', 'rename', 'copyLink', 'runKernel', 'runUser', 'runAgain', 'stop'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** A .tal file the person chose in a native dialog. Main keeps its path; the page holds only the handle. */
export interface NativeFile {
  handle: string;
  name: string;
  source: string;
}

/** The answer to a native file request: the file, cancelled by the person, or why not in words. */
export type NativeFileReply = { ok: true; file: NativeFile; message: string } | { ok: false; cancelled: boolean; message: string };

export interface ShellMethods {
  /** Open dialog → the chosen .tal file. */
  openNative: { req: Record<string, never>; res: NativeFileReply };
  /** Writes over the file a handle names (Save). */
  saveNative: { req: { handle: string; source: string }; res: NativeFileReply };
  /** Save dialog → writes there (Save As; New's first save). */
  saveNativeAs: { req: { name: string; source: string }; res: NativeFileReply };
  /** Save dialog titled Rename → moves the handle's file there (the reply's source is the file's text). */
  renameNative: { req: { handle: string }; res: NativeFileReply };
}
export type ShellMethod = keyof ShellMethods;

export const SHELL_METHOD_CHANNELS: { readonly [M in ShellMethod]: string } = {
  openNative: 'shell:open-native',
  saveNative: 'shell:save-native',
  saveNativeAs: 'shell:save-native-as',
  renameNative: 'shell:rename-native',
};

/** Main → page in the Electron shell: a menu command, or a share link to open (a `#tal=` fragment main has validated). */
export interface ShellEvents {
  menuCommand: MenuCommand;
  openLink: string;
}
export const SHELL_EVENT_CHANNELS: { readonly [E in keyof ShellEvents]: string } = {
  menuCommand: 'shell:menu-command',
  openLink: 'shell:open-link',
};

/** What the page sees as `window.labShell` in Electron. */
export type LabShellApi = {
  [M in ShellMethod]: (req: ShellMethods[M]['req']) => Promise<IpcReply<ShellMethods[M]['res']>>;
} & {
  on<E extends keyof ShellEvents>(event: E, listener: (payload: ShellEvents[E]) => void): Unsubscribe;
};

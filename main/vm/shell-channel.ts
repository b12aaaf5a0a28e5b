// Runs shell commands on one guest serial console and returns their output and
// exit status. The command is wrapped between two marker lines whose text only
// exists after the shell expands them (the echo of the typed line shows them
// split by quotes), so the typed-line echo, prompts and line-editor escape
// sequences before the first marker never reach the result.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { VmError } from './errors.js';
import type { SerialPort } from './protocol.js';

export interface ExecOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** After a timeout, send Ctrl-C and wait for the shell to answer again before the next command (default true). */
  interruptOnTimeout?: boolean;
}

export interface ExecResult {
  /** What the command wrote to the terminal, CR-LF turned into LF. */
  output: string;
  exitStatus: number;
  durationMs: number;
}

/** busybox's line editor keeps at most 1024 bytes per line; stay well below with the wrapper added. */
export const MAX_COMMAND_BYTES = 900;
const DEFAULT_TIMEOUT_MS = 10_000;
const RESYNC_TIMEOUT_MS = 5_000;
const CTRL_C = Uint8Array.of(0x03);
const TAIL_CHARS = 600;

type Outcome = { result: ExecResult } | { error: VmError; resync: boolean };

interface RunningCommand {
  command: string;
  beginMarker: string;
  endMarker: string;
  /** Everything received since the command was sent, one char per byte (latin1). */
  text: string;
  /** Where the next search for the end marker starts. */
  searchFrom: number;
  finish(outcome: Outcome): void;
}

export class ShellChannel {
  private running: RunningCommand | null = null;
  private queue: Promise<void> = Promise.resolve();
  private failure: VmError | null = null;

  constructor(
    readonly port: SerialPort,
    private readonly send: (bytes: Uint8Array) => Promise<void>,
  ) {}

  /** Feed every output byte of this port here. */
  receive(bytes: Uint8Array): void {
    const running = this.running;
    if (!running) return;
    running.text += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const result = parseCommandOutput(running);
    if (result) running.finish({ result });
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const problem = commandProblem(command);
    if (problem) return Promise.reject(new VmError('BAD_ARGUMENT', problem, { port: this.port, command }));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const resyncOnTimeout = options.interruptOnTimeout ?? true;
    return new Promise<ExecResult>((resolve, reject) => {
      this.enqueue(async () => {
        const outcome = await this.run(command, timeoutMs);
        if ('result' in outcome) resolve(outcome.result);
        else reject(outcome.error);
        if ('error' in outcome && outcome.resync && (outcome.error.code !== 'EXEC_TIMEOUT' || resyncOnTimeout)) {
          await this.resync();
        }
      });
    });
  }

  /**
   * Send Ctrl-C. A command in progress rejects with INTERRUPTED; resolves once
   * the shell answers a command again, rejects if it does not.
   */
  async interrupt(): Promise<void> {
    if (this.failure) throw this.failure;
    const running = this.running;
    if (running) {
      running.finish({
        error: new VmError('INTERRUPTED', 'command interrupted with Ctrl-C', this.where(running)),
        resync: false,
      });
    }
    const answered = await new Promise<boolean>((resolve) => this.enqueue(async () => resolve(await this.resync())));
    if (this.failure) throw this.failure;
    if (!answered) throw new VmError('EXEC_TIMEOUT', 'the shell did not answer after Ctrl-C', { port: this.port });
  }

  /** The VM died or stopped: reject the running command, everything queued, and every later call. */
  fail(error: VmError): void {
    this.failure ??= error;
    this.running?.finish({ error, resync: false });
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch(() => undefined);
  }

  private run(command: string, timeoutMs: number): Promise<Outcome> {
    if (this.failure) return Promise.resolve({ error: this.failure, resync: false });
    const id = randomBytes(6).toString('hex');
    const started = performance.now();
    return new Promise<Outcome>((settle) => {
      const running: RunningCommand = {
        command,
        beginMarker: `__tal_b_${id}__`,
        endMarker: `__tal_e_${id}__:`,
        text: '',
        searchFrom: 0,
        finish: (outcome) => {
          if (this.running !== running) return;
          this.running = null;
          clearTimeout(timer);
          if ('result' in outcome) outcome.result.durationMs = performance.now() - started;
          settle(outcome);
        },
      };
      const timer = setTimeout(() => {
        running.finish({
          error: new VmError('EXEC_TIMEOUT', `command did not finish within ${timeoutMs} ms`, this.where(running)),
          resync: true,
        });
      }, timeoutMs);
      this.running = running;
      // `{ cmd<newline>}` runs the command in this shell (cd, exports persist) and accepts any complete command.
      const line =
        `echo "__tal_b_""${id}__"; { ${command}\n}; ` + `printf '\\n__tal_e_%s__:%d:\\n' "${id}" "$?"\n`;
      this.send(new Uint8Array(Buffer.from(line, 'utf8'))).catch((error: unknown) => {
        running.finish({ error: asVmError(error, this.port), resync: false });
      });
    });
  }

  /** Send Ctrl-C until the shell answers a command again (so the next queued command meets a prompt). */
  private async resync(): Promise<boolean> {
    for (let attempt = 0; attempt < 3 && !this.failure; attempt++) {
      try {
        await this.send(CTRL_C);
      } catch {
        return false;
      }
      if ('result' in (await this.run('true', RESYNC_TIMEOUT_MS))) return true;
    }
    return false;
  }

  private where(running: RunningCommand) {
    return { port: this.port, command: running.command, outputTail: decodeTerminalText(running.text.slice(-TAIL_CHARS)) };
  }
}

function commandProblem(command: string): string | null {
  if (command.trim() === '') return 'empty command';
  if (/[\0\x03\x04]/.test(command)) return 'command contains a NUL, Ctrl-C or Ctrl-D character';
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes > MAX_COMMAND_BYTES) {
    return `command is ${bytes} bytes; the guest shell takes at most ${MAX_COMMAND_BYTES} (deliver longer scripts as a file)`;
  }
  return null;
}

/** The command's result once the end marker has arrived, else null. */
function parseCommandOutput(running: RunningCommand): ExecResult | null {
  const { text, endMarker, beginMarker } = running;
  const end = text.indexOf(endMarker, running.searchFrom);
  if (end < 0) {
    running.searchFrom = Math.max(0, text.length - endMarker.length);
    return null;
  }
  const status = /^(\d+):/.exec(text.slice(end + endMarker.length));
  if (!status) return null; // the digits have not all arrived yet
  const beginAt = text.indexOf(beginMarker);
  if (beginAt < 0 || beginAt > end) return null;
  const outputStart = skipNewline(text, beginAt + beginMarker.length);
  // printf put one newline before the end marker so output without a final newline stays separate; drop it.
  let outputEnd = end;
  if (text[outputEnd - 1] === '\n') outputEnd--;
  if (text[outputEnd - 1] === '\r') outputEnd--;
  return {
    output: decodeTerminalText(text.slice(outputStart, Math.max(outputStart, outputEnd))),
    exitStatus: Number(status[1]),
    durationMs: 0,
  };
}

function skipNewline(text: string, at: number): number {
  if (text[at] === '\r') at++;
  if (text[at] === '\n') at++;
  return at;
}

/** Latin1-held terminal bytes to a string: UTF-8 decoded, the tty's CR-LF back to LF. */
export function decodeTerminalText(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8').replace(/\r+\n/g, '\n');
}

function asVmError(error: unknown, port: SerialPort): VmError {
  if (error instanceof VmError) return error;
  return new VmError('EMULATOR_ERROR', error instanceof Error ? error.message : String(error), { port });
}

// Runs shell commands on one guest serial console and returns their output and
// exit status. The command is wrapped between two marker lines whose text only
// exists after the shell expands them (the echo of the typed line shows them
// split by quotes), so the typed-line echo, prompts and line-editor escape
// sequences before the first marker never reach the result.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { VmError } from './errors.js';
import type { SerialPort } from './protocol.js';

export interface ExecOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** After a timeout, send Ctrl-C and wait for the shell to answer again before the next command (default true). */
  interruptOnTimeout?: boolean;
  /** Receives the output while the command runs; the chunks add up to ExecResult.output. */
  onOutput?: (text: string) => void;
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
  /** Where the output starts in `text` once the begin marker has arrived. */
  outputStart: number | null;
  stream: OutputStream | null;
  finish(outcome: Outcome): void;
}

/** Hands out the output incrementally, holding back what could still be the end marker or half a CR-LF. */
class OutputStream {
  private streamedTo = 0;
  private readonly decoder = new StringDecoder('utf8');

  constructor(readonly listener: (text: string) => void) {}

  /** Emit text[from, upTo) not yet emitted; with `last`, also flush the decoder. */
  advance(text: string, from: number, upTo: number, last: boolean): void {
    let to = upTo;
    if (!last) while (to > from && text[to - 1] === '\r') to--;
    const start = Math.max(this.streamedTo, from);
    let chunk = '';
    if (to > start) {
      chunk = this.decoder.write(Buffer.from(text.slice(start, to), 'latin1'));
      this.streamedTo = to;
    }
    if (last) chunk += this.decoder.end();
    chunk = chunk.replace(/\r+\n/g, '\n');
    if (chunk !== '') this.listener(chunk);
  }
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
    try {
      const parsed = parseCommandOutput(running);
      if (running.stream && running.outputStart !== null) {
        const upTo = parsed ? parsed.outputEnd : streamableEnd(running);
        running.stream.advance(running.text, running.outputStart, upTo, parsed !== null);
      }
      if (parsed) running.finish({ result: parsed.result });
    } catch (error) {
      const message = `the onOutput callback threw: ${error instanceof Error ? error.message : String(error)}`;
      running.finish({ error: new VmError('BAD_ARGUMENT', message, this.where(running)), resync: true });
    }
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const problem = commandProblem(command);
    if (problem) return Promise.reject(new VmError('BAD_ARGUMENT', problem, { port: this.port, command }));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const resyncOnTimeout = options.interruptOnTimeout ?? true;
    return new Promise<ExecResult>((resolve, reject) => {
      this.enqueue(async () => {
        const outcome = await this.run(command, timeoutMs, options.onOutput);
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

  private run(command: string, timeoutMs: number, onOutput?: (text: string) => void): Promise<Outcome> {
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
        outputStart: null,
        stream: onOutput ? new OutputStream(onOutput) : null,
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
      const line = `echo "__tal_b_""${id}__"; { ${command}\n}; ` + `printf '\\n__tal_e_%s__:%d:\\n' "${id}" "$?"\n`;
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

/** The command's result once the end marker has arrived, else null; records where the output starts. */
function parseCommandOutput(running: RunningCommand): { result: ExecResult; outputEnd: number } | null {
  const { endMarker, beginMarker } = running;
  const text = running.text;
  if (running.outputStart === null) {
    const beginAt = text.indexOf(beginMarker);
    // The newline after the marker must have arrived too, or a lone CR would be taken for the output.
    if (beginAt < 0 || text.length < beginAt + beginMarker.length + 2) return null;
    running.outputStart = skipNewline(text, beginAt + beginMarker.length);
    running.searchFrom = running.outputStart;
  }
  const end = text.indexOf(endMarker, running.searchFrom);
  if (end < 0) {
    running.searchFrom = Math.max(running.outputStart, text.length - endMarker.length);
    return null;
  }
  const status = /^(\d+):/.exec(text.slice(end + endMarker.length));
  if (!status) return null; // the digits have not all arrived yet
  const outputStart = running.outputStart;
  const outputEnd = outputEndBefore(text, end, outputStart);
  return {
    result: { output: decodeTerminalText(text.slice(outputStart, outputEnd)), exitStatus: Number(status[1]), durationMs: 0 },
    outputEnd,
  };
}

/** printf put one newline before the end marker so output without a final newline stays separate; not output. */
function outputEndBefore(text: string, end: number, outputStart: number): number {
  let outputEnd = end;
  if (text[outputEnd - 1] === '\n') outputEnd--;
  if (text[outputEnd - 1] === '\r') outputEnd--;
  return Math.max(outputStart, outputEnd);
}

/**
 * How far the output may be streamed before the command ended: up to the end marker when it has arrived
 * but its exit status has not all, else up to what could still become the newline + end marker.
 */
function streamableEnd(running: RunningCommand): number {
  const text = running.text;
  const end = text.indexOf(running.endMarker, running.searchFrom);
  if (end >= 0) return outputEndBefore(text, end, running.outputStart ?? end);
  return text.length - possibleEndStart(text, running.endMarker);
}

/** How many trailing characters could be the start of the newline + end marker still arriving. */
function possibleEndStart(text: string, endMarker: string): number {
  for (const end of [`\r\n${endMarker}`, `\n${endMarker}`]) {
    for (let k = Math.min(end.length, text.length); k > 0; k--) {
      if (text.endsWith(end.slice(0, k))) return k;
    }
  }
  return 0;
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

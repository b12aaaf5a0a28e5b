// The lab's two lines around a run in the runner terminal (ttyS3): what ran,
// before the program's output, and how it ended, after it. The terminal shows
// the program's own output between them; the runner's shell dialogue never
// reaches it (main/app/guest-vm.ts).

import type { LabRunMode, RunReply } from '../../preload/contract.js';
import { CONTROL_CHARACTER, quoteShellWord } from '../../preload/shell-words.js';

const MODE_TEXT: Record<LabRunMode, string> = { kernel: 'kernel mode', user: 'user mode' };

/** `$ hello.tal arg1 'arg two'  (kernel mode)` */
export function runHeader(file: string, args: readonly string[], mode: LabRunMode, stdinFromTerminal: boolean): string {
  const line = [file, ...args].map(quoteShellWord).join(' ');
  return `$ ${line}  (${MODE_TEXT[mode]}${stdinFromTerminal ? ', input from this terminal' : ''})`;
}

/** `[exited with status 0]`, `[stopped: …]`, `[refused: …]`, `[not run: …]` */
export function runFooter(reply: RunReply): string {
  const status = reply.exitCode === undefined ? '' : ` with status ${reply.exitCode}`;
  switch (reply.status) {
    case 'exited':
      if (reply.exitCode !== undefined && reply.exitCode > 128) return `[killed by signal ${reply.exitCode - 128}: exit status ${reply.exitCode}]`;
      return `[exited${status}]`;
    case 'stopped':
      return `[stopped: exit status ${reply.exitCode ?? '?'}]`;
    case 'refused':
      return '[refused: the kernel would not give the image ring 0]';
    case 'failed':
      return `[failed: ${visible(reply.message)}]`;
    case 'rejected':
      return '[not run: the checker rejected it]';
    case 'unavailable':
      return `[not run: ${visible(reply.message)}]`;
  }
}

/** A message that may quote the guest (a failed execve's last line), with nothing a terminal would act on. */
export function visible(text: string): string {
  return text.replace(new RegExp(CONTROL_CHARACTER.source, 'g'), '\ufffd');
}

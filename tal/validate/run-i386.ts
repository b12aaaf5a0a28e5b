// Runs an i386 ELF on this host. The host kernel cannot execute 32-bit
// programs, so this goes through qemu-i386; it is the one place that decides
// how, to be switched to the shared tal/host-i386.ts helper when that lands.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface I386Run {
  /** Exit status, or undefined when a signal ended it (or the time limit). */
  status: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

const QEMU = '/usr/bin/qemu-i386';
/** Output kept per stream; a program that prints forever is cut off, not buffered without end. */
const MAX_OUTPUT = 1 << 16;

export function runI386(elf: Uint8Array, opts: { args?: string[]; timeoutMs?: number } = {}): Promise<I386Run> {
  const dir = mkdtempSync(join(tmpdir(), 'tal-validate-'));
  const path = join(dir, 'prog');
  writeFileSync(path, elf, { mode: 0o755 });
  return new Promise((resolve, reject) => {
    // argv[0] is fixed, so a run does not depend on the temporary file's name
    const child = spawn(QEMU, ['-0', 'prog', path, ...(opts.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += b.toString('latin1');
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += b.toString('latin1');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 10_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve({ status: code ?? undefined, signal: signal ?? undefined, timedOut, stdout, stderr });
    });
  });
}

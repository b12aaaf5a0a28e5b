// Runs an instrumented i386 ELF on this host (natively or through qemu-i386:
// tal/host-i386.ts decides), with bounded output and a time limit.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnI386 } from '../host-i386.js';

export interface I386Run {
  /** Exit status, or undefined when a signal ended it (or the time limit). */
  status: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Output kept per stream; a program that prints forever is cut off, not buffered without end. */
const MAX_OUTPUT = 1 << 16;

export function runI386(elf: Uint8Array, opts: { args?: string[]; timeoutMs?: number } = {}): Promise<I386Run> {
  const dir = mkdtempSync(join(tmpdir(), 'tal-validate-'));
  const path = join(dir, 'prog');
  writeFileSync(path, elf, { mode: 0o755 });
  return new Promise((resolve, reject) => {
    // argv[0] is fixed, so a run does not depend on the temporary file's name
    const child = spawnI386(path, opts.args ?? [], { argv0: 'prog', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (b: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += b.toString('latin1');
    });
    child.stderr!.on('data', (b: Buffer) => {
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

// The system-call whitelist exists twice, and must be one list: the checker's
// typed imports (tal/syscalls.ts) and the guest kernel's gate table
// (arch/x86/tal/syscalls.h in kernel-images/patches/, the TAL_SYSCALL lines).
// The kernel refuses any other number from a ring-0 program, so a call the
// checker allows and the kernel lacks fails at load, and one the kernel has
// and the checker lacks is a gate nobody reviewed as typed. This test reads
// the header out of the patch series and compares name, number, argument
// count and whether the call returns.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { APP_ROOT } from '../../main/app/resource-paths.js';
import { SYSCALLS } from '../../tal/syscalls.js';

interface KernelEntry {
  name: string;
  nr: number;
  /** Arguments the gate passes on; undefined for the calls that end the program. */
  nargs?: number;
}

function kernelWhitelist(): KernelEntry[] {
  const dir = path.join(APP_ROOT, 'kernel-images', 'patches');
  const series = readdirSync(dir)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  const entries: KernelEntry[] = [];
  for (const m of series.matchAll(/^\+TAL_SYSCALL\((\w+), (\d+), \w+, (\d+)\)$/gm)) entries.push({ name: m[1]!, nr: Number(m[2]), nargs: Number(m[3]) });
  for (const m of series.matchAll(/^\+TAL_SYSCALL_EXIT\((\w+), (\d+)\)$/gm)) entries.push({ name: m[1]!, nr: Number(m[2]) });
  return entries.sort((a, b) => a.nr - b.nr);
}

test('the kernel gate table and the checker’s imports are the same whitelist', () => {
  const kernel = kernelWhitelist();
  assert.ok(kernel.length >= 20, `read ${kernel.length} TAL_SYSCALL lines from the patch series`);
  const checker = [...SYSCALLS].sort((a, b) => a.nr - b.nr).map((p) => ({ name: p.name, nr: p.nr, ...(p.noreturn ? {} : { nargs: p.args.length }) }));
  assert.deepEqual(kernel, checker);
});

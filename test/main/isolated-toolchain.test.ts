// Checking off the main thread: a program that makes the checker slow or
// hungry is stopped at the lab's time or memory limit with a diagnostic that
// names the limit, the main thread keeps running meanwhile, and the next
// request is answered by a fresh worker.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { IsolatedToolchain } from '../../main/app/isolated-toolchain.js';
import { resolveLabPaths } from '../../main/app/resource-paths.js';

const hello = await readFile(path.join(resolveLabPaths().examplesDir, 'hello.tal'), 'utf8');

/** A program whose checking (with the per-instruction trace) takes long and needs memory: many blocks and instructions. */
function bigProgram(blocks: number): string {
  const lines = ['.code', 'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}'];
  for (let i = 0; i < blocks; i++) {
    lines.push(`        mov eax, ${i}`, '        add eax, 1', '        mov ecx, eax', '        cmp ecx, 7', `        jb b${i}`, `b${i}:`);
  }
  lines.push('        xor eax, eax', '        ret');
  return `${lines.join('\n')}\n`;
}

test('an accepted program is checked in the worker, with its trace', async (t) => {
  const tc = new IsolatedToolchain();
  t.after(() => tc.close());
  const reply = await tc.check({ source: hello, file: 'hello.tal' });
  assert.equal(reply.ok, true, JSON.stringify(reply.diagnostics));
  assert.ok(reply.trace.some((e) => e.instruction === 'call write'));
  const built = await tc.build({ source: hello, file: 'hello.tal' }, true);
  assert.ok(built.ok && built.checked !== undefined && built.listing.length > 0);
  const listingOnly = await tc.build({ source: hello, file: 'hello.tal' });
  assert.equal(listingOnly.checked, undefined, 'only a build for a run makes a signable image');
});

test('a check past the time limit is stopped with E_CHECK_LIMIT while the main thread keeps running; the next check works', async (t) => {
  const tc = new IsolatedToolchain({ timeMs: 300, memoryMiB: 256 });
  t.after(() => tc.close());
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const reply = await tc.check({ source: bigProgram(20_000), file: 'slow.tal' });
  clearInterval(ticker);
  assert.equal(reply.ok, false);
  assert.equal(reply.diagnostics.length, 1);
  const d = reply.diagnostics[0]!;
  assert.equal(d.code, 'E_CHECK_LIMIT');
  assert.match(d.message, /took longer than 300 ms, the lab's time limit/);
  assert.equal(d.file, 'slow.tal');
  // The main thread ran its timer during the check: it was not blocked by it.
  assert.ok(ticks >= 5, `only ${ticks} timer ticks during the check`);
  // The next check runs in a fresh, cold worker: on a loaded machine even hello can take 300 ms there,
  // and what is tested now is the recovery, not the limit.
  tc.limits.timeMs = 60_000;
  const after = await tc.check({ source: hello, file: 'hello.tal' });
  assert.equal(after.ok, true);
});

test('a check past the memory limit is stopped with E_CHECK_LIMIT naming the limit; the next check works', async (t) => {
  const tc = new IsolatedToolchain({ timeMs: 120_000, memoryMiB: 24 });
  t.after(() => tc.close());
  const reply = await tc.check({ source: bigProgram(20_000), file: 'hungry.tal' });
  assert.equal(reply.ok, false);
  assert.equal(reply.diagnostics[0]?.code, 'E_CHECK_LIMIT');
  assert.match(reply.diagnostics[0]!.message, /more than 24 MiB of memory/);
  const after = await tc.check({ source: hello, file: 'hello.tal' });
  assert.equal(after.ok, true, JSON.stringify(after.diagnostics));
});

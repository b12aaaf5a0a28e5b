// The lab service with the real TAL checker: check replies carry the trace,
// examples are listed, and a run is refused with a clear message before the
// guest is involved when the checker rejects, or when there is no guest.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createLab } from '../../main/app/create-lab.js';
import { exampleTitle } from '../../main/app/examples.js';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import type { LabEvent } from '../../preload/contract.js';

const paths = resolveLabPaths();
const hello = await readFile(path.join(paths.examplesDir, 'hello.tal'), 'utf8');

async function lab() {
  const events: Array<{ event: LabEvent; payload: unknown }> = [];
  // The real guest adapter, never started: nothing here needs a running guest.
  const l = await createLab({ paths, emit: (event, payload) => events.push({ event, payload }) });
  return { ...l, events };
}

test('checkSource: accepted example with a type-state trace; an unsafe edit is rejected with its rule', async () => {
  const { router } = await lab();
  const ok = await router.dispatch('checkSource', { source: hello, file: 'hello.tal' });
  assert.ok(ok.ok);
  const reply = ok.value as { ok: boolean; trace: Array<{ line: number; instruction: string }> };
  assert.equal(reply.ok, true);
  assert.ok(reply.trace.some((e) => e.instruction === 'call write'));
  const bad = await router.dispatch('checkSource', { source: hello.replace('mov edx, 14', 'mov edx, 15'), file: 'hello.tal' });
  assert.ok(bad.ok);
  const diags = (bad.value as { ok: boolean; diagnostics: Array<{ code: string; line: number }> }).diagnostics;
  assert.deepEqual(
    diags.map((d) => [d.code, d.line]),
    [['E_SYSCALL_LEN', 19]],
  );
});

test('listExamples: every tal/examples file with its title', async () => {
  const { router } = await lab();
  const r = await router.dispatch('listExamples', {});
  assert.ok(r.ok);
  const ids = (r.value as Array<{ id: string; title: string }>).map((e) => e.id);
  assert.ok(ids.includes('hello') && ids.includes('arraysum'), ids.join(','));
  assert.equal(exampleTitle('\n; hello.tal — greeting\n; more\n.code'), 'hello.tal — greeting');
  assert.equal(exampleTitle('.code\n; late comment'), undefined);
});

test('runProgram: rejected source never reaches the guest; a stopped guest gives "unavailable"', async () => {
  const { router } = await lab();
  const rejected = await router.dispatch('runProgram', { source: hello.replace('mov edx, 14', 'mov edx, 15'), file: 'hello.tal', mode: 'kernel', args: [] });
  assert.ok(rejected.ok);
  assert.equal((rejected.value as { status: string }).status, 'rejected');
  assert.match((rejected.value as { message: string }).message, /checker rejected hello\.tal \(1 error\); nothing was sent to the guest/);
  const noGuest = await router.dispatch('runProgram', { source: hello, file: 'hello.tal', mode: 'user', args: [] });
  assert.ok(noGuest.ok);
  assert.equal((noGuest.value as { status: string }).status, 'unavailable');
  assert.match((noGuest.value as { message: string }).message, /The guest is not running \(stopped: not started\)/);
});

test('sendSerial without a guest is an error reply, not a crash', async () => {
  const { router } = await lab();
  const r = await router.dispatch('sendSerial', { port: 0, data: 'ls\n' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /the guest is stopped/);
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildSource, type BuildResult, type CheckedImage } from '../../tal/index.js';
import { ProgramRunner } from '../../main/runner/index.js';
import { CONTROL_OFFSETS, KEY_READY, SigningKey, type LaunchedGuest } from '../../main/vm/index.js';
import { rejection, resumeGuest } from './guest-fixture.js';

function exampleBuild(name: string, key?: Uint8Array): BuildResult {
  const file = `${name}.tal`;
  const source = readFileSync(new URL(`../../../tal/examples/${file}`, import.meta.url), 'utf8');
  const built = buildSource(source, file, key ? { key } : {});
  assert.ok(built.ok && built.talo && built.checked, `${file} builds`);
  return built;
}

/** The checked image, which the runner signs with its per-boot key. */
function example(name: string): CheckedImage {
  return exampleBuild(name).checked!;
}

/** A one-function program: `body` is main's instructions (one per line). */
function program(file: string, body: string): CheckedImage {
  const source = `.import write\n\n.code\nmain: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}\n${body}\n`;
  const built = buildSource(source, file);
  assert.ok(built.ok && built.checked, `${file} builds: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  return built.checked;
}

describe('running .talo programs in the guest', { timeout: 180_000 }, () => {
  let guest: LaunchedGuest;
  let runner: ProgramRunner;
  before(async () => {
    guest = await resumeGuest();
    runner = await ProgramRunner.attach(guest.vm);
  });
  after(async () => {
    await guest?.vm.stop();
  });

  it('injects the per-boot key into the kernel’s control page', async () => {
    const page = await guest.vm.readMemory(runner.region.address, 64);
    const view = new DataView(page.buffer);
    assert.equal(view.getUint32(CONTROL_OFFSETS.keyState, true), KEY_READY);
    const key = page.subarray(CONTROL_OFFSETS.key, CONTROL_OFFSETS.key + 32);
    assert.equal(createHash('sha256').update(key).digest('hex').slice(0, 16), runner.keyFingerprint());
  });

  it('signs a checked image and runs it in ring 0, with direct system calls', async () => {
    const result = await runner.run({ talo: example('hello'), mode: 'kernel' });
    assert.equal(result.status, 'exited', result.output);
    assert.equal(result.exitCode, 0);
    assert.equal(result.output, 'Hello, world!\n');
    const write = result.syscalls.byCall.find((c) => c.nr === 4);
    assert.equal(write?.path, 'direct');
    assert.ok(result.syscalls.byPath.direct >= 1);
    assert.ok(result.instructions > 0);
  });

  it('runs the same image in ring 3 through int 0x80 and through sysenter', async () => {
    const user = await runner.run({ talo: example('hello'), mode: 'user' });
    assert.equal(user.status, 'exited');
    assert.equal(user.output, 'Hello, world!\n');
    assert.equal(user.syscalls.byCall.find((c) => c.nr === 4)?.path, 'int80');
    const sysenter = await runner.run({ talo: example('hello'), mode: 'user-sysenter' });
    assert.equal(sysenter.output, 'Hello, world!\n');
    assert.equal(sysenter.syscalls.byCall.find((c) => c.nr === 4)?.path, 'sysenter');
  });

  it('passes arguments and counts every system call of the program', async () => {
    const kernel = await runner.run({ talo: example('getpid_loop'), mode: 'kernel', args: ['500'] });
    assert.equal(kernel.status, 'exited', kernel.output);
    assert.equal(kernel.output.trim(), String(kernel.pid));
    const getpid = kernel.syscalls.byCall.find((c) => c.nr === 20);
    assert.deepEqual([getpid?.path, getpid?.count], ['direct', 501]);
    const user = await runner.run({ talo: example('getpid_loop'), mode: 'user', args: ['500'] });
    const trapped = user.syscalls.byCall.find((c) => c.nr === 20);
    assert.deepEqual([trapped?.path, trapped?.count], ['int80', 501]);
  });

  it('refuses ring 0 to an image signed with another key, which still runs in ring 3', async () => {
    const forged = exampleBuild('hello', new Uint8Array(randomBytes(32))).talo!;
    const refused = await runner.run({ talo: forged, mode: 'kernel' });
    assert.equal(refused.status, 'refused');
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.output, /signature/);
    const user = await runner.run({ talo: forged, mode: 'user' });
    assert.equal(user.status, 'exited');
    assert.equal(user.output, 'Hello, world!\n');
  });

  it('feeds standard input from bytes, or nothing by default', async () => {
    const text = 'kernel mode cat\n'.repeat(500);
    const piped = await runner.run({ talo: example('cat'), mode: 'kernel', stdin: Buffer.from(text) });
    assert.equal(piped.status, 'exited', piped.output);
    assert.equal(piped.output, text);
    const empty = await runner.run({ talo: example('cat'), mode: 'kernel' });
    assert.deepEqual([empty.exitCode, empty.output], [0, '']);
  });

  it('reports a ring-0 fault and stops a runaway ring-0 loop with Ctrl-C', async () => {
    const divide = await runner.run({ talo: program('divzero.tal', 'xor edx, edx\nmov eax, 1\nxor ecx, ecx\ndiv ecx\nret'), mode: 'kernel' });
    assert.equal(divide.status, 'exited');
    assert.equal(divide.killedByFault, true);
    assert.equal(divide.exitCode, 136); // SIGFPE
    assert.match(divide.output, /killed: divide error/);
    const spin = await rejection(runner.run({ talo: program('spin.tal', 'spin:\njmp spin'), mode: 'kernel', timeoutMs: 1500 }));
    assert.equal(spin.code, 'EXEC_TIMEOUT');
    const after = await runner.run({ talo: example('hello'), mode: 'kernel' });
    assert.equal(after.output, 'Hello, world!\n', 'the runner’s shell recovered');
  });

  it('streams program output while it runs', async () => {
    const chunks: string[] = [];
    const result = await runner.run({ talo: example('factorial'), mode: 'kernel', onOutput: (text) => chunks.push(text) });
    assert.equal(result.output, '3628800\n');
    assert.equal(chunks.join(''), result.output);
  });

  it('gives the kernel a new key after restoreState, and telemetry reading follows the rollback', async () => {
    const state = await guest.vm.saveState();
    const before = runner.keyFingerprint();
    const seqAtSave = (await runner.telemetry.counters()).nextSeq;
    await runner.run({ talo: example('hello'), mode: 'user' }); // records past the saved state
    const ahead = (await runner.telemetry.counters()).nextSeq;
    assert.ok(ahead > seqAtSave);
    await guest.vm.restoreState(state);
    assert.equal((await runner.telemetry.counters()).nextSeq, seqAtSave);
    const batch = await runner.telemetry.readSince(ahead);
    assert.ok(batch.nextSeq <= seqAtSave, 'a reader ahead of the guest starts over');
    assert.notEqual(runner.keyFingerprint(), before);
    const result = await runner.run({ talo: example('hello'), mode: 'kernel' });
    assert.equal(result.status, 'exited', result.output);
  });

  it('reads the syscall ring incrementally by sequence number', async () => {
    const telemetry = runner.telemetry;
    await telemetry.setEnabled(true);
    try {
      const start = (await telemetry.counters()).nextSeq;
      await guest.vm.exec('echo one > /dev/null');
      const first = await telemetry.readSince(start);
      assert.ok(first.records.length > 0, 'the shell made system calls');
      assert.deepEqual(
        first.records.map((r) => r.seq),
        first.records.map((_, i) => start + i),
      );
      assert.ok(first.records.every((r) => r.path === 'int80' || r.path === 'sysenter'));
      await guest.vm.exec('echo two > /dev/null');
      const second = await telemetry.readSince(first.nextSeq);
      assert.ok(second.records.length > 0);
      assert.equal(second.records[0]!.seq, first.nextSeq);
      assert.equal(second.dropped, 0);
    } finally {
      await telemetry.setEnabled(false);
    }
    // Disabled, a busy command leaves at most the calls that were already in flight (blocked reads).
    const idle = (await telemetry.counters()).nextSeq;
    await guest.vm.exec('ls -la /bin > /dev/null');
    const leaked = (await telemetry.counters()).nextSeq - idle;
    assert.ok(leaked <= 8, `${leaked} records while disabled`);
  });

  it('never signs raw bytes: an unsigned image and a signed image with one bit flipped are refused ring 0', async () => {
    const unsigned = exampleBuild('hello').talo!;
    const refused = await runner.run({ talo: unsigned, mode: 'kernel' });
    assert.equal(refused.status, 'refused', refused.output);
    // A key this test controls, so it can sign and then tamper (the runner's own key never leaves it).
    const key = SigningKey.generate();
    await key.injectInto(guest.vm, runner.region);
    try {
      const signed = key.sign(exampleBuild('hello').checked!);
      const good = await runner.run({ talo: signed, mode: 'kernel' });
      assert.deepEqual([good.status, good.output], ['exited', 'Hello, world!\n']);
      for (const offset of [200, signed.length - 1]) {
        const flipped = Uint8Array.from(signed);
        flipped[offset]! ^= 0x01;
        const r = await runner.run({ talo: flipped, mode: 'kernel' });
        assert.equal(r.status, 'refused', `bit flipped at byte ${offset}: ${r.output}`);
        assert.match(r.output, /signature/);
      }
    } finally {
      runner = await ProgramRunner.attach(guest.vm); // the kernel gets a runner-held key again
    }
  });

  it('rejects bad requests before touching the guest', async () => {
    assert.equal((await rejection(runner.run({ talo: new Uint8Array(0), mode: 'kernel' }))).code, 'BAD_ARGUMENT');
    assert.equal((await rejection(runner.run({ talo: example('hello'), mode: 'ring0' as 'kernel' }))).code, 'BAD_ARGUMENT');
    assert.equal((await rejection(runner.run({ talo: example('hello'), mode: 'user', args: ['a\0b'] }))).code, 'BAD_ARGUMENT');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_COMMAND_BYTES, SERIAL_PORTS, type LaunchedGuest, type SerialPort } from '../../main/vm/index.js';
import { delay, rejection, resumeGuest } from './guest-fixture.js';

describe('shell commands over the serial consoles', { timeout: 180_000 }, () => {
  let guest: LaunchedGuest;
  before(async () => {
    guest = await resumeGuest();
  });
  after(async () => {
    await guest?.vm.stop();
  });

  it('returns a command’s output and exit status', async () => {
    const vm = guest.vm;
    assert.deepEqual(pick(await vm.exec('echo hello; echo world')), { output: 'hello\nworld\n', exitStatus: 0 });
    assert.deepEqual(pick(await vm.exec('printf no-newline')), { output: 'no-newline', exitStatus: 0 });
    assert.deepEqual(pick(await vm.exec('true')), { output: '', exitStatus: 0 });
    assert.deepEqual(pick(await vm.exec('echo oops >&2; exit_with() { return $1; }; exit_with 3')), {
      output: 'oops\n',
      exitStatus: 3,
    });
    assert.equal((await vm.exec('ls /nonexistent')).exitStatus, 1);
    assert.equal((await vm.exec('printf "caf\\303\\251 \\342\\206\\222\\n"')).output, 'café →\n');
  });

  it('keeps shell state between commands and accepts multi-line commands', async () => {
    const vm = guest.vm;
    await vm.exec('cd /tmp && export TAL_TEST=kept');
    assert.equal((await vm.exec('echo "$PWD $TAL_TEST"')).output, '/tmp kept\n');
    const loop = await vm.exec('for w in a b c\ndo\n  echo "item $w"\ndone');
    assert.equal(loop.output, 'item a\nitem b\nitem c\n');
    assert.equal((await vm.exec('echo "__tal_e_ look-alike: 0:"')).output, '__tal_e_ look-alike: 0:\n');
  });

  it('streams a command’s output while it runs', async () => {
    const chunks: { text: string; at: number }[] = [];
    const started = Date.now();
    const result = await guest.vm.exec('for i in 1 2 3; do echo "line $i é"; sleep 0.3; done; printf end', {
      onOutput: (text) => chunks.push({ text, at: Date.now() - started }),
    });
    assert.equal(result.output, 'line 1 é\nline 2 é\nline 3 é\nend');
    assert.equal(chunks.map((c) => c.text).join(''), result.output);
    assert.ok(chunks.length >= 3, `got ${chunks.length} chunks`);
    assert.match(chunks[0]!.text, /^line 1/);
    assert.ok(chunks[0]!.at < result.durationMs - 500, 'the first line arrived well before the command ended');
  });

  it('runs a separate shell on each of ttyS0..ttyS3, concurrently', async () => {
    const results = await Promise.all(SERIAL_PORTS.map((port) => guest.vm.exec('tty; echo $$', { port })));
    results.forEach((result, port) => assert.equal(result.output.split('\n')[0], `/dev/ttyS${port}`));
    const pids = new Set(results.map((result) => result.output.split('\n')[1]));
    assert.equal(pids.size, 4, 'four different shell processes');
  });

  it('streams raw serial bytes both ways', async () => {
    const port: SerialPort = 2;
    let received = '';
    const listener = (from: SerialPort, bytes: Uint8Array) => {
      if (from === port) received += Buffer.from(bytes).toString('latin1');
    };
    guest.vm.on('serial', listener);
    try {
      await guest.vm.write(port, 'echo raw-$((6 * 7))\n');
      for (let i = 0; i < 100 && !received.includes('raw-42\r\n'); i++) await delay(50);
    } finally {
      guest.vm.off('serial', listener);
    }
    assert.match(received, /raw-42\r\n/);
    assert.match(guest.vm.consoleTail(port), /raw-42\n/);
  });

  it('times out a runaway command and recovers the shell with Ctrl-C', async () => {
    const error = await rejection(guest.vm.exec('while :; do :; done', { timeoutMs: 1000 }));
    assert.equal(error.code, 'EXEC_TIMEOUT');
    assert.match(error.message, /1000 ms/);
    assert.equal((await guest.vm.exec('echo alive')).output, 'alive\n');
  });

  it('interrupts a running command on request', async () => {
    const port: SerialPort = 1;
    const sleeping = rejection(guest.vm.exec('sleep 60', { port, timeoutMs: 120_000 }));
    await delay(300);
    await guest.vm.interrupt(port);
    const error = await sleeping;
    assert.equal(error.code, 'INTERRUPTED');
    assert.deepEqual(pick(await guest.vm.exec('echo back', { port })), { output: 'back\n', exitStatus: 0 });
  });

  it('rejects bad arguments with clear errors', async () => {
    const vm = guest.vm;
    assert.equal((await rejection(vm.exec('   '))).code, 'BAD_ARGUMENT');
    assert.equal((await rejection(vm.exec('echo x', { port: 7 as SerialPort }))).code, 'BAD_ARGUMENT');
    const long = await rejection(vm.exec(`echo ${'x'.repeat(MAX_COMMAND_BYTES)}`));
    assert.equal(long.code, 'BAD_ARGUMENT');
    assert.match(long.message, /as a file/);
    assert.equal((await rejection(vm.exec('echo \x03'))).code, 'BAD_ARGUMENT');
  });
});

function pick(result: { output: string; exitStatus: number }) {
  return { output: result.output, exitStatus: result.exitStatus };
}

// The stream filter between the runner's console (ttyS3) and a program's
// output, without a guest: the ShellChannel's begin/end markers and the
// runner's ready barrier, fed what the guest's console sends for one run —
// the echoed command line, the markers, the program is bytes — in chunks cut
// at every place. The program's output comes out whole and alone, however it
// is cut, and a program printing marker look-alikes cannot end its run early
// or hide its own bytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadyBarrier, stripReady } from '../../main/runner/ready-barrier.js';
import { ShellChannel } from '../../main/vm/shell-channel.js';

const READY = '__tal_ready_0123456789ab_';
const COMMAND = 'rm -f /mnt/host/run-1-aaaa.talo; chmod +x /mnt/host/run-2-bbbb.talo && sh /mnt/host/run-2-bbbb.sh';
const PID = 4242;

/** Hostile and awkward program output, as the tty sends it (LF as CR-LF). */
function programBytes(endId: string): string {
  return [
    '\r\n\r\nleading blank lines are the program is\r\n',
    'hello\r\n',
    '__tal_e_000000000000__:0:\r\n', // an end marker with a guessed id
    `__tal_b_${endId.slice(0, 6)}__\r\n`, // a begin marker's look-alike
    `${READY}1_\r\n`, // the ready marker, read from the run's script file
    'almost an end:\r\n__tal_e_',
    'not-it\r\n',
    'caf\u00c3\u00a9 \u00e2\u0086\u0092\r\n', // é and → as UTF-8 bytes (latin1-held)
    '50%\r100%\r\n',
    '/mnt/host/run-looks-like-a-path\r\n',
    'no-newline-end',
  ].join('');
}
const EXPECTED =
  '\n\nleading blank lines are the program is\nhello\n__tal_e_000000000000__:0:\n__tal_b_ID6__\n' +
  `${READY}1_\nalmost an end:\n__tal_e_not-it\ncafé →\n50%\r100%\n/mnt/host/run-looks-like-a-path\nno-newline-end`;

interface Outcome {
  streamed: string;
  output: string;
  exitStatus: number;
  pid: number | null;
}

/** One run through ShellChannel + ReadyBarrier, the guest's bytes cut by `cut`. */
async function runThrough(cut: (stream: string) => string[]): Promise<Outcome> {
  let sent = '';
  const channel = new ShellChannel(3, async (bytes) => {
    sent += Buffer.from(bytes).toString('utf8');
  });
  let streamed = '';
  let pid: number | null = null;
  const barrier = new ReadyBarrier(READY, (text) => (streamed += text));
  barrier.onReady = (p) => (pid = p);
  const done = channel.exec(COMMAND, { onOutput: (text) => barrier.feed(text) });
  await new Promise((r) => setImmediate(r));
  const id = /__tal_b_""([0-9a-f]+)__/.exec(sent)?.[1];
  assert.ok(id, `the typed line carries the begin marker: ${sent}`);
  const guest =
    `~ # ${sent.replace(/\n/g, '\r\n')}` + // the console echoes the typed line (markers split by quotes)
    `__tal_b_${id}__\r\n` +
    `${READY}${PID}_\r\n` +
    '\r\n' + // the echo of the line the runner types to release the program
    programBytes(id).replace('ID6', id.slice(0, 6)) +
    `\r\n__tal_e_${id}__:3:\r\n~ # `;
  for (const chunk of cut(guest)) channel.receive(Buffer.from(chunk, 'latin1'));
  const result = await done;
  return { streamed, output: stripReady(result.output, READY), exitStatus: result.exitStatus, pid };
}

function check(o: Outcome, how: string): void {
  const expected = EXPECTED;
  assert.equal(o.exitStatus, 3, how);
  assert.equal(o.pid, PID, how);
  // The begin marker look-alike carries part of the real id: compare with it put back.
  const normalise = (s: string) => s.replace(/__tal_b_[0-9a-f]{6}__/, '__tal_b_ID6__');
  assert.equal(normalise(o.streamed), expected, `streamed output, ${how}`);
  assert.equal(normalise(o.output), expected, `collected output, ${how}`);
  assert.doesNotMatch(o.streamed, /rm -f|chmod|\/mnt\/host\/run-[12]|~ #/, how);
}

test('one chunk', async () => {
  check(await runThrough((s) => [s]), 'one chunk');
});

test('byte by byte: every marker split at every place', async () => {
  check(await runThrough((s) => [...s]), 'byte by byte');
});

test('cut in two at every place', async () => {
  let length = 0;
  await runThrough((s) => {
    length = s.length;
    return [s];
  });
  for (let at = 1; at < length; at++) check(await runThrough((s) => [s.slice(0, at), s.slice(at)]), `cut at ${at}`);
});

test('random chunk sizes', async () => {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let round = 0; round < 200; round++) {
    const outcome = await runThrough((s) => {
      const chunks: string[] = [];
      for (let i = 0; i < s.length; ) {
        const n = 1 + (next() % 24);
        chunks.push(s.slice(i, i + n));
        i += n;
      }
      return chunks;
    });
    check(outcome, `round ${round}`);
  }
});

// The paper's two programs in the guest, in every mode the guest kernel
// offers: TAL find lists exactly what busybox find lists on a generated tree
// (hidden files, 255-byte and UTF-8 names, empty directories), and TAL echod
// echoes messages of 1 byte to 64 KiB and survives a client that leaves in
// the middle of a message. The committed guest kernel runs .talo images in
// every mode; a guest that cannot fails here with the reason.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GUEST_SHARE_DIR } from '../../main/vm/index.js';
import { BenchGuest, GUEST_BIN, GUEST_WORK } from '../../bench/bench-guest.js';
import { startEchod, stopEchod } from '../../bench/experiments/echod.js';
import { selectLauncher } from '../../bench/select-launcher.js';
import { installProgram, RUN_MODES, type TalLauncher } from '../../bench/tal-launcher.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_ROOT } from '../../main/app/resource-paths.js';

const TREE = `${GUEST_WORK}/find-test-tree`;
// 1,200 files reach every kind of name mktree makes (long names at 1 and 1001, UTF-8 at 7, 507, ...).
const TREE_DIRS = 120;
const TREE_FILES = 1200;

function sortedLines(bytes: Uint8Array): string[] {
  return Buffer.from(bytes)
    .toString('latin1')
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

describe('the paper programs in the guest', () => {
  let guest: BenchGuest;
  let launcher: TalLauncher;

  before(async () => {
    guest = await BenchGuest.start();
    launcher = (await selectLauncher(guest)).launcher;
    for (const name of ['find', 'echod']) {
      await installProgram(guest, launcher, name, await readFile(path.join(APP_ROOT, 'tal', 'examples', `${name}.tal`), 'utf8'));
    }
    const made = await guest.check(`${GUEST_BIN}/mktree ${TREE} ${TREE_DIRS} ${TREE_FILES}`, 120_000);
    assert.match(made.output, new RegExp(`entries=${TREE_DIRS + TREE_FILES + 1}`));
    await guest.check(`busybox find ${TREE} > ${GUEST_SHARE_DIR}/find-busybox.out`);
  });
  after(async () => {
    await guest?.stop();
  });

  for (const mode of RUN_MODES) {
    it(`find lists what busybox find lists (${mode} mode)`, async () => {
      assert.equal(launcher.unavailable(mode), null, 'the committed guest kernel runs .talo images in every mode');
      const out = `find-${mode}.out`;
      await guest.check(`${launcher.command('find', mode, [TREE])} > ${GUEST_SHARE_DIR}/${out}`, 60_000);
      const ours = sortedLines(await guest.vm.getFile(out));
      const theirs = sortedLines(await guest.vm.getFile('find-busybox.out'));
      assert.equal(ours.length, TREE_DIRS + TREE_FILES + 1);
      assert.deepEqual(ours, theirs);
      assert.ok(
        ours.some((l) => l.endsWith(` caf\xc3\xa9`)),
        'a UTF-8 name',
      );
      assert.ok(
        ours.some((l) => /\/\.f\d+$/.test(l)),
        'a hidden file',
      );
      assert.ok(
        ours.some((l) => l.split('/').pop()!.length === 255),
        'a 255-byte name',
      );
    });

    it(`echod echoes 1 B to 64 KiB and survives a client leaving mid-message (${mode} mode)`, async () => {
      assert.equal(launcher.unavailable(mode), null, 'the committed guest kernel runs .talo images in every mode');
      const port = String(7200 + RUN_MODES.indexOf(mode));
      await startEchod(guest, launcher.command('echod', mode, [port]));
      try {
        const verify = await guest.run(`${GUEST_BIN}/echo_verify ${port}`, 60_000);
        assert.equal(verify.exitStatus, 0, verify.output);
        for (const size of [1, 2, 100, 4096, 65535, 65536]) assert.match(verify.output, new RegExp(`^echo_verify size=${size} ok$`, 'm'));
        assert.match(verify.output, /^echo_verify ok$/m);
      } finally {
        // Fails the test if the server did not survive the client that left mid-message.
        await stopEchod(guest);
      }
    });
  }
});

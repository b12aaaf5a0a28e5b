// State-embedding validation of the real programs: every example and accept-
// corpus program runs instrumented with the checker's claims, and (so the
// instrumentation itself is shown not to change what a program does) prints
// the same output and exits with the same status as the plain build. Then a
// fixed-seed set of mutants of them: the ones the checker still accepts must
// validate too.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildSource } from '../../tal/build.js';
import { checkSource } from '../../tal/check-source.js';
import { mutantBatch, newTally } from '../../tal/validate/campaign.js';
import { instrument } from '../../tal/validate/instrument.js';
import { runI386 } from '../../tal/validate/run-i386.js';
import { classify } from '../../tal/validate/validate.js';
import { loadCorpus, loadExamples, REPO_ROOT } from '../check/corpus.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const programs = [
  ...loadExamples(),
  ...loadCorpus('accept').map((c) => ({ file: c.file, source: c.source })),
  {
    file: 'test/soundness/programs/flags-survive-checks.tal',
    source: readFileSync(join(REPO_ROOT, 'test/soundness/programs/flags-survive-checks.tal'), 'utf8'),
  },
];
/** Servers wait for a connection; they are validated up to the wait, not compared. */
const waits = (s: string): boolean => /\baccept4\b/.test(s);
const ARGS = ['one', 'two words'];

describe('real programs under state embedding', { timeout: 600_000 }, () => {
  for (const p of programs) {
    test(`${p.file}: every claim holds, and the instrumented run behaves as the plain one`, async () => {
      const check = checkSource(p.source, p.file, { trace: true });
      assert.ok(check.ok);
      const inst = instrument(p.source, p.file, check);
      assert.ok(inst.ok, inst.ok ? '' : inst.error);
      const limit = waits(p.source) ? 2_000 : 20_000;
      const run = await runI386(inst.out.elf, { args: ARGS, timeoutMs: limit });
      const o = classify(run, inst.out.points);
      assert.notEqual(o.kind, 'violation', o.kind === 'violation' ? o.message : '');
      if (waits(p.source)) return;
      assert.equal(o.kind, 'validated', run.stderr);
      const plain = await runI386(buildSource(p.source, p.file, { elf: 'int80' }).elf!, { args: ARGS, timeoutMs: limit });
      // the process id and the time stamp counter differ from run to run
      if (/\b(getpid|rdtsc|clock_gettime)\b/.test(p.source)) return;
      assert.equal(run.status, plain.status);
      assert.equal(run.stdout, plain.stdout);
    });
  }

  test('mutants the checker still accepts validate', async () => {
    const t = newTally();
    await mutantBatch(t, 20261202, programs, 150);
    assert.deepEqual(
      t.findings.map((f) => `${f.kind}: ${f.message}\n${f.reproducer}`),
      [],
    );
    assert.ok(t.accepted >= 10, `only ${t.accepted} of ${t.generated} mutants accepted`);
    assert.ok(t.validated >= 10, `only ${t.validated} mutants validated`);
  });
});

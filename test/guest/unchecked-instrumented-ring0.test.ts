// State-embedding validation in ring 0 (issue 9): the checker's claims tested
// where they matter, in the guest kernel in kernel mode. A fixed-seed slice of
// generated programs, and the examples that print, run as UNCHECKED
// instrumented images — no checker accepts the instrumentation, so
// bench/unchecked-instrumented-guest.ts signs them with a key it injected into
// this test's own guest (docs/architecture.md, "Trusted base" and "How the
// checker's claims are validated") — and every claim must hold in ring 0, with
// the host run's exit status and output. A wrong claim injected on purpose must
// be reported as a violation in ring 0 too, before the instruction it is about.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LaunchedGuest } from '../../main/vm/index.js';
import { UncheckedInstrumentedGuest } from '../../bench/unchecked-instrumented-guest.js';
import { generatedBatch, newTally } from '../../tal/validate/campaign.js';
import { VIOLATION_STATUS } from '../../tal/validate/instrument.js';
import { judgeRing0 } from '../../tal/validate/ring0.js';
import { classify, HOST, prepare, runPrepared } from '../../tal/validate/validate.js';
import { loadExamples } from '../check/corpus.js';
import { program, withClaimsOf } from '../soundness/wrong-claims.js';
import { resumeGuest } from '../vm/guest-fixture.js';

/** Three images of 50 generated units each: ~150 programs in three ring-0 runs. */
const SEEDS = [901, 902, 903];
const UNITS = 50;
/** Examples whose output depends only on their arguments (not on a pid, the clock, stdin or a client). */
const PRINTING = ['arraysum', 'factorial', 'find', 'hello', 'list'];
const ARGS = ['one', 'two words'];

let guest: LaunchedGuest;
let ring0: UncheckedInstrumentedGuest;

before(async () => {
  guest = await resumeGuest();
  ring0 = await UncheckedInstrumentedGuest.arm(guest);
});
after(async () => {
  await guest?.vm.stop();
});

describe('state embedding in ring 0', { timeout: 900_000 }, () => {
  test("generated programs: every claim holds in ring 0, with the host run's exit status and output", async (ctx) => {
    const t = newTally();
    for (const seed of SEEDS) await generatedBatch(t, seed, UNITS, { minimize: false, ring0 });
    const detail = t.findings.map((f) => `${f.kind} (${f.origin}): ${f.message}`).join('\n');
    assert.deepEqual(t.findings, [], detail);
    assert.equal(t.ring0.runs, SEEDS.length, 'each batch ran once in ring 0');
    assert.equal(t.ring0.inconclusive, 0, 'no ring-0 run hit the time limit');
    assert.equal(t.ring0.validated, t.validated, 'every program the host validated was validated in ring 0');
    assert.ok(t.ring0.validated >= 100, `only ${t.ring0.validated} programs validated in ring 0`);
    ctx.diagnostic(
      `${t.accepted} of ${t.generated} generated programs accepted; ${t.validated} validated on the host, ${t.ring0.validated} in ring 0 (${t.ring0.runs} images)`,
    );
  });

  test('examples that print: the same output in ring 0', async () => {
    for (const e of loadExamples().filter((x) => PRINTING.some((n) => x.file.endsWith(`/${n}.tal`)))) {
      const p = prepare(e.source, e.file);
      const host = await runPrepared(p, HOST, { args: ARGS });
      assert.equal(host.kind, 'validated', `${e.file} on the host: ${JSON.stringify(host)}`);
      if (host.kind !== 'validated' || !p.ok) continue;
      assert.notEqual(host.run.stdout, '', `${e.file} prints something to compare`);
      const r = await ring0.run(p.inst, { args: ARGS });
      assert.deepEqual(judgeRing0(host, r), { kind: 'agrees' }, e.file);
      // The comparison bites: another output or exit status on the host would be a mismatch.
      assert.equal(judgeRing0({ ...host, run: { ...host.run, stdout: `${host.run.stdout}!` } }, r).kind, 'mismatch');
      assert.equal(judgeRing0({ ...host, run: { ...host.run, status: 1 } }, r).kind, 'mismatch');
    }
  });

  const wrong: { name: string; a: string; b: string; claim: RegExp }[] = [
    {
      name: 'a constant that is not what the checker claims (S(n))',
      a: program(['mov eax, 5', 'nop', 'ret']),
      b: program(['mov eax, 6', 'nop', 'ret']),
      claim: /b\.tal:\d+: nop: EAX: S\(5\) \(actual 0x00000006\)/,
    },
    {
      // Uninstrumented, B would write a byte of the guest kernel from ring 0.
      name: 'a kernel address the checker calls a byte array, written through right after',
      a: program(['mov ecx, buf', 'nop', 'mov byte [ecx], 1', 'xor eax, eax', 'ret'], ['buf: .bytes [8]']),
      b: program(['mov ecx, 3221225472', 'nop', 'mov byte [ecx], 1', 'xor eax, eax', 'ret'], ['buf: .bytes [8]']),
      claim: /nop: ECX: bytes\(8\) \(not element 0 of a live array of this kind of this program\) \(actual 0xc0000000\)/,
    },
    {
      name: 'an array whose length word was changed (bytes(n) with another n)',
      a: program(['mov ecx, buf', 'nop', 'xor eax, eax', 'ret'], ['buf: .bytes [8]']),
      b: program(['mov ecx, buf', 'mov dword [ecx - 4], 4096', 'xor eax, eax', 'ret'], ['buf: .bytes [8]']),
      claim: /xor eax, eax: ECX: bytes\(8\) \(the array's length word was changed; actual = the allocated length\)/,
    },
    {
      // The report then runs at main's ESP, not at the broken one (in ring 0 only the program's stack is a stack).
      name: "ESP deeper than .stack below main's",
      a: program(['sub esp, 8', 'nop', 'add esp, 8', 'xor eax, eax', 'ret'], [], ['.stack 4096']),
      b: program(['sub esp, 8200', 'nop', 'add esp, 8200', 'xor eax, eax', 'ret'], [], ['.stack 4096']),
      claim: /nop: ESP within the program's stack \(\.stack 4096 bytes below main's ESP\)/,
    },
  ];
  for (const w of wrong) {
    test(`a wrong claim is a violation in ring 0 too: ${w.name}`, async () => {
      const inst = withClaimsOf(w.a, w.b);
      const host = classify(await HOST.run(inst, {}), inst.points);
      assert.equal(host.kind, 'violation', `host: ${JSON.stringify(host)}`);
      const r = await ring0.run(inst, {});
      assert.equal(r.notRun, undefined, 'the signed image ran in ring 0');
      assert.ok(r.directCalls > 0, 'its system calls went through the ring-0 gates');
      assert.equal(r.status, VIOLATION_STATUS, r.stdout);
      const o = classify(r, inst.points);
      assert.equal(o.kind, 'violation', r.stdout);
      assert.match(o.kind === 'violation' ? o.message : '', w.claim);
      // The same claim broke on the host (the actual value may be an address, which differs between the two).
      const claim = (m: string): string => m.replace(/\(actual 0x[0-9a-f]+\)/, '');
      assert.equal(o.kind === 'violation' && claim(o.message), host.kind === 'violation' && claim(host.message));
    });
  }
});

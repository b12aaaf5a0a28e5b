// The fixed-seed slice of state-embedding validation that runs with `npm test`:
// at least 2,000 generated programs accepted by the checker, every claim the
// checker made about each checked at run time on the path it took, and no
// violation, fault or unassemblable program. Every finding becomes a
// reject-corpus case and a fix (test/check/reject/validated-*.tal).
// `npm run soak:soundness` runs the same campaign for as long as asked, with
// fresh seeds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIXED_SLICE, generatedBatch, newTally } from '../../tal/validate/campaign.js';

test('2,000+ generated programs: the checker accepts them and every claim holds when they run', { timeout: 1_800_000 }, async () => {
  const t = newTally();
  for (let b = 0; b < FIXED_SLICE.batches; b++) await generatedBatch(t, 1 + b, FIXED_SLICE.units, { minimize: false });
  const detail = t.findings.map((f) => `${f.kind}: ${f.message}\n${f.reproducer}`).join('\n\n');
  assert.equal(t.findings.length, 0, detail);
  assert.ok(t.accepted >= 2000, `only ${t.accepted} of ${t.generated} accepted (${JSON.stringify(t.rejectCodes)})`);
  // A run cut short (a division fault) validates its units only up to the fault; nearly all must run to the end.
  assert.ok(t.validated >= 0.95 * t.accepted, `validated ${t.validated} of ${t.accepted} (inconclusive ${t.inconclusive})`);
  // The generator covers the forms it promises (docs/architecture.md): spot-check the families.
  const forms = Object.keys(t.forms).join('\n');
  for (const f of [
    'malloc',
    'newarray byte, r32',
    'unpack',
    'pack',
    'coerce',
    'call label',
    'call r32',
    'call m32',
    'jmp r32',
    'jmp m32',
    'ret imm',
    'loop label',
    'jecxz label',
    'div r32',
    'idiv r32',
    'shld r32, r32, imm',
    'cmovb r32, r32',
    'mov m8, imm',
    'mov r32, m32',
    'add m32, imm',
  ]) {
    assert.ok(
      forms.split('\n').some((x) => x === f || x.startsWith(`${f} `) || x.startsWith(`${f},`)),
      `no validated program used '${f}'`,
    );
  }
});

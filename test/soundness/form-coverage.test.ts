// The generator covers the instruction table: every row of FORMS (tal/instructions.ts) occurs in
// some program of the fixed-seed slice that the checker accepts, so state-embedding validation
// (test/soundness/generated.test.ts runs the same programs) exercises every typing rule in every
// operand form. Checking only, no runs: a row the generator stops reaching, or a new row it never
// learned to generate, fails here at once instead of silently leaving its rule unvalidated.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSource } from '../../tal/check-source.js';
import { classify } from '../../tal/classify.js';
import { FORMS } from '../../tal/instructions.js';
import { FIXED_SLICE, generatedUnit } from '../../tal/validate/campaign.js';
import { programOf } from '../../tal/validate/generator.js';

/**
 * Rows no well-typed generated unit can contain, each with the reason. Empty today: every row has
 * an instance the checker accepts. A row listed here must really be missing (checked below), so
 * the table cannot go stale.
 */
const NOT_GENERATED: Readonly<Record<string, string>> = {};

test('every row of the instruction table occurs in an accepted program of the fixed-seed slice', { timeout: 600_000 }, () => {
  const seen = new Map<string, number>();
  let accepted = 0;
  for (let b = 0; b < FIXED_SLICE.batches; b++) {
    for (let i = 0; i < FIXED_SLICE.units; i++) {
      const { name, lines } = generatedUnit(1 + b, i);
      const r = checkSource(programOf([lines], [name]), `${name}.tal`);
      if (!r.ok || r.program === undefined) continue;
      accepted++;
      for (const block of r.program.code) {
        for (const ins of block.instrs) {
          if (ins.kind !== 'machine') continue;
          const c = classify(ins);
          assert.ok(c.ok, `the checker accepted an instruction with no row: ${ins.mnemonic} (${c.ok ? '' : c.message})`);
          seen.set(c.form.name, (seen.get(c.form.name) ?? 0) + 1);
        }
      }
    }
  }
  assert.ok(accepted > 0);
  const names = new Set(FORMS.map((f) => f.name));
  for (const row of Object.keys(NOT_GENERATED)) {
    assert.ok(names.has(row), `NOT_GENERATED lists '${row}', which is not a row of the table`);
    assert.ok(!seen.has(row), `NOT_GENERATED lists '${row}', but the slice reaches it ${seen.get(row)} times: remove it from the table`);
  }
  const missing = FORMS.map((f) => f.name).filter((n) => !seen.has(n) && !(n in NOT_GENERATED));
  assert.deepEqual(missing, [], `${missing.length} of ${FORMS.length} rows never occur in the ${accepted} accepted programs of the slice`);
});

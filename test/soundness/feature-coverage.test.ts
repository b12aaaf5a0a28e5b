// The generator covers the typing features, not only the rows of the instruction table
// (form-coverage.test.ts): each feature of tal/validate/features.ts — loops, calls, recursion,
// stack and type polymorphism, existentials, recursive and nullable types, arrays and bounds
// checks, code pointers in registers, tuple fields, word arrays and stack slots called and jumped
// through, tail calls, every system call a unit can make, sub-registers, flags facts — occurs in
// at least MIN_UNITS accepted units of the fixed-seed slice that generated.test.ts validates.
// Checking only, no runs: a feature the generator stops producing fails here at once instead of
// silently leaving its rules unvalidated.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSource } from '../../tal/check-source.js';
import { SYSCALLS } from '../../tal/syscalls.js';
import { FIXED_SLICE, generatedUnit } from '../../tal/validate/campaign.js';
import { FEATURES, featuresOf, GENERATED_SYSCALLS } from '../../tal/validate/features.js';
import { IMPORTS, programOf } from '../../tal/validate/generator.js';

/** Accepted units of the slice (~2,100) that must show each feature; the rarest (one system call) is in ~30 today. */
const MIN_UNITS = 10;

test('every typing feature occurs in accepted units of the fixed-seed slice', { timeout: 600_000 }, (t) => {
  const units = new Map<string, number>();
  let accepted = 0;
  for (let b = 0; b < FIXED_SLICE.batches; b++) {
    for (let i = 0; i < FIXED_SLICE.units; i++) {
      const { name, lines } = generatedUnit(1 + b, i);
      if (!checkSource(programOf([lines], [name]), `${name}.tal`).ok) continue;
      accepted++;
      for (const f of featuresOf(lines).keys()) units.set(f, (units.get(f) ?? 0) + 1);
    }
  }
  t.diagnostic(
    `${accepted} accepted units: ${Object.keys(FEATURES)
      .map((f) => `${f} ${units.get(f) ?? 0}`)
      .join('; ')}`,
  );
  const rare = Object.keys(FEATURES).filter((f) => (units.get(f) ?? 0) < MIN_UNITS);
  assert.deepEqual(
    rare.map((f) => `${f}: ${units.get(f) ?? 0}`),
    [],
    `features in fewer than ${MIN_UNITS} of the ${accepted} accepted units of the slice`,
  );
});

test('the generator imports every system call a unit can make, and only those', () => {
  assert.deepEqual([...IMPORTS].sort(), [...GENERATED_SYSCALLS].sort());
  // the ones left out end the whole image, so no unit may call them
  assert.deepEqual(
    SYSCALLS.filter((p) => !GENERATED_SYSCALLS.includes(p.name)).map((p) => p.name),
    ['exit', 'exit_group'],
  );
});

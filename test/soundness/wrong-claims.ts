// A wrong claim on purpose: program B instrumented with the claims the checker
// made for program A (same line layout), as if the checker had accepted B with
// a wrong rule. Where A's claims stop being true in B, the instrumented run must
// report a violation — on the host and in ring 0 alike; a validator that did not
// would be a test that cannot fail.

import assert from 'node:assert/strict';
import { checkSource } from '../../tal/check-source.js';
import { parseProgram } from '../../tal/parser.js';
import { instrument, type Instrumented } from '../../tal/validate/instrument.js';

/** B with A's claims, as if the errors named in `overlooked` had not been found in A. */
export function withClaimsOf(a: string, b: string, overlooked: string[] = []): Instrumented {
  const checkA = checkSource(a, 'a.tal', { trace: true });
  const errors = checkA.diagnostics.filter((d) => d.severity === 'error' && !overlooked.includes(d.code));
  assert.deepEqual(errors, [], 'A must be accepted');
  const inst = instrument(b, 'b.tal', { ...checkA, ok: true, program: parseProgram(b, 'b.tal') });
  assert.ok(inst.ok, inst.ok ? '' : inst.error);
  return inst.out;
}

const MAIN = 'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}';

/** A program whose main is `body`, with a one-word data item `pad` before `data`. */
export function program(body: string[], data: string[] = [], head: string[] = []): string {
  return `${[...head, '.data', 'pad: .words [1]', ...data, '.code', MAIN, ...body.map((l) => `        ${l}`)].join('\n')}\n`;
}

// The checker's complexity limits (tal/check/limits.ts): every adversarial family, at the size the
// benchmark calls worst, is checked or refused with E_COMPLEXITY naming the limit — never an
// exception, a stack overflow or a hang (the hang detector is the test timeout, not a time goal).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAMILIES } from '../../bench/tal-adversarial.js';
import { LIMITS } from '../../tal/check/limits.js';
import { checkSource } from '../../tal/check-source.js';
import { formatDiagnostic } from '../../tal/diagnostics.js';

const LIMIT_NAMES = /\(limit (typeDepth|typeNodes|work) = [\d,]+\)$/;

describe('complexity limits', { timeout: 600_000 }, () => {
  for (const f of FAMILIES) {
    const n = f.sizes[f.sizes.length - 1]!;
    it(`${f.name} (n = ${n}): checked, or refused with E_COMPLEXITY naming the limit`, () => {
      const r = checkSource(f.source(n), `${f.name}.tal`, { trace: f.trace === true });
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      for (const d of errors) {
        assert.equal(d.code, 'E_COMPLEXITY', formatDiagnostic(d));
        assert.match(d.message, LIMIT_NAMES);
        assert.ok(d.line > 0, 'the diagnostic says where');
      }
    });
  }

  it('the small sizes of the type families are accepted: the limits sit above what programs write', () => {
    for (const f of FAMILIES.filter((x) => x.name.endsWith('types') || x.name === 'many joins' || x.name === 'many coercions')) {
      const r = checkSource(f.source(f.sizes[0]!), `${f.name}.tal`);
      assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic), [], f.name);
    }
  });

  it('type depth and size limits name the call that would build the type', () => {
    const deep = FAMILIES.find((f) => f.name === 'deep types')!;
    const r = checkSource(deep.source(1000), 'deep.tal');
    const d = r.diagnostics.find((x) => x.code === 'E_COMPLEXITY');
    assert.ok(d !== undefined);
    assert.match(d.message, /after the call to 'wrap', EAX would have a type nested more than 128 levels deep \(limit typeDepth/);
    assert.equal(d.instruction, 'call wrap');
  });

  it('a trace that would grow past its limit stops with a warning; checking goes on', () => {
    const f = FAMILIES.find((x) => x.trace === true)!;
    const r = checkSource(f.source(3000), 'trace.tal', { trace: true });
    assert.ok(r.diagnostics.some((d) => d.code === 'W_TRACE_LIMIT' && d.severity === 'warning'));
    const chars = r.trace.reduce((n, e) => n + e.stack.reduce((m, s) => m + s.length, 0), 0);
    assert.ok(chars <= LIMITS.traceChars + 64 * 1024, `${chars} characters traced`);
    assert.ok(r.trace.length < 3000 * 2);
  });

  it('with --trace, every family at its worst is accepted or refused with E_COMPLEXITY; tracing never throws', () => {
    for (const f of FAMILIES) {
      const n = f.sizes[f.sizes.length - 1]!;
      const r = checkSource(f.source(n), `${f.name}.tal`, { trace: true });
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      assert.ok(
        errors.every((d) => d.code === 'E_COMPLEXITY'),
        `${f.name} n=${n}:\n${errors.map(formatDiagnostic).join('\n')}`,
      );
    }
  });

  it('equal recursive types spelled differently compare without running out of steps', () => {
    const src = `.type a = null | *[a, b]
.type b = null | *[b, a]
.type c = null | *[c, c]
.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
        xor eax, eax
        coerce eax, a
        coerce eax, b
        coerce eax, c
        coerce eax, a
        xor eax, eax
        ret
`;
    const r = checkSource(src, 'recursive.tal');
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  });
});

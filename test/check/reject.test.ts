// The reject corpus: one unsafe (or malformed) program per file, each naming the
// diagnostic the checker must give it, like the Linux eBPF verifier selftests.
// A case that the checker accepts is a soundness bug in the checker.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSource } from '../../tal/check-source.js';
import { formatDiagnostic } from '../../tal/diagnostics.js';
import { loadCorpus } from './corpus.js';

const cases = loadCorpus('reject');

for (const c of cases) {
  test(`reject/${c.name} → ${c.expect ?? '?'}`, () => {
    assert.ok(c.expect !== undefined && /^E_[A-Z_0-9]+$/.test(c.expect), `${c.file} needs a '; expect: E_CODE' header line`);
    assert.ok(c.summary.length >= 10, `${c.file} needs a header comment saying what unsafe thing it does`);
    const r = checkSource(c.source, c.file);
    const shown = r.diagnostics.map(formatDiagnostic).join('\n') || '(no diagnostics)';
    assert.equal(r.ok, false, `${c.file} was ACCEPTED, but it ${c.summary}`);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    const hits = errors.filter((d) => d.code === c.expect);
    assert.ok(hits.length > 0, `${c.file}: expected ${c.expect}, got:\n${shown}`);
    if (c.expectLine !== undefined) {
      assert.ok(
        hits.some((d) => d.line === c.expectLine),
        `${c.file}: expected ${c.expect} on line ${c.expectLine}, got:\n${shown}`,
      );
    }
    if (c.expectCol !== undefined) {
      assert.ok(
        hits.some((d) => d.line === c.expectLine && d.col === c.expectCol),
        `${c.file}: expected ${c.expect} at ${c.expectLine}:${c.expectCol}, got:\n${shown}`,
      );
    }
    // One rule per file: no other error may fire (unless the header allows it).
    const stray = errors.filter((d) => d.code !== c.expect && !c.also.includes(d.code));
    assert.deepEqual(stray.map(formatDiagnostic), [], `${c.file}: unexpected extra errors`);
  });
}

test('the reject corpus has at least 100 cases, with distinct file names', () => {
  assert.ok(cases.length >= 100, `only ${cases.length} reject cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});

test('mutants of the accepted bounds idioms: every signed or off-by-one variant is rejected', () => {
  const file = 'test/check/accept/bounds-all-unsigned-idioms.tal';
  const source = loadCorpus('accept').find((c) => c.file === file)!.source;
  assert.equal(checkSource(source, file).ok, true);
  const mutations: [string, string][] = [
    // signed conditions prove nothing
    ['jb .t1', 'jl .t1'],
    ['jae .n2', 'jge .n2'],
    ['jbe .t3', 'jle .t3'],
    ['ja .n4', 'jg .n4'],
    ['ja .t5', 'jg .t5'],
    ['jbe .n6', 'jle .n6'],
    ['jae .t7', 'jge .t7'],
    ['jb .n8', 'jl .n8'],
    // off by one: <= n instead of < n
    ['jb .t1', 'jbe .t1'],
    ['jae .n2', 'ja .n2'],
    ['cmp eax, 15\n        jbe .t3', 'cmp eax, 16\n        jbe .t3'],
    ['cmp eax, 15\n        ja .n4', 'cmp eax, 16\n        ja .n4'],
    ['ja .t5', 'jae .t5'],
    ['jbe .n6', 'jb .n6'],
    ['mov edx, 15', 'mov edx, 16'],
  ];
  for (const [from, to] of mutations) {
    assert.ok(source.includes(from), from);
    const r = checkSource(source.replace(from, to), file);
    assert.ok(
      r.diagnostics.some((d) => d.code === 'E_BOUNDS'),
      `${from} → ${to} was not rejected`,
    );
  }
});

// The diagnostic-code catalogue (tal/diagnostic-codes.ts) is the one place codes are defined:
// the docs table is its rendering, and every error the checking stage can give has a case in
// the reject corpus that produces it (a code no program can reach is removed, not kept).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DIAGNOSTIC_CODES, isDiagnosticCode, type DiagnosticCode } from '../../tal/diagnostic-codes.js';
import { loadCorpus, REPO_ROOT } from './corpus.js';

const CODES = Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[];

/** The table in docs/tal.md, "Diagnostics", as the catalogue writes it. */
function docsTable(): string {
  const rows = CODES.map((c) => `| \`${c}\` | ${DIAGNOSTIC_CODES[c].group} | ${DIAGNOSTIC_CODES[c].meaning} |`);
  return ['| code | group | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

test('the diagnostics table in docs/tal.md is the catalogue', () => {
  const docs = readFileSync(join(REPO_ROOT, 'docs/tal.md'), 'utf8');
  const m = /<!-- diagnostic-codes:start -->\n([\s\S]*?)\n<!-- diagnostic-codes:end -->/.exec(docs);
  assert.ok(m !== null, 'docs/tal.md needs the diagnostic-codes markers');
  assert.equal(m[1], docsTable(), `replace the table in docs/tal.md with:\n${docsTable()}`);
});

test('every error of the checking stage has a reject-corpus case, and every case expects a catalogued code', () => {
  const cases = loadCorpus('reject');
  const expected = new Set(cases.map((c) => c.expect));
  for (const c of cases) {
    assert.ok(c.expect !== undefined && isDiagnosticCode(c.expect), `${c.file}: '${c.expect}' is not in tal/diagnostic-codes.ts`);
    for (const a of c.also) assert.ok(isDiagnosticCode(a), `${c.file}: also '${a}' is not in tal/diagnostic-codes.ts`);
  }
  const missing = CODES.filter((c) => DIAGNOSTIC_CODES[c].stage === 'check' && c.startsWith('E_') && !expected.has(c));
  assert.deepEqual(missing, [], 'error codes with no reject case: add one, or remove the code if no program can reach it');
});

test('catalogue codes are well-formed: E_ for errors, W_ for warnings, E_ASM_ only from the assembler', () => {
  for (const c of CODES) {
    assert.match(c, /^[EW]_[A-Z0-9_]+$/);
    assert.equal(c.startsWith('E_ASM_'), DIAGNOSTIC_CODES[c].stage === 'assemble', c);
    assert.ok(DIAGNOSTIC_CODES[c].meaning.length >= 10, c);
  }
});

// Each known checker bug (known-findings.ts) is still accepted by the checker
// and still caught by the validator; once the checker refuses its reproducer,
// this fails until the entry is removed and the reproducer joins the reject
// corpus.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateSource } from '../../tal/validate/validate.js';
import { REPO_ROOT } from '../check/corpus.js';
import { KNOWN_FINDINGS } from './known-findings.js';

for (const k of KNOWN_FINDINGS) {
  test(`known checker bug ${k.file}: still accepted, still reported as a violation`, { timeout: 60_000 }, async () => {
    const source = readFileSync(join(REPO_ROOT, 'test', 'soundness', 'known', k.file), 'utf8');
    const o = await validateSource(source, k.file);
    assert.notEqual(o.kind, 'rejected', `the checker now rejects ${k.file}: remove it from known-findings.ts and add it to test/check/reject/`);
    assert.equal(o.kind, 'violation', `expected a violation, got ${o.kind}`);
    if (o.kind === 'violation') {
      assert.match(o.message, k.claim);
      assert.match(source, k.signature);
    }
  });
}

// The trusted base is a table in docs/architecture.md ("Trusted base"). This
// test keeps the table honest: every path it names exists, and the raw signer
// (tal/asm/sign.ts, which would sign any bytes with any key) is imported only
// from files in the table — or from tests that forge signed images on
// purpose and say so in their names, and the signature format's own test;
// nor does any other file compute an HMAC by hand.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { APP_ROOT } from '../../main/app/resource-paths.js';
import { localImports } from './import-graph.js';

const SIGNER = 'tal/asm/sign.ts';
const SIGNATURE_FORMAT_TEST = 'test/asm/talo.test.ts';

/** The backquoted paths of the "Trusted base" table. */
function trustedPaths(): string[] {
  const doc = readFileSync(path.join(APP_ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Trusted base'));
  assert.ok(section, 'docs/architecture.md has a "Trusted base" section');
  const rows = section.split('\n').filter((l) => /^\| (host|guest) \|/.test(l));
  return rows.flatMap((row) => [...row.split('|')[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

function covered(file: string, trusted: readonly string[]): boolean {
  return trusted.some((t) => (t.endsWith('/') ? file.startsWith(t) : file === t));
}

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(APP_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceDir(e.name) ? tsFiles(rel) : [];
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

function sourceDir(name: string): boolean {
  return name !== 'node_modules' && name !== 'dist';
}

test('every path in the trusted-base table exists', () => {
  const trusted = trustedPaths();
  assert.ok(trusted.length >= 10, `${trusted.length} paths`);
  for (const p of trusted) assert.ok(existsSync(path.join(APP_ROOT, p)), `${p} (docs/architecture.md, "Trusted base") does not exist`);
  assert.ok(covered(SIGNER, trusted), 'the signer is in the table');
});

test('only the trusted base (and tests that forge on purpose) imports the raw signer', () => {
  const trusted = trustedPaths();
  const importers = ['tal', 'main', 'preload', 'renderer', 'bench', 'test']
    .flatMap(tsFiles)
    .filter((f) => localImports(f, readFileSync(path.join(APP_ROOT, f), 'utf8')).includes(SIGNER));
  const outside = importers.filter((f) => !covered(f, trusted) && f !== SIGNATURE_FORMAT_TEST && !/forged/i.test(path.basename(f)));
  assert.deepEqual(outside, []);
  assert.ok(importers.includes('main/vm/signing-key.ts'), 'the key holder signs through the signer');
});

test('nothing outside the signer computes a signature by hand, unless it forges on purpose and says so', () => {
  const macs = ['tal', 'main', 'preload', 'renderer', 'bench', 'test']
    .flatMap(tsFiles)
    .filter((f) => /\bcreateHmac\(/.test(readFileSync(path.join(APP_ROOT, f), 'utf8')));
  const outside = macs.filter((f) => f !== SIGNER && f !== SIGNATURE_FORMAT_TEST && !/forged/i.test(path.basename(f)));
  assert.deepEqual(outside, []);
  assert.ok(macs.includes(SIGNER));
});

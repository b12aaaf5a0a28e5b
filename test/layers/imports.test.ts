// The layers point one way, and this test is what enforces it: every import
// (static, dynamic and type-only, read by TypeScript's own pre-processor) of
// every source file is checked against the table of what each layer may
// import. The toolchain (tal/) stands alone; main/ never reaches into the UI,
// the benchmarks or the tests; the renderer and the preload see main only
// through the IPC contract; and no two files import each other, directly or
// around a cycle (type-only imports count: a cycle is a design knot either way).
// Further tests prove both checks bite by feeding them a violation.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { APP_ROOT } from '../../main/app/resource-paths.js';
import { importCycles, localImports } from './import-graph.js';

const SOURCE_DIRS = ['tal', 'main', 'preload', 'renderer', 'bench', 'test'];

/**
 * The IPC contract: the preload API's methods, events and payload types, and the argument-word rules both
 * sides share. Main implements it; the preload and the renderer see main only through it.
 */
const CONTRACT = ['preload/contract.ts', 'preload/shell-words.ts', 'preload/share-format.ts'];

/** What each layer may import, as predicates over repository-relative paths of .ts files. */
const LAYERS: ReadonlyArray<{ layer: string; may: (target: string) => boolean; why: string }> = [
  { layer: 'tal/', may: (t) => t.startsWith('tal/'), why: 'the toolchain stands alone (tal run is composed in main/cli)' },
  {
    layer: 'main/',
    may: (t) => t.startsWith('main/') || t.startsWith('tal/') || CONTRACT.includes(t),
    why: 'main uses the toolchain and implements the IPC contract, never the UI, the benchmarks or the tests',
  },
  { layer: 'preload/contract.ts', may: (t) => t === 'tal/diagnostics.ts', why: "the contract names the checker's diagnostics, nothing else" },
  { layer: 'preload/', may: (t) => CONTRACT.includes(t), why: 'the preload sees main only through the IPC contract' },
  { layer: 'renderer/', may: (t) => t.startsWith('renderer/') || CONTRACT.includes(t), why: 'the renderer sees main only through the IPC contract' },
  { layer: 'bench/', may: (t) => !t.startsWith('test/') && !t.startsWith('renderer/'), why: 'benchmarks use the product, not its tests' },
  { layer: 'test/', may: () => true, why: 'tests may use anything' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(APP_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(rel);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Every import that breaks the layer table, as "from → to (why)". */
function layerViolations(files: ReadonlyArray<{ file: string; text: string }>): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    const rule = LAYERS.find((l) => file.startsWith(l.layer));
    if (!rule) continue;
    for (const target of localImports(file, text)) {
      if (!rule.may(target)) out.push(`${file} → ${target} (${rule.why})`);
    }
  }
  return out;
}

test('every import follows the layer table', () => {
  const files = SOURCE_DIRS.flatMap(sourceFiles).map((file) => ({ file, text: readFileSync(path.join(APP_ROOT, file), 'utf8') }));
  assert.ok(files.length > 100, `read ${files.length} source files`);
  assert.deepEqual(layerViolations(files), []);
});

test('an upward import, static, dynamic or type-only, is caught', () => {
  const upward = [
    { file: 'tal/check/rules.ts', text: "import { VmService } from '../../main/vm/index.js';" },
    { file: 'tal/cli.ts', text: "const m = await import('../main/runner/index.js');" },
    { file: 'main/app/lab.ts', text: "import type { Editor } from '../../renderer/src/editor.js';" },
    { file: 'renderer/src/main.ts', text: "import { createLab } from '../../main/app/create-lab.js';" },
    { file: 'preload/preload.ts', text: "import { VmService } from '../main/vm/index.js';" },
    { file: 'preload/contract.ts', text: "import { checkSource } from '../tal/check-source.js';" },
    { file: 'main/app/lab.ts', text: "import { api } from '../../preload/preload.js';" },
    { file: 'bench/x.ts', text: "import { tal } from '../test/tal/cli-harness.js';" },
  ];
  assert.equal(layerViolations(upward).length, upward.length);
  assert.deepEqual(layerViolations([{ file: 'renderer/src/main.ts', text: "import type { LabApi } from '../../preload/contract.js';" }]), []);
});

test('no import cycles anywhere', () => {
  const files = SOURCE_DIRS.flatMap(sourceFiles);
  const graph = new Map(files.map((file) => [file, localImports(file, readFileSync(path.join(APP_ROOT, file), 'utf8'))]));
  assert.deepEqual(importCycles(graph), []);
});

test('a cycle, through type-only imports too, is caught', () => {
  const graph = new Map<string, string[]>([
    ['main/app/a.ts', localImports('main/app/a.ts', "import type { B } from './b.js';")],
    ['main/app/b.ts', localImports('main/app/b.ts', "import { c } from './c.js';")],
    ['main/app/c.ts', localImports('main/app/c.ts', "export { a } from './a.js';")],
    ['main/app/d.ts', localImports('main/app/d.ts', "import { a } from './a.js';")],
  ]);
  assert.deepEqual(importCycles(graph), [['main/app/a.ts', 'main/app/b.ts', 'main/app/c.ts']]);
});

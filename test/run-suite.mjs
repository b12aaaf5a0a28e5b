// node test/run-suite.mjs fast|soundness|guest|ui|all [node --test options…]
//
// Runs one suite of the compiled tests (dist/test/**/*.test.js), one file at a
// time. A file's suite follows from what it drives, read from its compiled
// text: a browser (openBrowser, Playwright's _electron) makes it `ui`; the v86
// guest (a guest launch, the bench guest, the quick benchmark, `tal run`) makes
// it `guest`; the state-embedding campaign (test/soundness/: thousands of
// instrumented programs run on the host) is `soundness`; everything else is
// `fast` — the checker, the assembler, host runs of i386 programs, main's
// services without a guest. `all` is what `npm test` and CI run.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST_TEST = path.join(ROOT, 'dist', 'test');

const NEEDS = [
  { suite: 'ui', pattern: /\bopenBrowser\(|\b_electron\b/ },
  { suite: 'guest', pattern: /\b(resumeGuest|launchGuest|BenchGuest|runBench)\b|new VmService\(|\btal\('run'/ },
];

/** The suite of one compiled test file. */
export function suiteOf(file) {
  if (file.includes(`${path.sep}soundness${path.sep}`)) return 'soundness';
  const text = readFileSync(file, 'utf8');
  return NEEDS.find((n) => n.pattern.test(text))?.suite ?? 'fast';
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? testFiles(path.join(dir, e.name)) : e.name.endsWith('.test.js') ? [path.join(dir, e.name)] : []))
    .sort();
}

export function suiteFiles(suite) {
  const all = testFiles(DIST_TEST);
  return suite === 'all' ? all : all.filter((f) => suiteOf(f) === suite);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [suite, ...options] = process.argv.slice(2);
  if (!['fast', 'soundness', 'guest', 'ui', 'all'].includes(suite ?? '')) {
    console.error('usage: node test/run-suite.mjs fast|soundness|guest|ui|all [node --test options…]');
    process.exit(2);
  }
  const files = suiteFiles(suite);
  if (files.length === 0) {
    console.error(`no compiled tests under ${DIST_TEST}: run tsc -p tsconfig.json first`);
    process.exit(2);
  }
  // Fast files are independent and CPU-bound: they run side by side, one per core. Guest and browser
  // files each boot a VM (memory, two emulator threads): one at a time, so their hang detectors hold.
  const parallel = files.filter((f) => suiteOf(f) === 'fast');
  const serial = files.filter((f) => suiteOf(f) !== 'fast');
  let status = 0;
  for (const [group, concurrency] of [
    [parallel, Math.max(1, availableParallelism())],
    [serial, 1],
  ]) {
    if (group.length === 0) continue;
    const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...options, ...group], { stdio: 'inherit' });
    status ||= r.status ?? 1;
  }
  process.exit(status);
}

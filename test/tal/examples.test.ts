// Every example is accepted, and its ELF build runs on the host (natively or
// through qemu-i386: tal/host-i386.ts) and prints what its header comment
// promises — with both trap paths (under qemu-i386, which offers no vDSO, the
// sysenter build takes its int 0x80 fallback; test/vm/elf-in-guest.test.ts
// runs the sysenter builds on a real i386 kernel).

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildSource } from '../../tal/build.js';
import { checkSource } from '../../tal/check-source.js';
import { spawnI386Sync } from '../../tal/host-i386.js';

const EXAMPLES = join(process.cwd(), 'tal', 'examples');
const work = mkdtempSync(join(tmpdir(), 'tal-examples-'));

interface Case {
  args?: string[];
  stdin?: string;
  /** Expected standard output, or a function of the child's pid. */
  stdout: string | ((pid: number) => string);
}

const CASES: Record<string, Case> = {
  hello: { stdout: 'Hello, world!\n' },
  cat: { stdin: 'one\ntwo\n'.repeat(3000), stdout: 'one\ntwo\n'.repeat(3000) },
  factorial: { stdout: '3628800\n' },
  arraysum: { stdout: '1000\n499500\n42\n' },
  list: { stdout: '55\n' },
  getpid_loop: { args: ['2000'], stdout: (pid) => `${pid}\n` },
};

function run(path: string, c: Case): { stdout: string; status: number | null; pid: number } {
  const r = spawnI386Sync(path, c.args ?? [], { input: c.stdin ?? '', encoding: 'latin1', timeout: 120_000 });
  assert.equal(r.error, undefined, String(r.error));
  return { stdout: r.stdout, status: r.status, pid: r.pid ?? -1 };
}

for (const [name, c] of Object.entries(CASES)) {
  describe(`example ${name}`, () => {
    const source = readFileSync(join(EXAMPLES, `${name}.tal`), 'utf8');

    test('is accepted with a full trace', () => {
      const r = checkSource(source, `${name}.tal`, { trace: true });
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      assert.ok(r.ok);
      assert.equal(r.trace.length, r.stats.instructions, 'one trace entry per instruction');
    });

    for (const trap of ['int80', 'sysenter'] as const) {
      test(`runs on the host as an ELF (${trap})`, () => {
        const b = buildSource(source, `${name}.tal`, { elf: trap });
        assert.ok(b.ok && b.elf !== undefined);
        const path = join(work, `${name}-${trap}`);
        writeFileSync(path, b.elf);
        chmodSync(path, 0o755);
        const r = run(path, c);
        assert.equal(r.status, 0);
        const want = typeof c.stdout === 'string' ? c.stdout : c.stdout(r.pid);
        assert.equal(r.stdout, want);
      });
    }
  });
}

test('the documented header comment is present in every example', () => {
  for (const name of Object.keys(CASES)) {
    const first = readFileSync(join(EXAMPLES, `${name}.tal`), 'utf8').split('\n')[0]!;
    assert.match(first, new RegExp(`^; ${name}\\.tal — `));
  }
});

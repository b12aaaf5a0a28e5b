// The accept corpus and the shipped examples: safe programs the checker must
// accept with no errors, and the per-instruction trace it promises.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assemble } from '../../tal/asm/assemble.js';
import type { Instr } from '../../tal/ast.js';
import { resolveImport } from '../../tal/build.js';
import { checkSource } from '../../tal/check-source.js';
import { formatDiagnostic } from '../../tal/diagnostics.js';
import { loadCorpus, loadExamples } from './corpus.js';

const cases = loadCorpus('accept');
const examples = loadExamples();

function assertAccepted(file: string, source: string): void {
  const r = checkSource(source, file);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map(formatDiagnostic), [], `${file} was rejected`);
  assert.equal(r.ok, true);
}

for (const c of cases) {
  test(`accept/${c.name}`, () => {
    assert.ok(c.summary.length >= 10, `${c.file} needs a header comment saying what it exercises`);
    assert.equal(c.expect, undefined, `${c.file} is an accept case but names an expected diagnostic`);
    assertAccepted(c.file, c.source);
  });
}

test('the accept corpus has at least 25 cases', () => {
  assert.ok(cases.length >= 25, `only ${cases.length} accept cases`);
});

for (const ex of examples) {
  test(`example ${ex.file} is accepted with no warnings`, () => {
    assertAccepted(ex.file, ex.source);
    const r = checkSource(ex.source, ex.file);
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  });
}

test('there are examples to check', () => {
  assert.ok(examples.length >= 6);
});

/** Every instruction the checker reached, in program order. */
function reachedInstructions(source: string, file: string): Instr[] {
  const r = checkSource(source, file);
  assert.ok(r.program !== undefined);
  const unreachable = new Set(r.diagnostics.filter((d) => d.code === 'W_UNREACHABLE').map((d) => d.line));
  return r.program.code.filter((b) => !unreachable.has(b.loc.line)).flatMap((b) => b.instrs);
}

for (const ex of [...examples, ...cases.slice(0, 8)]) {
  const file = 'file' in ex ? ex.file : '';
  test(`trace of ${file}: one entry per instruction, with the documented fields`, () => {
    const r = checkSource(ex.source, file, { trace: true });
    const instrs = reachedInstructions(ex.source, file);
    assert.equal(r.trace.length, instrs.length, 'one trace entry per checked instruction');
    assert.equal(r.stats.instructions >= instrs.length, true);
    r.trace.forEach((e, i) => {
      const ins = instrs[i]!;
      assert.deepEqual([e.line, e.col, e.instruction], [ins.loc.line, ins.loc.col, ins.text], `entry ${i}`);
      assert.equal(typeof e.label, 'string');
      assert.ok(e.label.length > 0);
      for (const [reg, t] of Object.entries(e.regs)) {
        assert.match(reg, /^(eax|ebx|ecx|edx|esi|edi|ebp)$/);
        assert.equal(typeof t, 'string');
        assert.notEqual(t, '?', 'uninitialized registers are left out');
      }
      assert.ok(Array.isArray(e.stack) && e.stack.length >= 1, 'the stack ends with its tail');
      assert.ok(e.stack.every((x) => typeof x === 'string'));
      assert.ok(Array.isArray(e.facts) && e.facts.every((x) => typeof x === 'string'));
    });
    // Without the option, no trace is collected.
    assert.deepEqual(checkSource(ex.source, file).trace, []);
  });
}

test('the trace shows what the checker knows: refinement after a bounds check, and the stack', () => {
  const src = [
    '.data',
    'buf: .bytes [8]',
    '.code',
    'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}',
    '  mov ecx, [buf-4]',
    '  xor edi, edi',
    '.loop:',
    '  cmp edi, ecx',
    '  jae .done',
    '  mov byte [buf + edi], 0',
    '  inc edi',
    '  jmp .loop',
    '.done:',
    '  push edi',
    '  pop eax',
    '  ret',
  ].join('\n');
  const r = checkSource(src, 't.tal', { trace: true });
  assert.equal(r.ok, true);
  const at = (text: string) => r.trace.find((e) => e.instruction === text)!;
  assert.equal(at('mov byte [buf + edi], 0').regs.edi, 'int<8');
  assert.equal(at('mov byte [buf + edi], 0').label, 'main.loop');
  assert.equal(at('jae .done').facts.includes('flags: cmp edi, ecx'), true);
  assert.equal(at('pop eax').stack[0], 'int');
  assert.equal(at('ret').stack.at(-1), 's');
  assert.match(at('ret').stack[0]!, /^\(?code \{EAX: int, ESP: sptr s\}\)?$/);
  assert.equal(at('ret').regs.eax, 'int');
  assert.ok(at('ret').facts.includes('s:stack'));
});

test('every accepted corpus program also assembles (the checker and the assembler agree on the language)', () => {
  for (const c of cases) {
    const r = checkSource(c.source, c.file);
    assert.ok(r.program !== undefined);
    const a = assemble(r.program, c.source, { resolveImport });
    assert.deepEqual(a.diagnostics.map(formatDiagnostic), [], c.file);
    assert.ok(a.image !== undefined, c.file);
  }
});

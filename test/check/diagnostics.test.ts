// What the checker tells a person: every diagnostic has a file, a line, a
// column and a message; rule violations name the instruction, and the common
// ones say what was expected, what was found and what to do.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSource } from '../../tal/check-source.js';
import { formatDiagnostic, type Diagnostic } from '../../tal/diagnostics.js';
import { loadCorpus } from './corpus.js';

const cases = loadCorpus('reject');

/** The instruction text on a source line, as the parser records it (comment and indentation removed). */
function instructionOn(source: string, line: number): string {
  return (source.split('\n')[line - 1] ?? '').replace(/;.*$/, '').trim();
}

test('every diagnostic in the reject corpus has a file, an in-range position, a code and a message', () => {
  for (const c of cases) {
    const lines = c.source.split('\n');
    for (const d of checkSource(c.source, c.file).diagnostics) {
      const where = `${c.file}: ${formatDiagnostic(d)}`;
      assert.equal(d.file, c.file, where);
      assert.match(d.code, /^[EW]_[A-Z_0-9]+$/, where);
      assert.ok(d.severity === 'error' || d.severity === 'warning', where);
      assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines.length, where);
      assert.ok(Number.isInteger(d.col) && d.col >= 1 && d.col <= (lines[d.line - 1]?.length ?? 0) + 1, where);
      assert.ok(d.message.length >= 10 && !/undefined|\[object/.test(d.message), where);
      for (const k of ['expected', 'found', 'hint', 'instruction'] as const) {
        if (d[k] !== undefined) assert.ok(d[k]!.length > 0 && !/undefined|\[object/.test(d[k]!), `${where} (${k})`);
      }
    }
  }
});

test('a diagnostic about an instruction quotes it and points at its first column', () => {
  let checked = 0;
  for (const c of cases) {
    for (const d of checkSource(c.source, c.file).diagnostics) {
      if (d.instruction === undefined || d.instruction.startsWith('(')) continue;
      const text = instructionOn(c.source, d.line);
      assert.equal(d.instruction, text, `${c.file}:${d.line}`);
      assert.equal(d.col, (c.source.split('\n')[d.line - 1] ?? '').indexOf(text) + 1, `${c.file}:${d.line}`);
      checked++;
    }
  }
  assert.ok(checked > 150, `only ${checked} instruction diagnostics`);
});

/** The first diagnostic with the case's expected code. */
function expectedOf(name: string): Diagnostic {
  const c = cases.find((x) => x.name === name);
  assert.ok(c !== undefined, name);
  const d = checkSource(c.source, c.file).diagnostics.find((x) => x.code === c.expect);
  assert.ok(d !== undefined, name);
  return d;
}

test('bounds errors say which bound was needed, what the index has, and how to prove it', () => {
  const d = expectedOf('bounds-off-by-one-ja.tal');
  assert.match(d.message, /esi|eax/);
  assert.equal(d.expected, 'int<8');
  assert.equal(d.found, 'int<=8');
  assert.match(d.hint ?? '', /cmp .*jae/);
  const k = expectedOf('bounds-const-past-end-bytes.tal');
  assert.match(k.message, /offset 10/);
  assert.match(k.expected ?? '', /below 10/);
});

test('system call errors name the argument and the proof that is missing', () => {
  const len = expectedOf('syscall-read-result-to-write.tal');
  assert.match(len.message, /write's length \(edx\)/);
  assert.equal(len.expected, 'int<=64');
  assert.equal(len.found, 'int');
  assert.match(len.hint ?? '', /cmp edx/);
  const st = expectedOf('syscall-fstat64-small-buffer.tal');
  assert.match(st.message, /at least 96 bytes/);
  assert.equal(st.found, 'bytes(16)');
  const nul = expectedOf('syscall-accept4-address.tal');
  assert.match(nul.message, /must be null/);
  assert.match(nul.hint ?? '', /xor ecx, ecx/);
  const forbidden = expectedOf('syscall-forbidden-execve.tal');
  assert.match(forbidden.message, /cannot be imported: it replaces the program with unchecked code/);
});

test('control-flow errors show the expected and the actual state', () => {
  const pre = expectedOf('jump-label-precondition.tal');
  assert.equal(pre.expected, 'words(2, int)');
  assert.equal(pre.found, 'S(0)');
  const ret = expectedOf('ret-extra-push.tal');
  assert.equal(ret.found, 'S(4096)');
  assert.match(ret.hint ?? '', /pop what you pushed/);
  const join = expectedOf('stack-join-unbalanced.tal');
  assert.match(join.found ?? '', /slot/);
  assert.match(join.hint ?? '', /balance push\/pop/);
  const mismatch = expectedOf('stack-mismatch-call.tal');
  assert.match(mismatch.expected ?? '', /^sptr \*\[int\] :: /);
  assert.match(mismatch.found ?? '', /^sptr \(?code/);
  const inferred = expectedOf('soundness-exists-captures-inferred-variable.tal');
  assert.match(inferred.expected ?? '', /^bytes\(n\), here bytes\(m#\d+\)$/);
  assert.match(inferred.hint ?? '', /'#'/);
});

test('type errors in stores and coercions show both types', () => {
  const f = expectedOf('field-type-array-length.tal');
  assert.equal(f.expected, 'bytes(100)');
  assert.equal(f.found, 'bytes(4)');
  const e = expectedOf('element-type-mismatch.tal');
  assert.equal(e.expected, 'null | *[int]');
  assert.equal(e.found, 'S(4096)');
  const c = expectedOf('coerce-bound-tighter.tal');
  assert.equal(c.expected, 'int<5');
  assert.equal(c.found, 'S(10)');
  const u = expectedOf('uninit-field-read.tal');
  assert.match(u.message, /field 1 \(offset 4\)/);
  assert.equal(u.found, '*[int, int^u]');
});

test('scope, uninitialized-register and entry errors carry a hint', () => {
  for (const name of [
    'scope-size-variable-pseudo.tal',
    'uninit-register.tal',
    'entry-untyped.tal',
    'maybe-deref-untested.tal',
    'packed-argv.tal',
    'stack-slot-below-esp.tal',
    'soundness-stack-clash-big-reserve.tal',
    'not-int-pointer-add.tal',
  ]) {
    const d = expectedOf(name);
    assert.ok((d.hint ?? '').length > 10, `${name} has no hint: ${formatDiagnostic(d)}`);
  }
  assert.match(expectedOf('entry-untyped.tal').hint ?? '', /^main: forall s:stack\. code \{EBX: argv/);
});

test('syntax errors point at the offending token', () => {
  const d = expectedOf('syntax-bad-scale.tal');
  assert.equal(d.message, 'scale must be 1, 2, 4 or 8, found 3');
  const src = cases.find((x) => x.name === 'syntax-bad-scale.tal')!.source.split('\n')[d.line - 1]!;
  assert.equal(src.slice(d.col - 1, d.col), '3');
});

test('formatDiagnostic renders compiler-style lines a person can act on', () => {
  const d = expectedOf('syscall-write-length-too-long.tal');
  const text = formatDiagnostic(d);
  assert.match(text, /^test\/check\/reject\/syscall-write-length-too-long\.tal:\d+:9: error E_SYSCALL_LEN: /);
  assert.match(text, /\n {4}in: {7}call write\n/);
  assert.match(text, /\n {4}expected: int<=5\n {4}found: {4}S\(6\)\n {4}hint: {5}/);
});

test('checking the same program twice gives the same diagnostics (made-up names are numbered per check)', () => {
  for (const c of cases) {
    const first = checkSource(c.source, c.file).diagnostics;
    checkSource('.code\nmain:\n  ret\n', 'other.tal');
    assert.deepEqual(checkSource(c.source, c.file).diagnostics, first, c.file);
  }
});

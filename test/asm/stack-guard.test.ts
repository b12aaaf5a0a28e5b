// The global stack bound, as emitted: every program label starts with the trusted stack guard
// (tal/stack-guard.ts), so every cycle of the control-flow graph passes one — loops of jumps
// included, which push without any call.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disassemble, type DisasmLine } from '../../tal/asm/disasm.js';
import { assemble } from '../../tal/asm/assemble.js';
import { buildSource, resolveImport } from '../../tal/build.js';
import { parseProgram } from '../../tal/parser.js';

const LOOPS = `.import write
.data
buf: .bytes "x"
.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
        call f
        mov ebx, 1
        mov ecx, buf
        mov edx, 1
        call write
        xor eax, eax
.inner:
        push 0
        pop eax
        jmp grow
grow: forall r:stack. code {ESP: sptr r}
        push 0
        jmp stackless
stackless: code {}
        push 0
        jmp grow
f: forall r:stack. code {ESP: sptr (code {EAX: int, ESP: sptr r}) :: r}
        mov eax, 1
        ret
`;

function isGuardAt(lines: DisasmLine[], k: number): boolean {
  return (
    /^cmp esp, /.test(lines[k]?.text ?? '') &&
    lines[k]?.annotation === 'data <stack_limit>' &&
    /^jb /.test(lines[k + 1]?.text ?? '') &&
    lines[k + 1]?.annotation === '→ <stack_exhausted>'
  );
}

describe('the stack guard', () => {
  const built = buildSource(LOOPS, 'loops.tal');
  assert.deepEqual(built.diagnostics, []);
  const image = built.image!;
  const lines = disassemble(image, image.symbols);

  it('starts every program label, whatever its type (stack-polymorphic, stackless, inner)', () => {
    for (const name of ['main', 'main.inner', 'grow', 'stackless', 'f']) {
      const k = lines.findIndex((l) => l.labels?.includes(name));
      assert.ok(k >= 0, name);
      assert.ok(isGuardAt(lines, k), `${name} starts with ${lines[k]!.text}`);
    }
  });

  it('runs before every call of program code, not before system calls', () => {
    const calls = lines.map((l, k) => [l, k] as const).filter(([l]) => l.line !== 0 && l.text.startsWith('call'));
    assert.equal(calls.length, 2);
    for (const [l, k] of calls) {
      if (l.text === 'call write') assert.ok(!isGuardAt(lines, k - 2));
      else assert.ok(isGuardAt(lines, k - 2), `before ${l.text}: ${lines[k - 2]!.text}`);
    }
  });

  it('is left out at labels a trusted rewrite inserts, when it names the labels to guard', () => {
    const program = parseProgram(LOOPS, 'loops.tal');
    const res = assemble(program, LOOPS, { resolveImport, guardedLabels: new Set(['main', 'grow']) });
    const ls = disassemble(res.image!, res.image!.symbols);
    const at = (name: string): number => ls.findIndex((l) => l.labels?.includes(name));
    assert.ok(isGuardAt(ls, at('grow')));
    assert.ok(!isGuardAt(ls, at('stackless')));
  });

  it('is on every cycle: every backward branch of program code targets a guard', () => {
    const byOffset = new Map(lines.map((l, k) => [l.offset, k]));
    let backward = 0;
    for (const l of lines) {
      const m = /^(j[a-z]+|loop|jecxz) 0x([0-9a-f]+)$/.exec(l.text);
      if (l.line === 0 || m === null) continue;
      const target = parseInt(m[2]!, 16); // the listing gives branch targets as code offsets
      if (target > l.offset) continue;
      backward++;
      assert.ok(isGuardAt(lines, byOffset.get(target)!), `${l.text} at ${l.offset.toString(16)}`);
    }
    assert.ok(backward >= 1);
  });
});

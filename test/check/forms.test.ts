// Coverage of the instruction table by the address rule: for every form with a memory operand
// that writes a register — explicitly or implicitly — a program where that register is also the
// index of the address. The CPU computes the address from the register's old value, so the
// checker must too: with an unchecked old value the access is refused (E_BOUNDS), with a
// checked one it is allowed, whatever the instruction writes into the register.
// The cases are generated from the rows of tal/instructions.ts, so a new form is covered at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Reg } from '../../tal/ast.js';
import { checkSource } from '../../tal/check-source.js';
import { formatDiagnostic } from '../../tal/diagnostics.js';
import { FORMS, type Form, type OperandKind } from '../../tal/instructions.js';
import type { Reg32 } from '../../tal/types.js';

const MAIN = 'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}';
const LOW8: Partial<Record<Reg32, Reg>> = { eax: 'al', ecx: 'cl', edx: 'dl', ebx: 'bl' };

interface Case {
  form: Form;
  /** The instruction, with the register w both written and the index of the address. */
  text: string;
  w: Reg32;
  /** Whether the program is accepted when w is in bounds (false where another rule refuses the form anyway). */
  acceptedInBounds: boolean;
}

/** The operand text of a position that is neither the memory operand nor the written register. */
function other(k: OperandKind): string {
  const fixed: Partial<Record<OperandKind, string>> = { r8: 'bl', r16: 'bx', r32: 'ebx', AL: 'al', AX: 'ax', EAX: 'eax', CL: 'cl', one: '1' };
  return fixed[k] ?? '3';
}

/** The cases of one row: one for each register it writes, when it also accesses memory. */
function casesOf(f: Form): Case[] {
  const at = f.operands.findIndex((k) => k === 'r/m8' || k === 'r/m32');
  if (at < 0 || f.memory === 'address') return [];
  const explicit = f.writes.filter((p) => p !== at).map((p) => ({ p, w: 'ecx' as Reg32 }));
  // The base of the address is ESI (words) or EDI (bytes): that one is the base, not the index, so it is left out.
  const base = f.operands[at] === 'r/m8' ? 'edi' : 'esi';
  const implicit = f.implicitWrites.filter((r) => r !== 'esp' && r !== base).map((w) => ({ p: -1, w }));
  return [...explicit, ...implicit].map(({ p, w }) => {
    const ops = f.operands.map((k, i) => {
      if (i === at) return k === 'r/m8' ? `byte [edi + ${w}]` : `dword [esi + ${w}*4]`;
      if (i === p) return k === 'r8' ? LOW8[w]! : w;
      return other(k);
    });
    return { form: f, text: `${f.mnemonic} ${ops.join(', ')}`, w, acceptedInBounds: f.rule !== 'call' };
  });
}

function program(c: Case, inBounds: boolean): string {
  return `.code
${MAIN}
        newarray esi, word, 8
        newarray edi, byte, 8
        xor eax, eax
        xor ecx, ecx
        xor edx, edx
        xor ebx, ebx
        xor ebp, ebp
        mov ${c.w}, ${inBounds ? 1 : 1000}
        ${c.text}
        xor eax, eax
        ret
`;
}

describe('every memory form that writes a register reads its address first', () => {
  const cases = FORMS.flatMap(casesOf);

  it('covers every form of the table that accesses memory and writes a register', () => {
    const writesRegister = (f: Form): boolean =>
      f.writes.some((p) => !['r/m8', 'r/m32', 'm'].includes(f.operands[p]!)) || f.implicitWrites.some((r) => r !== 'esp');
    const expected = FORMS.filter((f) => f.memory !== 'none' && f.memory !== 'address' && writesRegister(f));
    assert.deepEqual(
      expected.filter((f) => !cases.some((c) => c.form === f)).map((f) => f.name),
      [],
    );
    assert.ok(cases.length >= 40, `${cases.length} cases`);
  });

  for (const c of cases) {
    it(`${c.form.name}: ${c.text} refused with ${c.w} out of bounds${c.acceptedInBounds ? ', accepted in bounds' : ''}`, () => {
      const out = checkSource(program(c, false), `${c.form.mnemonic}.tal`);
      assert.ok(
        out.diagnostics.some((d) => d.code === 'E_BOUNDS' && d.line === 11),
        out.diagnostics.map(formatDiagnostic).join('\n') || 'accepted',
      );
      if (c.acceptedInBounds) {
        const ok = checkSource(program(c, true), `${c.form.mnemonic}.tal`);
        assert.deepEqual(ok.diagnostics.map(formatDiagnostic), []);
      }
    });
  }
});

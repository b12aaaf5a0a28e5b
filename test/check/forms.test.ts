// Coverage of the instruction table by the address rule: for every form with a memory operand
// that writes a register — explicitly or implicitly — a program where that register is also the
// index of the address. The CPU computes the address from the register's old value, so the
// checker must too: with an unchecked old value the access is refused (E_BOUNDS), with a
// checked one it is allowed, whatever the instruction writes into the register.
// The forms come from tal/instructions.ts: a new form there fails here until it has a template.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSource } from '../../tal/check-source.js';
import { formatDiagnostic } from '../../tal/diagnostics.js';
import { INSTRUCTIONS, type InstrSpec } from '../../tal/instructions.js';
import type { Reg32 } from '../../tal/types.js';

const MAIN = 'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}';
const WORD = (w: Reg32): string => `dword [esi + ${w}*4]`;
const BYTE = (w: Reg32): string => `byte [edi + ${w}]`;

interface Form {
  /** The instruction, with the register w both written and in the address. */
  text: string;
  w: Reg32;
  /** Whether the program is accepted when w is in bounds (false where another rule refuses the form anyway). */
  acceptedInBounds: boolean;
}

/** The memory forms of one mnemonic that write a register, or undefined when the test knows no template. */
function formsOf(m: string, spec: InstrSpec): Form[] | undefined {
  const implicit = spec.implicitWrites.filter((r) => r !== 'esp');
  if (!spec.memory || (spec.writes.length === 0 && implicit.length === 0)) return [];
  if (m === 'lea') return []; // computes the address, never accesses it
  if (m === 'shld' || m === 'shrd' || m.startsWith('set') || ['inc', 'dec', 'neg', 'not', 'shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'].includes(m)) return []; // the memory form writes memory, not a register
  if (m === 'movzx' || m === 'movsx') return [{ text: `${m} ecx, ${BYTE('ecx')}`, w: 'ecx', acceptedInBounds: true }];
  if (m === 'xchg') return [{ text: `xchg ecx, ${WORD('ecx')}`, w: 'ecx', acceptedInBounds: true }, { text: `xchg ${WORD('ecx')}, ecx`, w: 'ecx', acceptedInBounds: true }];
  if (m === 'imul') {
    return [
      { text: `imul ecx, ${WORD('ecx')}`, w: 'ecx', acceptedInBounds: true },
      { text: `imul ecx, ${WORD('ecx')}, 3`, w: 'ecx', acceptedInBounds: true },
      { text: `imul ${WORD('eax')}`, w: 'eax', acceptedInBounds: true },
      { text: `imul ${WORD('edx')}`, w: 'edx', acceptedInBounds: true },
    ];
  }
  if (m === 'mul' || m === 'div' || m === 'idiv') return implicit.map((w) => ({ text: `${m} ${WORD(w)}`, w, acceptedInBounds: true }));
  if (m === 'call') return (['eax', 'ecx', 'edx', 'ebx', 'edi', 'ebp'] as const).map((w) => ({ text: `call ${WORD(w)}`, w, acceptedInBounds: false }));
  if (spec.arity.includes(2) && spec.writes.includes(0)) return [{ text: `${m} ecx, ${WORD('ecx')}`, w: 'ecx', acceptedInBounds: true }];
  return undefined;
}

function program(form: Form, inBounds: boolean): string {
  return `.code
${MAIN}
        newarray esi, word, 8
        newarray edi, byte, 8
        xor eax, eax
        xor ecx, ecx
        xor edx, edx
        xor ebx, ebx
        xor ebp, ebp
        mov ${form.w}, ${inBounds ? 1 : 1000}
        ${form.text}
        xor eax, eax
        ret
`;
}

describe('every memory form that writes a register reads its address first', () => {
  const all = Object.entries(INSTRUCTIONS).map(([m, spec]) => ({ m, forms: formsOf(m, spec) }));

  it('has a template for every such form of the instruction table', () => {
    assert.deepEqual(all.filter((x) => x.forms === undefined).map((x) => x.m), []);
    assert.ok(all.reduce((n, x) => n + (x.forms?.length ?? 0), 0) >= 30);
  });

  for (const { m, forms } of all) {
    for (const form of forms ?? []) {
      it(`${form.text}: refused with ${form.w} out of bounds${form.acceptedInBounds ? ', accepted in bounds' : ''}`, () => {
        const out = checkSource(program(form, false), `${m}.tal`);
        assert.ok(out.diagnostics.some((d) => d.code === 'E_BOUNDS' && d.line === 11), out.diagnostics.map(formatDiagnostic).join('\n') || 'accepted');
        if (form.acceptedInBounds) {
          const ok = checkSource(program(form, true), `${m}.tal`);
          assert.deepEqual(ok.diagnostics.map(formatDiagnostic), []);
        }
      });
    }
  }
});

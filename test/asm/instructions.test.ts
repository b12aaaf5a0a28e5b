// The instruction table (tal/instructions.ts) is the one list of what TAL checks and assembles:
// the encoder's mnemonics, the checker's rules and the list in docs/tal.md must all be exactly it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { MachineInstr } from '../../tal/ast.js';
import { encodeInstr, SUPPORTED_MNEMONICS } from '../../tal/asm/encode.js';
import { hasRule, ruleFor } from '../../tal/check/rules.js';
import { CheckError } from '../../tal/check/errors.js';
import { CONDITIONS } from '../../tal/conditions.js';
import { INSTRUCTIONS } from '../../tal/instructions.js';

const table = Object.keys(INSTRUCTIONS).sort();

describe('the instruction table', () => {
  it('is exactly what the encoder encodes', () => {
    assert.deepEqual([...new Set(SUPPORTED_MNEMONICS)].sort(), table);
  });

  it('has a checker rule for every mnemonic', () => {
    assert.deepEqual(table.filter((m) => !hasRule(m)), []);
  });

  it('is the list in docs/tal.md, "Instructions"', () => {
    const doc = readFileSync(new URL('../../../docs/tal.md', import.meta.url), 'utf8');
    const para = /Checked \(the instruction table[\s\S]*?\n\n/.exec(doc)![0];
    const listed = [...para.matchAll(/`([a-z0-9 ]+)`/g)].map((m) => m[1]!).filter((x) => x !== 'ret n');
    const expanded = listed.flatMap((x) => (['jcc', 'setcc', 'cmovcc'].includes(x) ? Object.keys(CONDITIONS).map((cc) => x.slice(0, -2) + cc) : [x]));
    assert.deepEqual([...new Set(expanded)].sort(), table);
  });

  it('refuses a mnemonic outside it in both the checker and the encoder', () => {
    for (const m of ['sal', 'cmpxchg', 'xadd', 'movsd', 'enter']) {
      const ins: MachineInstr = { kind: 'machine', mnemonic: m, operands: [{ kind: 'reg', reg: 'eax' }, { kind: 'imm', value: 1 }], loc: { line: 1, col: 1 }, text: m };
      assert.throws(() => ruleFor(ins), (e: unknown) => e instanceof CheckError && e.code === 'E_UNSUPPORTED', m);
      const r = encodeInstr(ins, { kindOf: () => undefined }, 'x.tal');
      assert.ok(!r.ok && r.diagnostic.code === 'E_ASM_UNKNOWN_MNEMONIC', m);
    }
  });

  it('refuses the wrong number of operands and memory where the table has none, before any rule runs', () => {
    const ins = (mnemonic: string, operands: MachineInstr['operands']): MachineInstr => ({ kind: 'machine', mnemonic, operands, loc: { line: 1, col: 1 }, text: mnemonic });
    assert.throws(() => ruleFor(ins('add', [{ kind: 'reg', reg: 'eax' }])), (e: unknown) => e instanceof CheckError && e.code === 'E_OPERANDS');
    assert.throws(() => ruleFor(ins('bswap', [{ kind: 'mem', base: 'esi', scale: 1, disp: 0 }])), (e: unknown) => e instanceof CheckError && e.code === 'E_OPERAND');
  });
});

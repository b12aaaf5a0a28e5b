// Differential test of the encoder against GNU binutils: instances of every row of the
// instruction table are assembled, objdump decodes the bytes, and the text must be what the
// source instruction means (test/asm/gnu.ts renders that independently of iced-x86); iced-x86's
// decoder must find the very encoding the row names.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MachineInstr, Operand } from '../../tal/ast.js';
import { assemble } from '../../tal/asm/assemble.js';
import { Code, Decoder, DecoderOptions } from 'iced-x86';
import { classify } from '../../tal/classify.js';
import { FORMS } from '../../tal/instructions.js';
import type { AssembledImage } from '../../tal/asm/image.js';
import { block, bytes, i, ins, l, m, program, r, resolveImport, tuple, words } from './build.js';
import { branchForms, candidates, dataForms } from './forms.js';
import { expectedText, objdump } from './gnu.js';

function assembleForms(): { image: AssembledImage; forms: MachineInstr[] } {
  const data = dataForms();
  const branches = branchForms('back', 'far');
  const p = program({
    imports: ['write', 'getpid'],
    data: [bytes('arr', 'some bytes'), words('warr', [1, 2, 3]), tuple('tup', [7, 8])],
    code: [
      block('main', ...data),
      block('back', ...branches),
      // far enough that every forward branch needs rel32
      block('far', ...Array.from({ length: 40 }, () => ins('mov', r('eax'), i(0x12345678)))),
    ],
  });
  const res = assemble(p, 'differential', { resolveImport });
  assert.deepEqual(res.diagnostics, []);
  return { image: res.image!, forms: [...data, ...branches] };
}

describe('encoder vs GNU objdump', () => {
  const { image, forms } = assembleForms();
  const dump = objdump(image.code);
  const symbols = new Map(image.symbols.map((s) => [s.name, s.offset]));
  const labelValue = (name: string): number => symbols.get(name)!;
  const isImport = (name: string): boolean => image.imports.some((x) => x.name === name);

  const byLine = new Map(image.lines.map((ln, k) => [ln.line, k]));
  const rowOf = (f: MachineInstr) => {
    const c = classify(f);
    assert.ok(c.ok, f.text);
    return c.form;
  };

  it('covers every row of the instruction table, each with several instances', () => {
    const count = new Map(FORMS.map((f) => [f, 0]));
    for (const f of forms) count.set(rowOf(f), (count.get(rowOf(f)) ?? 0) + 1);
    assert.deepEqual(
      [...count].filter(([, n]) => n === 0).map(([f]) => f.name),
      [],
    );
    // Rows with a choice of registers, addresses or immediates get several; only fixed shapes (cdq, ret, shl r/m8, 1 …) may have fewer.
    const few = [...count].filter(([f, n]) => n < 2 && f.operands.some((k) => candidates(k).length > 1));
    assert.deepEqual(
      few.map(([f]) => f.name),
      [],
    );
    assert.ok(forms.length > 5000, `${forms.length} forms`);
  });

  it('iced-x86 decodes each instance as the encoding its row names', () => {
    const wrong: string[] = [];
    for (const f of forms) {
      const enc = rowOf(f).encoding;
      if (!('code' in enc)) continue;
      const k = byLine.get(f.loc.line)!;
      const at = image.lines[k]!.codeOffset;
      const d = new Decoder(32, image.code.subarray(at, image.lines[k + 1]?.codeOffset ?? image.code.length), DecoderOptions.None);
      const got = Code[d.decode().code];
      d.free();
      if (got !== enc.code) wrong.push(`${f.text} (${rowOf(f).name}): decoded ${got}, table says ${enc.code}`);
    }
    assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} mismatches`);
  });

  it('objdump finds exactly the instruction boundaries of the line table', () => {
    assert.deepEqual(
      dump.map((d) => d.offset),
      image.lines.map((ln) => ln.codeOffset),
    );
    assert.ok(!dump.some((d) => d.text.includes('(bad)')));
  });

  it('objdump decodes each form to the instruction written', () => {
    const mismatches: string[] = [];
    for (const f of forms) {
      const k = byLine.get(f.loc.line)!;
      const at = image.lines[k]!.codeOffset;
      const next = image.lines[k + 1]?.codeOffset ?? image.code.length;
      const got = dump[k]!;
      const want = expectedText(f, labelValue, isImport, next);
      if (!want.includes(got.text))
        mismatches.push(
          `${f.mnemonic} ${f.operands.map((o) => JSON.stringify(o)).join(', ')} @${at}: objdump '${got.text}' (${got.hex}), expected '${want[0]}'`,
        );
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  });

  it('uses rel8 for near branches and rel32 for far ones', () => {
    const hexOf = (mn: string, target: string): string => {
      const f = forms.find((x) => x.mnemonic === mn && x.operands[0]?.kind === 'label' && x.operands[0].name === target)!;
      return dump[byLine.get(f.loc.line)!]!.hex;
    };
    assert.match(hexOf('loop', 'back'), /^e2/);
    assert.match(hexOf('jecxz', 'back'), /^e3/);
    assert.match(hexOf('jmp', 'back'), /^eb/);
    assert.match(hexOf('jmp', 'far'), /^e9/);
    assert.match(hexOf('je', 'back'), /^74/);
    assert.match(hexOf('je', 'far'), /^0f84/);
  });

  it('records an ABS32 relocation for each label field and IMPORT_REL32 for each import call', () => {
    const expectedAbs = forms.reduce(
      (n, f) =>
        n +
        f.operands.filter(
          (o) =>
            (o.kind === 'mem' && o.label !== undefined) ||
            (o.kind === 'label' && !['call', 'jmp'].includes(f.mnemonic) && !f.mnemonic.startsWith('j') && f.mnemonic !== 'loop'),
        ).length,
      0,
    );
    // The trusted stack check `cmp esp, [<stack_limit>]` runs before each call of program code and
    // at each of the three labels (tal/stack-guard.ts).
    const stackChecks = forms.filter((f) => f.mnemonic === 'call' && !(f.operands[0]?.kind === 'label' && isImport(f.operands[0].name))).length + 3;
    const userCode = image.relocs.filter((x) => x.section === 'code' && x.offset >= labelValue('main') && x.offset < labelValue('<heap_exhausted>'));
    assert.equal(userCode.filter((x) => x.kind === 'abs32').length, expectedAbs + stackChecks);
    const imports = userCode.filter((x) => x.kind === 'import');
    assert.deepEqual(
      imports.map((x) => image.imports[x.kind === 'import' ? x.importIndex : -1]!.name),
      ['write', 'getpid'],
    );
    for (const x of imports) {
      assert.equal(image.code[x.offset - 1], 0xe8);
      assert.deepEqual([...image.code.subarray(x.offset, x.offset + 4)], [0, 0, 0, 0]);
    }
  });
});

describe('encoder diagnostics', () => {
  const cases: { name: string; instr: MachineInstr; code: string }[] = [
    { name: 'unknown mnemonic', instr: ins('frobnicate', r('eax')), code: 'E_ASM_UNKNOWN_MNEMONIC' },
    { name: 'privileged instruction', instr: ins('hlt'), code: 'E_ASM_UNKNOWN_MNEMONIC' },
    { name: 'software interrupt', instr: ins('int', i(0x80)), code: 'E_ASM_UNKNOWN_MNEMONIC' },
    { name: 'wrong operand count', instr: ins('mov', r('eax')), code: 'E_ASM_OPERANDS' },
    { name: 'size mismatch reg/reg', instr: ins('add', r('eax'), r('bx')), code: 'E_ASM_OPERANDS' },
    { name: 'size mismatch reg/mem', instr: ins('mov', r('al'), m({ base: 'ebx', size: 4 })), code: 'E_ASM_OPERANDS' },
    { name: 'memory to memory', instr: ins('mov', m({ base: 'eax', size: 4 }), m({ base: 'ebx', size: 4 })), code: 'E_ASM_OPERANDS' },
    { name: 'immediate destination', instr: ins('add', i(1), r('eax')), code: 'E_ASM_OPERANDS' },
    { name: 'memory size missing', instr: ins('inc', m({ base: 'ebx' })), code: 'E_ASM_OPERAND_SIZE' },
    { name: 'memory size missing with immediate', instr: ins('mov', m({ base: 'ebx' }), i(1)), code: 'E_ASM_OPERAND_SIZE' },
    { name: 'immediate too wide for byte', instr: ins('mov', r('al'), i(256)), code: 'E_ASM_IMM_RANGE' },
    { name: 'immediate too wide for word', instr: ins('add', r('bx'), i(-32769)), code: 'E_ASM_IMM_RANGE' },
    { name: 'a 16-bit memory operand (no form: TAL types none)', instr: ins('add', m({ base: 'ebx', size: 2 }), i(1)), code: 'E_ASM_OPERANDS' },
    { name: 'pop into memory (no form: the checker types none)', instr: ins('pop', m({ base: 'ebx', size: 4 })), code: 'E_ASM_OPERANDS' },
    { name: 'mul of a byte (no form: the checker types only EDX:EAX)', instr: ins('mul', r('bl')), code: 'E_ASM_OPERANDS' },
    { name: 'imul by a label value', instr: ins('imul', r('eax'), r('ebx'), l('msg')), code: 'E_ASM_OPERANDS' },
    { name: 'immediate beyond 32 bits', instr: ins('mov', r('eax'), i(2 ** 32)), code: 'E_ASM_IMM_RANGE' },
    { name: 'displacement beyond 32 bits', instr: ins('mov', r('eax'), m({ base: 'ebx', disp: 2 ** 33 })), code: 'E_ASM_IMM_RANGE' },
    { name: 'shift count out of range', instr: ins('shl', r('eax'), i(256)), code: 'E_ASM_IMM_RANGE' },
    { name: 'shift by a register other than cl', instr: ins('shl', r('eax'), r('bl')), code: 'E_ASM_OPERANDS' },
    { name: 'ret count out of range', instr: ins('ret', i(0x10000)), code: 'E_ASM_IMM_RANGE' },
    { name: 'esp as index', instr: ins('mov', r('eax'), m({ base: 'ebx', index: 'esp', scale: 2 })), code: 'E_ASM_MEMORY' },
    { name: 'unknown label as value', instr: ins('mov', r('eax'), l('nowhere')), code: 'E_ASM_UNKNOWN_LABEL' },
    { name: 'unknown label in memory', instr: ins('mov', r('eax'), m({ label: 'nowhere' })), code: 'E_ASM_UNKNOWN_LABEL' },
    { name: 'jump to unknown label', instr: ins('jne', l('nowhere')), code: 'E_ASM_UNKNOWN_LABEL' },
    { name: 'jump to a data label', instr: ins('jmp', l('msg')), code: 'E_ASM_LABEL_KIND' },
    { name: 'jump to an import', instr: ins('je', l('write')), code: 'E_ASM_LABEL_KIND' },
    { name: 'import as a value', instr: ins('mov', r('eax'), l('write')), code: 'E_ASM_LABEL_KIND' },
    { name: 'import as memory', instr: ins('mov', r('eax'), m({ label: 'write' })), code: 'E_ASM_LABEL_KIND' },
    { name: 'label into a byte register', instr: ins('mov', r('al'), l('msg')), code: 'E_ASM_OPERANDS' },
    { name: 'movzx from a wider source', instr: ins('movzx', r('ax'), r('bx')), code: 'E_ASM_OPERANDS' },
    { name: 'movzx memory without size', instr: ins('movzx', r('eax'), m({ base: 'ebx' })), code: 'E_ASM_OPERAND_SIZE' },
    { name: 'lea of a register', instr: ins('lea', r('eax'), r('ebx')), code: 'E_ASM_OPERANDS' },
    { name: 'push of a byte register', instr: ins('push', r('al')), code: 'E_ASM_OPERANDS' },
    { name: 'pop of a word in memory', instr: ins('pop', m({ base: 'eax', size: 2 })), code: 'E_ASM_OPERANDS' },
    { name: 'setcc of a dword register', instr: ins('sete', r('eax')), code: 'E_ASM_OPERANDS' },
    { name: 'cmov into a byte register', instr: ins('cmove', r('al'), r('bl')), code: 'E_ASM_OPERANDS' },
    { name: 'imul with a byte destination', instr: ins('imul', r('al'), r('bl')), code: 'E_ASM_OPERANDS' },
    { name: 'bswap of a word register', instr: ins('bswap', r('ax')), code: 'E_ASM_OPERANDS' },
    { name: 'xchg two memory operands', instr: ins('xchg', m({ base: 'eax', size: 4 }), m({ base: 'ebx', size: 4 })), code: 'E_ASM_OPERANDS' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.code}`, () => {
      const p = program({ imports: ['write'], data: [bytes('msg', 'x')], code: [block('main', c.instr, ins('ret'))] });
      const res = assemble(p, '', { resolveImport });
      assert.equal(res.image, undefined);
      assert.equal(res.diagnostics.length, 1, JSON.stringify(res.diagnostics));
      const d = res.diagnostics[0]!;
      assert.equal(d.code, c.code, d.message);
      assert.equal(d.severity, 'error');
      assert.equal(d.file, 'test.tal');
      assert.deepEqual([d.line, d.col], [c.instr.loc.line, c.instr.loc.col]);
      assert.equal(d.instruction, c.instr.text);
    });
  }

  it('loop out of rel8 range is an error at the loop', () => {
    const far: Operand = l('top');
    const loop = ins('loop', far);
    const p = program({ code: [block('main', ins('ret')), block('top', ...Array.from({ length: 30 }, () => ins('mov', r('eax'), i(0x12345678))), loop)] });
    const res = assemble(p, '', { resolveImport });
    assert.deepEqual(
      res.diagnostics.map((d) => [d.code, d.line]),
      [['E_ASM_BRANCH_RANGE', loop.loc.line]],
    );
  });

  it('reports every bad instruction, not only the first', () => {
    const a = ins('bogus');
    const b = ins('mov', r('eax'), l('nowhere'));
    const res = assemble(program({ code: [block('main', a, ins('ret'), b)] }), '', { resolveImport });
    assert.deepEqual(
      res.diagnostics.map((d) => [d.code, d.line]),
      [
        ['E_ASM_UNKNOWN_MNEMONIC', a.loc.line],
        ['E_ASM_UNKNOWN_LABEL', b.loc.line],
      ],
    );
  });
});

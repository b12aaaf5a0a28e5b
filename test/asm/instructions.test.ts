// The instruction table (tal/instructions.ts) is the one list of forms TAL checks and assembles.
// Hostile side: a form the assembler encodes but the checker never types — or the reverse —
// must be impossible. Both sides are enumerated: every mnemonic × every operand shape goes
// through the checker's and the encoder's front doors, which must agree on the form; every row
// is typed by the checker in a program (never refused for its shape) and has a judgment and an
// iced-x86 encoding; the list in docs/tal.md is the table, form by form.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Code } from 'iced-x86';
import type { MachineInstr, MemOperand, Operand } from '../../tal/ast.js';
import { encodeInstr } from '../../tal/asm/encode.js';
import { checkSource } from '../../tal/check-source.js';
import { CheckError } from '../../tal/check/errors.js';
import { RULES, ruleFor } from '../../tal/check/rules.js';
import { classify } from '../../tal/classify.js';
import { CONDITIONS } from '../../tal/conditions.js';
import { formatDiagnostic } from '../../tal/diagnostics.js';
import { FORMS, MNEMONICS } from '../../tal/instructions.js';
import { instancesOf } from './forms.js';

const at = { line: 1, col: 1 };
const mk = (mnemonic: string, operands: Operand[]): MachineInstr => ({
  kind: 'machine',
  mnemonic,
  operands,
  loc: at,
  text: `${mnemonic} ${operands.map((o) => JSON.stringify(o)).join(', ')}`,
});
const mem = (size?: 1 | 2 | 4): MemOperand =>
  size === undefined ? { kind: 'mem', base: 'esi', scale: 1, disp: 8 } : { kind: 'mem', base: 'esi', scale: 1, disp: 8, size };

/** Operand shapes to enumerate: registers of each width (the fixed ones too), memory of each size and none, immediates at each boundary, a label. */
const POOL: Operand[] = [
  { kind: 'reg', reg: 'eax' },
  { kind: 'reg', reg: 'ebx' },
  { kind: 'reg', reg: 'esp' },
  { kind: 'reg', reg: 'ax' },
  { kind: 'reg', reg: 'bx' },
  { kind: 'reg', reg: 'al' },
  { kind: 'reg', reg: 'cl' },
  { kind: 'reg', reg: 'bh' },
  mem(1),
  mem(2),
  mem(4),
  mem(),
  { kind: 'imm', value: 1 },
  { kind: 'imm', value: -1 },
  { kind: 'imm', value: 200 },
  { kind: 'imm', value: 0x9000 },
  { kind: 'imm', value: 0x12345678 },
  { kind: 'imm', value: 2 ** 32 },
  { kind: 'label', name: 'code' },
];
const SMALL: Operand[] = [POOL[0]!, POOL[3]!, POOL[6]!, POOL[10]!, POOL[11]!, POOL[12]!, POOL[16]!, POOL[18]!];

function* shapes(): Generator<Operand[]> {
  yield [];
  for (const a of POOL) yield [a];
  for (const a of POOL) for (const b of POOL) yield [a, b];
  for (const a of SMALL) for (const b of SMALL) for (const c of SMALL) yield [a, b, c];
}

const symbols = { kindOf: (n: string) => (n === 'code' ? ('code' as const) : undefined) };

describe('the instruction table', () => {
  it('names a judgment and an iced-x86 encoding for every row, and no form twice', () => {
    const names = FORMS.map((f) => f.name);
    assert.deepEqual(
      names.filter((n, k) => names.indexOf(n) !== k),
      [],
    );
    for (const f of FORMS) {
      assert.equal(typeof RULES[f.rule], 'function', f.name);
      const codes = 'code' in f.encoding ? [f.encoding.code] : [f.encoding.short, f.encoding.near].filter((c) => c !== undefined);
      assert.ok(codes.length > 0, f.name);
      for (const c of codes) assert.equal(typeof (Code as unknown as Record<string, unknown>)[c!], 'number', `${f.name}: iced-x86 has no Code.${c}`);
    }
  });

  it('says where every row reads and writes memory, and only where it has a memory operand', () => {
    for (const f of FORMS) {
      const rm = f.operands.findIndex((k) => k === 'r/m8' || k === 'r/m32' || k === 'm');
      if (rm < 0) assert.equal(f.memory, 'none', f.name);
      else assert.notEqual(f.memory, 'none', `${f.name}: an r/m operand that is neither read nor written`);
      for (const p of [...f.reads, ...f.writes]) assert.ok(p < f.operands.length, f.name);
    }
  });

  it('is met by the same front door in the checker and the encoder: every shape of every mnemonic gets the same form or is refused by both', () => {
    const disagree: string[] = [];
    let accepted = 0;
    let refused = 0;
    for (const m of [...MNEMONICS, 'sal', 'cmpxchg', 'xadd', 'movsd', 'enter', 'pushad']) {
      for (const ops of shapes()) {
        const ins = mk(m, ops);
        let checked: string | undefined;
        try {
          checked = ruleFor(ins).form.name;
        } catch (e) {
          if (!(e instanceof CheckError) || !['E_UNSUPPORTED', 'E_OPERANDS', 'E_OPERAND', 'E_STACK_ALIAS', 'E_JUMP_TARGET'].includes(e.code)) throw e;
        }
        const r = encodeInstr(ins, symbols, 'x.tal');
        if (r.ok && r.encoded.kind === 'fixed') r.encoded.instr.free();
        const encoded = r.ok ? classify(ins) : undefined;
        const encodedName = encoded?.ok === true ? encoded.form.name : undefined;
        if (r.ok && encodedName === undefined) disagree.push(`${ins.text}: encoded without a form`);
        if (checked !== encodedName)
          disagree.push(`${ins.text}: checker ${checked ?? 'refuses'}, encoder ${encodedName ?? `refuses (${r.ok ? '' : r.diagnostic.code})`}`);
        if (checked === undefined) refused++;
        else accepted++;
      }
    }
    assert.deepEqual(disagree.slice(0, 20), [], `${disagree.length} disagreements`);
    assert.ok(accepted > 1500 && refused > 50000, `${accepted} accepted, ${refused} refused`);
  });

  it('hands the checker each memory operand with the size its row encodes, also where the source leaves it out', () => {
    let unsized = 0;
    for (const f of FORMS) {
      for (const x of instancesOf(f)) {
        const c = classify(x);
        assert.ok(c.ok && c.form === f);
        const rules = ruleFor(x);
        assert.deepEqual(rules.ins, c.ins);
        f.operands.forEach((k, i) => {
          const op = c.ins.operands[i]!;
          if (op.kind !== 'mem' || k === 'm') return;
          if ((x.operands[i] as MemOperand).size === undefined) unsized++;
          assert.equal(op.size, k === 'r/m8' ? 1 : 4, `${f.name}: ${x.text}`);
        });
      }
    }
    assert.ok(unsized > 100, `${unsized} instances without a size prefix`);
  });

  it('refuses a form outside it in the checker with E_UNSUPPORTED naming the mnemonic and form', () => {
    const cases: [string, Operand[], RegExp][] = [
      ['mov', [mem(4), mem(4)], /mov m32, m32/],
      ['pop', [mem(4)], /pop m32/],
      [
        'imul',
        [
          { kind: 'reg', reg: 'ax' },
          { kind: 'reg', reg: 'bx' },
        ],
        /imul r16, r16/,
      ],
      [
        'add',
        [
          { kind: 'imm', value: 1 },
          { kind: 'reg', reg: 'eax' },
        ],
        /add imm, r32/,
      ],
      [
        'shl',
        [
          { kind: 'reg', reg: 'eax' },
          { kind: 'reg', reg: 'bl' },
        ],
        /shl r32, r8/,
      ],
    ];
    for (const [m, ops, name] of cases) {
      assert.throws(
        () => ruleFor(mk(m, ops)),
        (e: unknown) => e instanceof CheckError && e.code === 'E_UNSUPPORTED' && name.test(e.message),
        m,
      );
      const r = encodeInstr(mk(m, ops), symbols, 'x.tal');
      assert.ok(!r.ok && r.diagnostic.code === 'E_ASM_OPERANDS', m);
    }
    for (const m of ['sal', 'cmpxchg', 'xadd', 'movsd', 'enter']) {
      const ins = mk(m, [
        { kind: 'reg', reg: 'eax' },
        { kind: 'imm', value: 1 },
      ]);
      assert.throws(
        () => ruleFor(ins),
        (e: unknown) => e instanceof CheckError && e.code === 'E_UNSUPPORTED',
        m,
      );
      const r = encodeInstr(ins, symbols, 'x.tal');
      assert.ok(!r.ok && r.diagnostic.code === 'E_ASM_UNKNOWN_MNEMONIC', m);
    }
  });

  it('refuses the wrong number of operands with E_OPERANDS before any rule runs', () => {
    assert.throws(
      () => ruleFor(mk('add', [{ kind: 'reg', reg: 'eax' }])),
      (e: unknown) => e instanceof CheckError && e.code === 'E_OPERANDS',
    );
    assert.throws(
      () => ruleFor(mk('bswap', [mem(4)])),
      (e: unknown) => e instanceof CheckError && e.code === 'E_UNSUPPORTED',
    );
  });

  it('is the list in docs/tal.md, "Instructions", form by form', () => {
    const doc = readFileSync(new URL('../../../docs/tal.md', import.meta.url), 'utf8');
    const section = /<!-- forms: begin -->([\s\S]*?)<!-- forms: end -->/.exec(doc);
    assert.ok(section !== null, 'docs/tal.md has no forms list');
    const listed = [...section[1]!.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    // The condition families are listed once, as jcc, setcc and cmovcc: every alias has the same forms.
    const family = (name: string): string =>
      name.replace(/^(j|set|cmov)([a-z]+)/, (w, p: string, cc: string) => (Object.hasOwn(CONDITIONS, cc) ? `${p}cc` : w));
    assert.deepEqual(listed, [...new Set(FORMS.map((f) => family(f.name)))]);
  });
});

// A program in which every register holds an int, ESI a word array and EDI a byte array: the
// instances of each row are checked in it, and none may be refused for its shape. (Memory operands
// at arbitrary addresses are refused for their bounds — that is typing, not the form.)
const SHAPE_CODES = new Set(['E_UNSUPPORTED', 'E_OPERANDS', 'E_OPERAND', 'E_SYNTAX']);

function programWith(instr: string): string {
  return `.data
arr: .bytes [16]
warr: .words 1, 2, 3, 4
tup: .tuple 7, 8
.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
        xor eax, eax
        xor ecx, ecx
        xor edx, edx
        xor ebx, ebx
        xor esi, esi
        xor edi, edi
        xor ebp, ebp
        ${instr}
        xor eax, eax
        ret
back: forall s:stack. code {ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
        xor eax, eax
        ret
`;
}

/** An instance as source text (the parser's input), from the AST the generator built. */
function source(x: MachineInstr): string {
  const op = (o: Operand): string => {
    switch (o.kind) {
      case 'reg':
        return o.reg;
      case 'imm':
        return String(o.value);
      case 'label':
        return o.name;
      case 'mem': {
        const parts = [o.label, o.base, o.index === undefined ? undefined : `${o.index}*${o.scale}`].filter((p) => p !== undefined);
        const disp =
          o.disp === 0 && parts.length > 0
            ? ''
            : `${parts.length > 0 && o.disp >= 0 ? ' + ' : parts.length > 0 ? ' - ' : ''}${parts.length > 0 ? Math.abs(o.disp) : o.disp}`;
        const size = o.size === undefined ? '' : `${{ 1: 'byte', 2: 'word', 4: 'dword' }[o.size]} `;
        return `${size}[${parts.join(' + ')}${disp}]`;
      }
    }
  };
  return `${x.mnemonic} ${x.operands.map(op).join(', ')}`;
}

/** Rows whose instances cannot stand in the middle of the program above: control transfers, checked as its end. */
const CONTROL: Readonly<Record<string, string>> = {
  'jmp rel': 'jmp back',
  'jmp r/m32': 'mov ecx, back\n        jmp ecx',
  'call rel32': 'call back\n        xor eax, eax\n        ret',
  'call r/m32': 'mov ecx, back\n        call ecx\n        xor eax, eax\n        ret',
  ret: 'xor eax, eax\n        ret',
  'ret imm16': 'xor eax, eax\n        ret 0',
  'loop rel8': 'loop back\n        xor eax, eax\n        ret',
  'jecxz rel8': 'jecxz back\n        xor eax, eax\n        ret',
};

describe('every row of the instruction table is typed by the checker', () => {
  for (const f of FORMS) {
    it(f.name, () => {
      const control = CONTROL[f.name] ?? (f.rule === 'jcc' ? `${f.mnemonic} back\n        xor eax, eax\n        ret` : undefined);
      // Instances addressing the program's data (typed addresses) first, then the others.
      const typed = (x: MachineInstr): number => (x.operands.some((o) => o.kind === 'mem' && o.label !== undefined) ? 0 : 1);
      const stack = f.esp === 'push' ? '\n        add esp, 4' : '';
      const texts =
        control !== undefined
          ? [control]
          : instancesOf(f)
              .sort((a, b) => typed(a) - typed(b))
              .slice(0, 16)
              .map((x) => (f.esp === 'pop' ? `push eax\n        ${source(x)}` : source(x) + stack));
      assert.ok(texts.length > 0);
      let accepted = 0;
      for (const text of texts) {
        const src =
          control !== undefined ? programWith('').replace('        \n        xor eax, eax\n        ret\nback', `        ${text}\nback`) : programWith(text);
        const out = checkSource(src, `${f.mnemonic}.tal`);
        const shape = out.diagnostics.filter((d) => SHAPE_CODES.has(d.code));
        assert.deepEqual(shape.map(formatDiagnostic), [], text);
        if (out.diagnostics.length === 0) accepted++;
      }
      assert.ok(
        accepted > 0,
        `no instance of ${f.name} is accepted: ${texts[0]}: ${checkSource(programWith(texts[0]!), 'x.tal').diagnostics.map(formatDiagnostic).join('; ')}`,
      );
    });
  }
});

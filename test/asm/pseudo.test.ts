// The trusted allocation sequences, executed on the host for every destination and
// length register: the result is old heap_next (+4 for arrays), the length word is
// written, heap_next advances by the rounded size, and no other register changes.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CodeBlock, Instr, PseudoInstr } from '../../tal/ast.js';
import { writeElf } from '../../tal/asm/elf.js';
import { spawnI386Sync } from '../../tal/host-i386.js';
import type { Reg32 } from '../../tal/types.js';
import { block, i, ins, l, m, malloc, newarray, program, r, tuple } from './build.js';
import { assembleOk } from './samples.js';

const GENERAL: Reg32[] = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'];
const sentinel = (reg: Reg32): number => 0x51000000 + GENERAL.indexOf(reg) * 0x1111;
const HEAP_NEXT = m({ label: '<heap_next>', size: 4 });

interface Case {
  alloc: PseudoInstr;
  dst: Reg32;
  length?: { reg?: Reg32; n: number };
  /** bytes heap_next must advance by */
  size: number;
  /** result - old heap_next */
  offset: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const dst of GENERAL) {
    for (const fields of [0, 1, 3]) out.push({ alloc: malloc(dst, fields), dst, size: fields * 4, offset: 0 });
    for (const [elem, n] of [
      ['byte', 0],
      ['byte', 5],
      ['word', 3],
    ] as const) {
      out.push({ alloc: newarray(dst, elem, n), dst, length: { n }, size: Math.ceil((4 + n * (elem === 'byte' ? 1 : 4)) / 4) * 4, offset: 4 });
    }
    for (const len of GENERAL.filter((x) => x !== dst)) {
      for (const [elem, n] of [
        ['byte', 7],
        ['word', 2],
        ['byte', 0],
      ] as const) {
        out.push({ alloc: newarray(dst, elem, len), dst, length: { reg: len, n }, size: Math.ceil((4 + n * (elem === 'byte' ? 1 : 4)) / 4) * 4, offset: 4 });
      }
    }
  }
  return out;
}

/** One block per case; any failed check returns the case number (1-based) as the exit status. */
function caseBlocks(c: Case, k: number): CodeBlock[] {
  const fail = `fail${k}`;
  const body: Instr[] = [
    ins('mov', r('eax'), HEAP_NEXT),
    ins('mov', m({ label: 'saved', size: 4 }), r('eax')),
    ins('mov', m({ label: 'saved', disp: 4, size: 4 }), r('esp')),
    ...GENERAL.map((reg) => ins('mov', r(reg), i(reg === c.length?.reg ? c.length.n : sentinel(reg)))),
    c.alloc,
  ];
  for (const reg of GENERAL.filter((x) => x !== c.dst))
    body.push(ins('cmp', r(reg), i(reg === c.length?.reg ? c.length.n : sentinel(reg))), ins('jne', l(fail)));
  body.push(
    ins('cmp', r('esp'), m({ label: 'saved', disp: 4, size: 4 })),
    ins('jne', l(fail)),
    ins('test', r(c.dst), i(3)),
    ins('jne', l(fail)),
    ins('sub', r(c.dst), i(c.offset)),
    ins('cmp', r(c.dst), m({ label: 'saved', size: 4 })),
    ins('jne', l(fail)),
  );
  if (c.length !== undefined) body.push(ins('cmp', m({ base: c.dst, size: 4 }), i(c.length.n)), ins('jne', l(fail)));
  body.push(
    ins('mov', r(c.dst), HEAP_NEXT),
    ins('sub', r(c.dst), m({ label: 'saved', size: 4 })),
    ins('cmp', r(c.dst), i(c.size)),
    ins('jne', l(fail)),
    ins('jmp', l(`case${k + 1}`)),
  );
  return [block(`case${k}`, ...body), block(fail, ins('mov', r('eax'), i(k)), ins('ret'))];
}

describe('malloc/newarray expansions', () => {
  it('hold their contract for every register combination (run on the host)', () => {
    const all = cases();
    assert.ok(all.length > 150 && all.length < 256, 'case numbers must fit in an exit status');
    const blocks = all.flatMap((c, k) => caseBlocks(c, k + 1));
    const p = program({
      data: [tuple('saved', [0, 0])],
      code: [block('main', ins('jmp', l('case1'))), ...blocks, block(`case${all.length + 1}`, ins('xor', r('eax'), r('eax')), ins('ret'))],
    });
    const dir = mkdtempSync(join(tmpdir(), 'tal-pseudo-'));
    try {
      const file = join(dir, 'pseudo');
      writeFileSync(file, writeElf(assembleOk(p), { trap: 'int80' }));
      chmodSync(file, 0o755);
      const res = spawnI386Sync(file, [], { timeout: 60_000 });
      const failed = res.status === 0 ? undefined : all[res.status! - 1];
      assert.equal(res.status, 0, failed === undefined ? `status ${res.status}` : `case ${res.status}: ${failed.alloc.text}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The independent side of the differential test: GNU objdump decodes our bytes,
// and this file renders what objdump must print for each source instruction,
// from the Intel SDM's meaning of the instruction (not from iced-x86). Its register
// widths and condition aliases are written out again on purpose, not imported from
// tal/classify.ts and tal/conditions.ts: a wrong entry there must show up here.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MachineInstr, MemOperand, Operand, Reg } from '../../tal/ast.js';

export interface ObjdumpLine {
  offset: number;
  hex: string;
  text: string;
}

/** Disassembles raw 32-bit code with `objdump -D -b binary -m i386 -M intel`. */
export function objdump(code: Uint8Array): ObjdumpLine[] {
  const dir = mkdtempSync(join(tmpdir(), 'tal-objdump-'));
  try {
    const file = join(dir, 'code.bin');
    writeFileSync(file, code);
    const out = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386', '-M', 'intel', '--insn-width=16', file], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    const lines: ObjdumpLine[] = [];
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/.exec(line);
      if (m !== null) lines.push({ offset: parseInt(m[1]!, 16), hex: m[2]!.replace(/ /g, ''), text: m[3]!.replace(/\s+/g, ' ').trim() });
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Condition-code aliases (Intel SDM Jcc/SETcc/CMOVcc tables) → the name objdump prints. */
const CANONICAL_CC: Readonly<Record<string, string>> = {
  e: 'e',
  z: 'e',
  ne: 'ne',
  nz: 'ne',
  b: 'b',
  c: 'b',
  nae: 'b',
  ae: 'ae',
  nb: 'ae',
  nc: 'ae',
  be: 'be',
  na: 'be',
  a: 'a',
  nbe: 'a',
  l: 'l',
  nge: 'l',
  ge: 'ge',
  nl: 'ge',
  le: 'le',
  ng: 'le',
  g: 'g',
  nle: 'g',
  s: 's',
  ns: 'ns',
  o: 'o',
  no: 'no',
  p: 'p',
  pe: 'p',
  np: 'np',
  po: 'np',
};

const WIDTH: Readonly<Record<string, 8 | 16 | 32>> = {
  al: 8,
  cl: 8,
  dl: 8,
  bl: 8,
  ah: 8,
  ch: 8,
  dh: 8,
  bh: 8,
  ax: 16,
  cx: 16,
  dx: 16,
  bx: 16,
  sp: 16,
  bp: 16,
  si: 16,
  di: 16,
  eax: 32,
  ecx: 32,
  edx: 32,
  ebx: 32,
  esp: 32,
  ebp: 32,
  esi: 32,
  edi: 32,
};

export function regWidth(reg: Reg): 8 | 16 | 32 {
  return WIDTH[reg]!;
}

function hex(n: number): string {
  return `${n < 0 ? '-' : ''}0x${Math.abs(n).toString(16)}`;
}

function unsigned(v: number, w: number): number {
  const bits = 2 ** w;
  return ((v % bits) + bits) % bits;
}

function signed32(v: number): number {
  return unsigned(v, 32) | 0;
}

const PTR: Readonly<Record<number, string>> = { 8: 'BYTE PTR ', 16: 'WORD PTR ', 32: 'DWORD PTR ' };

/** objdump's rendering of a memory operand; `width` undefined for lea (no size keyword). */
function memText(m: MemOperand, labelValue: (name: string) => number, width: number | undefined): string {
  const disp = signed32((m.label === undefined ? 0 : labelValue(m.label)) + m.disp);
  const size = width === undefined ? '' : PTR[width]!;
  if (m.base === undefined && m.index === undefined) return `${size}ds:${hex(unsigned(disp, 32))}`;
  const parts: string[] = [];
  if (m.base !== undefined) parts.push(m.base);
  if (m.index !== undefined) parts.push(`${m.index}*${m.scale}`);
  // x86 needs a displacement field with EBP as base or with no base, and we force disp32 for labels:
  // objdump prints that field even when it is zero.
  const hasField = disp !== 0 || m.label !== undefined || m.base === 'ebp' || m.base === undefined;
  let inner = parts.join('+');
  if (hasField) inner += disp < 0 ? `-${hex(-disp)}` : `+${hex(disp)}`;
  return `${size}[${inner}]`;
}

/**
 * What objdump prints for `mi`. Label values are section offsets (the image before relocation);
 * import calls have rel32 = 0, so they print as a call to the next instruction (`nextOffset`).
 */
export function expectedText(mi: MachineInstr, labelValue: (name: string) => number, isImport: (name: string) => boolean, nextOffset: number): string[] {
  const m = mi.mnemonic;
  const ops = mi.operands;
  const widthOf = (op: Operand): number | undefined =>
    op.kind === 'reg' ? regWidth(op.reg) : op.kind === 'mem' ? (op.size === undefined ? undefined : op.size * 8) : undefined;
  // The width an instruction operates on, from whichever operand says it.
  const opWidth = ops.map(widthOf).find((w) => w !== undefined) ?? 32;
  const render = (op: Operand, width: number, memWidth: number | undefined = width): string => {
    switch (op.kind) {
      case 'reg':
        return op.reg;
      case 'imm':
        return hex(unsigned(op.value, width));
      case 'label':
        return hex(labelValue(op.name));
      case 'mem':
        return memText(op, labelValue, memWidth);
    }
  };
  const join = (name: string, parts: string[]): string => (parts.length === 0 ? name : `${name} ${parts.join(',')}`);

  for (const [prefix, name] of [
    ['cmov', 'cmov'],
    ['set', 'set'],
    ['j', 'j'],
  ] as const) {
    const cc = m.startsWith(prefix) ? CANONICAL_CC[m.slice(prefix.length)] : undefined;
    if (cc === undefined) continue;
    if (prefix === 'j') return [join(`j${cc}`, [render(ops[0]!, 32)])];
    if (prefix === 'set') return [join(`set${cc}`, [render(ops[0]!, 8)])];
    const w = widthOf(ops[0]!)!;
    return [join(`${name}${cc}`, [render(ops[0]!, w), render(ops[1]!, w)])];
  }
  switch (m) {
    case 'lea':
      return [join('lea', [render(ops[0]!, 32), memText(ops[1] as MemOperand, labelValue, undefined)])];
    case 'movzx':
    case 'movsx': {
      const dst = widthOf(ops[0]!)!;
      return [join(m, [render(ops[0]!, dst), render(ops[1]!, widthOf(ops[1]!)!)])];
    }
    case 'imul': {
      if (ops.length === 2 && ops[1]!.kind === 'imm') return [join('imul', [render(ops[0]!, opWidth), render(ops[0]!, opWidth), render(ops[1]!, opWidth)])];
      return [
        join(
          'imul',
          ops.map((o) => render(o, opWidth)),
        ),
      ];
    }
    case 'shl':
    case 'shr':
    case 'sar':
    case 'rol':
    case 'ror':
    case 'rcl':
    case 'rcr': {
      const count = ops[1]!;
      const c = count.kind === 'imm' ? (count.value === 1 ? '1' : hex(count.value)) : render(count, 8);
      return [join(m, [render(ops[0]!, opWidth), c])];
    }
    case 'shld':
    case 'shrd': {
      const count = ops[2]!;
      return [join(m, [render(ops[0]!, opWidth), render(ops[1]!, opWidth), count.kind === 'imm' ? hex(count.value) : 'cl'])];
    }
    case 'test':
    case 'xchg': {
      // Symmetric: objdump shows the r/m operand first; either order is the same instruction.
      const a = render(ops[0]!, opWidth);
      const b = render(ops[1]!, opWidth);
      return [join(m, [a, b]), join(m, [b, a])];
    }
    case 'ret':
      return [
        join(
          'ret',
          ops.map((o) => render(o, 16)),
        ),
      ];
    case 'call':
    case 'jmp':
    case 'loop':
    case 'jecxz': {
      const op = ops[0]!;
      if (op.kind === 'label') return [join(m, [hex(isImport(op.name) ? nextOffset : labelValue(op.name))])];
      return [join(m, [render(op, 32)])];
    }
    case 'push':
      return [join('push', [render(ops[0]!, 32)])];
    case 'nop':
    case 'cdq':
    case 'cwde':
    case 'cbw':
    case 'cwd':
    case 'rdtsc':
      return [m];
    default:
      return [
        join(
          m,
          ops.map((o) => render(o, opWidth)),
        ),
      ];
  }
}

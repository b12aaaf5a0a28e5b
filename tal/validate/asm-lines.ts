// The instrumentation's own assembly lines → syntax-tree instructions, without
// going through the TAL tokenizer: the lines are few shapes this module writes
// itself (`op a, b` with registers, numbers, labels and `[base + index*s + disp]`
// addresses), and a large program has tens of thousands of them.

import type { MachineInstr, MemOperand, Operand, Reg, SourceLoc } from '../ast.js';
import { isRegisterName } from '../parser.js';
import type { Reg32 } from '../types.js';

export type AsmItem = { label: string } | MachineInstr;

function operand(text: string, rename: ReadonlyMap<string, string>): Operand {
  let t = text.trim();
  let size: 1 | 2 | 4 | undefined;
  const prefix = /^(byte|word|dword)\s+/.exec(t);
  if (prefix !== null) {
    size = prefix[1] === 'byte' ? 1 : prefix[1] === 'word' ? 2 : 4;
    t = t.slice(prefix[0].length);
  }
  if (t.startsWith('[')) {
    const m: MemOperand = { kind: 'mem', scale: 1, disp: 0 };
    if (size !== undefined) m.size = size;
    const inner = t.slice(1, -1).replace(/\s+/g, '').replace(/-/g, '+-');
    for (const term of inner.split('+').filter((x) => x !== '')) {
      const scaled = /^(\w+)\*(\d)$/.exec(term);
      if (scaled !== null) {
        m.index = scaled[1] as Reg32;
        m.scale = Number(scaled[2]) as 1 | 2 | 4 | 8;
      } else if (/^-?\d+$/.test(term)) m.disp += Number(term);
      else if (isRegisterName(term)) {
        if (m.base === undefined) m.base = term as Reg32;
        else m.index = term as Reg32;
      } else m.label = rename.get(term) ?? term;
    }
    return m;
  }
  if (isRegisterName(t)) return { kind: 'reg', reg: t as Reg };
  if (/^-?\d+$/.test(t)) return { kind: 'imm', value: Number(t) };
  return { kind: 'label', name: rename.get(t) ?? t };
}

/** Lines as the Emitter writes them: `name:` or an indented instruction. */
export function parseAsmLines(lines: readonly string[], loc: SourceLoc, rename: ReadonlyMap<string, string>): AsmItem[] {
  return lines.map((line) => {
    const text = line.trim();
    if (text.endsWith(':')) return { label: text.slice(0, -1) };
    const space = text.indexOf(' ');
    const mnemonic = space < 0 ? text : text.slice(0, space);
    const rest = space < 0 ? '' : text.slice(space + 1);
    const operands = rest === '' ? [] : splitOperands(rest).map((o) => operand(o, rename));
    return { kind: 'machine', mnemonic, operands, loc, text };
  });
}

function splitOperands(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

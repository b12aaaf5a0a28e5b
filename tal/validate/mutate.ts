// Mutations of real programs (the examples and the accept corpus): small edits
// to instruction lines. Most mutants are rejected; the ones the checker still
// accepts are programs nobody wrote on purpose, near the edge of a rule, and
// each is validated like a generated one.

import type { Rng } from './generator.js';

const JCC = ['jb', 'jae', 'jbe', 'ja', 'je', 'jne', 'jl', 'jge', 'jle', 'jg', 'js', 'jns', 'jz', 'jnz', 'jc', 'jnc'];
const REGS = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'];

/** Instruction lines of the code section (indented, not comments, not directives). */
function instructionLines(lines: string[]): number[] {
  const out: number[] = [];
  let code = false;
  lines.forEach((l, i) => {
    const t = l.trim();
    if (t === '.code') code = true;
    else if (t === '.data') code = false;
    else if (code && /^\s/.test(l) && t !== '' && !t.startsWith(';') && !t.startsWith('.') && !t.endsWith(':') && /^[a-z]/.test(t)) out.push(i);
  });
  return out;
}

const MUTATIONS: readonly ((lines: string[], at: number, rng: Rng) => string[] | undefined)[] = [
  // a number changed
  (lines, at, rng) => {
    const l = lines[at]!.replace(/;.*$/, '');
    const nums = [...l.matchAll(/\b\d+\b/g)];
    if (nums.length === 0) return undefined;
    const m = rng.pick(nums);
    const v = Number(m[0]);
    const nv = rng.pick([v + 1, v - 1, v * 2, 0, 1, 4, v + 4, 255, 4096, 0xffffffff]);
    return replaceLine(lines, at, l.slice(0, m.index) + String(nv >>> 0) + l.slice(m.index! + m[0].length));
  },
  // a condition changed
  (lines, at, rng) => {
    const l = lines[at]!;
    const m = /^(\s*)(j[a-z]+)\b/.exec(l);
    if (m === null || !JCC.includes(m[2]!)) return undefined;
    return replaceLine(lines, at, l.replace(m[2]!, rng.pick(JCC)));
  },
  // a register changed
  (lines, at, rng) => {
    const l = lines[at]!.replace(/;.*$/, '');
    const regs = [...l.matchAll(/\b(eax|ebx|ecx|edx|esi|edi|ebp)\b/g)];
    if (regs.length === 0) return undefined;
    const m = rng.pick(regs);
    return replaceLine(lines, at, l.slice(0, m.index) + rng.pick(REGS) + l.slice(m.index! + m[0].length));
  },
  // a line deleted
  (lines, at) => [...lines.slice(0, at), ...lines.slice(at + 1)],
  // a line duplicated
  (lines, at) => [...lines.slice(0, at + 1), lines[at]!, ...lines.slice(at + 1)],
  // two adjacent lines swapped
  (lines, at) => {
    if (at + 1 >= lines.length) return undefined;
    const out = lines.slice();
    [out[at], out[at + 1]] = [out[at + 1]!, out[at]!];
    return out;
  },
];

function replaceLine(lines: string[], at: number, text: string): string[] {
  const out = lines.slice();
  out[at] = text;
  return out;
}

/** One to three random edits of instruction lines; undefined if the source has none. */
export function mutate(source: string, rng: Rng): string | undefined {
  let lines = source.split('\n');
  const n = rng.int(1, 3);
  let changed = false;
  for (let k = 0; k < n; k++) {
    const at = instructionLines(lines);
    if (at.length === 0) break;
    const next = rng.pick(MUTATIONS)(lines, rng.pick(at), rng);
    if (next !== undefined) {
      lines = next;
      changed = true;
    }
  }
  return changed ? lines.join('\n') : undefined;
}

/** Removes instruction lines one at a time while `keep` still holds (a violation reproducer, made small). */
export async function minimize(source: string, keep: (s: string) => Promise<boolean>, maxTries = 300): Promise<string> {
  let lines = source.split('\n');
  let tries = 0;
  let progress = true;
  while (progress && tries < maxTries) {
    progress = false;
    const at = instructionLines(lines).reverse();
    for (const i of at) {
      if (tries++ >= maxTries) break;
      const candidate = [...lines.slice(0, i), ...lines.slice(i + 1)];
      if (await keep(candidate.join('\n'))) {
        lines = candidate;
        progress = true;
      }
    }
  }
  // comments and blank lines say nothing about the bug
  return `${lines.filter((l) => l.trim() !== '' && !l.trim().startsWith(';')).join('\n')}\n`;
}

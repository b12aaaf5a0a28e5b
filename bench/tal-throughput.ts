// npm run bench:tal — checker and assembler throughput on a generated program
// of about 100,000 instructions (goal: ≥ 1M instructions/s checked).
// A benchmark, not a test: it prints a table and asserts nothing.

import { assemble } from '../tal/asm/assemble.js';
import { resolveImport } from '../tal/build.js';
import { checkProgram } from '../tal/check/checker.js';
import { parseProgram } from '../tal/parser.js';

/** One callable routine: a bounds-checked loop over an array, arithmetic, a call and a return. */
function routine(i: number): string {
  return `
r${i}: forall s:stack. code {ESI: words(16, int), ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
        mov ecx, [esi-4]
        xor eax, eax
        xor edi, edi
.loop:
        cmp edi, ecx
        jae .done
        mov edx, [esi + edi*4]
        add eax, edx
        imul edx, edx, 3
        and edx, 15
        mov ebx, [esi + edx*4]
        xor eax, ebx
        shl eax, 1
        inc edi
        jmp .loop
.done:
        push eax
        mov eax, ${i}
        add eax, 7
        pop eax
        ret
`;
}

function program(routines: number): string {
  const calls: string[] = [];
  for (let i = 0; i < routines; i++) calls.push(`        mov esi, table\n        call r${i}`);
  return `.import write
.data
table: .words [16]
.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
${calls.join('\n')}
        xor eax, eax
        ret
${Array.from({ length: routines }, (_, i) => routine(i)).join('')}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const source = program(4800);
const runs = 5;
const parseMs: number[] = [];
const checkMs: number[] = [];
const asmMs: number[] = [];
let instructions = 0;
for (let r = 0; r < runs; r++) {
  let t = performance.now();
  const p = parseProgram(source, 'generated.tal');
  parseMs.push(performance.now() - t);
  t = performance.now();
  const c = checkProgram(p);
  checkMs.push(performance.now() - t);
  if (c.diagnostics.some((d) => d.severity === 'error')) throw new Error(`generated program rejected: ${c.diagnostics[0]!.message}`);
  instructions = c.stats.instructions;
  t = performance.now();
  const a = assemble(p, source, { resolveImport });
  asmMs.push(performance.now() - t);
  if (a.image === undefined) throw new Error(`generated program did not assemble: ${a.diagnostics[0]?.message}`);
}

const rate = (ms: number): string => `${((instructions / ms) * 1000 / 1e6).toFixed(2)} M instr/s`;
const rows = [
  ['phase', 'median ms', 'throughput'],
  ['parse', median(parseMs).toFixed(1), rate(median(parseMs))],
  ['check', median(checkMs).toFixed(1), rate(median(checkMs))],
  ['assemble', median(asmMs).toFixed(1), rate(median(asmMs))],
];
console.log(`generated program: ${instructions} instructions, ${runs} runs, node ${process.version}`);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(i === 0 ? 10 : 16)).join(''));
console.log(`goal: check >= 1.00 M instr/s — ${median(checkMs) > 0 && instructions / median(checkMs) * 1000 >= 1e6 ? 'met' : 'missed'}`);

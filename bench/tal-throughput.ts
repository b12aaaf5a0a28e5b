// npm run bench:tal — checker and assembler throughput on a generated program
// of about 50,000 instructions (goal: ≥ 1M instructions/s checked; the work limit admits
// about 110,000 of its instructions, loops counted per visit), then the
// checker on adversarial families (bench/tal-adversarial.ts; goal: each checked
// or refused within 1 s and 256 MiB).
// A benchmark, not a test: it prints a table and asserts nothing.

import { assemble } from '../tal/asm/assemble.js';
import { resolveImport } from '../tal/build.js';
import { checkProgram } from '../tal/check/checker.js';
import { LIMITS } from '../tal/check/limits.js';
import { FAMILIES } from './tal-adversarial.js';
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

const source = program(2400);
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

const rate = (ms: number): string => `${(((instructions / ms) * 1000) / 1e6).toFixed(2)} M instr/s`;
const rows = [
  ['phase', 'median ms', 'throughput'],
  ['parse', median(parseMs).toFixed(1), rate(median(parseMs))],
  ['check', median(checkMs).toFixed(1), rate(median(checkMs))],
  ['assemble', median(asmMs).toFixed(1), rate(median(asmMs))],
];
console.log(`generated program: ${instructions} instructions, ${runs} runs, node ${process.version}`);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(i === 0 ? 10 : 16)).join(''));
console.log(`goal: check >= 1.00 M instr/s — ${median(checkMs) > 0 && (instructions / median(checkMs)) * 1000 >= 1e6 ? 'met' : 'missed'}`);

// ---------- a realistic 100k-instruction program with loops (goal: checked and accepted in <= 2 s) ----------
{
  const big = parseProgram(program(4800), 'generated-100k.tal');
  const t = performance.now();
  const c = checkProgram(big);
  const ms = performance.now() - t;
  const error = c.diagnostics.find((d) => d.severity === 'error');
  console.log(
    `\n100k program: ${c.stats.instructions} instructions, check ${ms.toFixed(0)} ms, work ${(c.stats.work / 1e6).toFixed(1)}M: ${error === undefined ? 'accepted' : `refused (${error.code}: ${error.message})`}`,
  );
  console.log(`goal: accepted in <= 2000 ms — ${error === undefined && ms <= 2000 ? 'met' : 'missed'}`);
}

// ---------- adversarial families (tal/check/limits.ts) ----------
// Each must be checked, or refused with E_COMPLEXITY, within 1 s and 256 MiB. Check time only:
// parsing is linear in the source and reported apart.

const rowsA: string[][] = [['family', 'n', 'source', 'parse ms', 'check ms', 'heap MiB', 'work', 'verdict']];
let worstMs = 0;
let worstMiB = 0;
for (const f of FAMILIES) {
  for (const n of f.sizes) {
    const src = f.source(n);
    let t = performance.now();
    const p = parseProgram(src, `${f.name}.tal`);
    const parse = performance.now() - t;
    const heap0 = process.memoryUsage().heapUsed;
    t = performance.now();
    const c = checkProgram(p, { trace: f.trace === true });
    const ms = performance.now() - t;
    const mib = Math.max(0, process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    const error = c.diagnostics.find((d) => d.severity === 'error');
    if (error !== undefined && error.code !== 'E_COMPLEXITY') throw new Error(`${f.name} n=${n}: unexpected ${error.code}: ${error.message}`);
    worstMs = Math.max(worstMs, ms);
    worstMiB = Math.max(worstMiB, mib);
    rowsA.push([
      f.name,
      String(n),
      `${(src.length / 1e6).toFixed(1)} MB`,
      parse.toFixed(0),
      ms.toFixed(0),
      mib.toFixed(0),
      `${(c.stats.work / 1e6).toFixed(1)}M`,
      error === undefined ? 'checked' : `refused: ${error.message.replace(/.*\(limit (\w+).*/, '$1')}`,
    ]);
  }
}
console.log(
  `\nadversarial families (work limit ${(LIMITS.work / 1e6).toFixed(0)}M units; the generated program above used ${(checkProgram(parseProgram(source, 'generated.tal')).stats.work / 1e6).toFixed(1)}M)`,
);
for (const r of rowsA) console.log(r.map((c, i) => c.padEnd([22, 8, 9, 10, 10, 10, 8, 0][i]!)).join(''));
console.log(`process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
console.log(
  `goal: every family checked or refused in <= 1000 ms and <= 256 MiB — worst ${worstMs.toFixed(0)} ms, ${worstMiB.toFixed(0)} MiB: ${worstMs <= 1000 && worstMiB <= 256 ? 'met' : 'missed'}`,
);

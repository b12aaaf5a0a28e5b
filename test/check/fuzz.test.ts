// Robustness: random and mutated programs never crash or hang the parser and
// checker; every outcome is a verdict with well-formed diagnostics. The inputs
// come from a fixed seed, so every run checks the same programs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSource } from '../../tal/check-source.js';
import { loadCorpus, loadExamples } from './corpus.js';

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A hang detector, not a speed goal (the check-time goal is in `npm run bench`, bench/bounds.ts). */
const HANG_MS = 60_000;

/** Checks one input and asserts the result is a well-formed verdict, produced in time. */
function survive(source: string, what: string, trace = false): void {
  const t0 = performance.now();
  let r: ReturnType<typeof checkSource>;
  try {
    r = checkSource(source, 'fuzz.tal', { trace });
  } catch (e) {
    assert.fail(`${what}: checkSource threw ${(e as Error)?.stack ?? String(e)}\n--- input (first 2000 chars) ---\n${source.slice(0, 2000)}`);
  }
  const ms = performance.now() - t0;
  assert.ok(ms < HANG_MS, `${what}: hung for ${ms.toFixed(0)} ms\n--- input (first 2000 chars) ---\n${source.slice(0, 2000)}`);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(r.ok, errors.length === 0, `${what}: ok must mean no errors`);
  for (const d of r.diagnostics) {
    assert.match(d.code, /^[EW]_[A-Z0-9_]+$/, `${what}: code`);
    assert.equal(d.file, 'fuzz.tal');
    assert.ok(Number.isInteger(d.line) && d.line >= 1, `${what}: line ${d.line}`);
    assert.ok(Number.isInteger(d.col) && d.col >= 1, `${what}: col ${d.col}`);
    assert.ok(typeof d.message === 'string' && d.message.length > 0, `${what}: message`);
  }
}

const seeds = [...loadExamples(), ...loadCorpus('accept'), ...loadCorpus('reject')].map((c) => c.source);

const VOCAB = [
  'eax',
  'ebx',
  'ecx',
  'edx',
  'esi',
  'edi',
  'ebp',
  'esp',
  'al',
  'ah',
  'cx',
  'sp',
  'mov',
  'push',
  'pop',
  'call',
  'ret',
  'jmp',
  'jae',
  'jb',
  'jl',
  'cmp',
  'test',
  'add',
  'sub',
  'lea',
  'xchg',
  'int',
  'hlt',
  'malloc',
  'newarray',
  'unpack',
  'pack',
  'coerce',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  ',',
  ':',
  '::',
  '.',
  '*',
  '*[',
  '+',
  '-',
  '|',
  '<',
  '<=',
  '=',
  '^u',
  ';',
  '"',
  "'",
  '0',
  '1',
  '4',
  '-4',
  '0xffffffff',
  '4294967296',
  '99999999999999999999',
  '0b101',
  '0x',
  '1e9',
  'int',
  'S(n)',
  'bytes(n)',
  'words(n, int)',
  'code',
  'forall',
  'exists',
  'sptr',
  'nil',
  'null',
  'argv',
  'size',
  'stack',
  'type',
  '.code',
  '.data',
  '.type',
  '.import',
  '.bytes',
  '.words',
  '.tuple',
  '.entry',
  '.heap',
  '.stack',
  'main',
  'main:',
  '.loop',
  'byte',
  'dword',
  'ptr',
];

function mutate(src: string, r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const lines = src.split('\n');
  const i = Math.floor(r() * lines.length);
  const j = Math.floor(r() * lines.length);
  switch (Math.floor(r() * 10)) {
    case 0: // delete a line
      lines.splice(i, 1);
      break;
    case 1: // duplicate a line
      lines.splice(i, 0, lines[i] ?? '');
      break;
    case 2: // swap two lines
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      break;
    case 3: {
      // replace one token of a line with another token
      const toks = (lines[i] ?? '').split(/(\s+|,)/);
      const k = Math.floor(r() * toks.length);
      toks[k] = pick(VOCAB);
      lines[i] = toks.join('');
      break;
    }
    case 4: {
      // insert a token at a random column
      const l = lines[i] ?? '';
      const c = Math.floor(r() * (l.length + 1));
      lines[i] = `${l.slice(0, c)} ${pick(VOCAB)} ${l.slice(c)}`;
      break;
    }
    case 5: {
      // random bytes (including control characters, non-ASCII and lone surrogates)
      const l = lines[i] ?? '';
      const c = Math.floor(r() * (l.length + 1));
      let junk = '';
      for (let n = 1 + Math.floor(r() * 8); n > 0; n--) junk += String.fromCharCode(Math.floor(r() * (r() < 0.8 ? 128 : 0x10000)));
      lines[i] = l.slice(0, c) + junk + l.slice(c);
      break;
    }
    case 6: // truncate the file
      return src.slice(0, Math.floor(r() * src.length));
    case 7: {
      // delete a character range
      const a = Math.floor(r() * src.length);
      return src.slice(0, a) + src.slice(a + Math.floor(r() * 20));
    }
    case 8: // a line repeated many times
      lines.splice(i, 0, ...new Array<string>(200 + Math.floor(r() * 800)).fill(lines[j] ?? ''));
      break;
    default: {
      // replace a number with an extreme one
      const l = lines[i] ?? '';
      lines[i] = l.replace(/\b\d+\b/, pick(['0', '4294967295', '4294967296', '2147483648', '0x7fffffff', '0xfffffffc', '65536', '262144', '999999999999']));
      break;
    }
  }
  return lines.join('\n');
}

test('mutated examples and corpus programs never crash or hang the checker', () => {
  const r = rng(0x7a1c0de);
  const N = 1200;
  for (let n = 0; n < N; n++) {
    let src = seeds[Math.floor(r() * seeds.length)]!;
    for (let m = 1 + Math.floor(r() * 3); m > 0; m--) src = mutate(src, r);
    survive(src, `mutant ${n}`, n % 10 === 0);
  }
});

test('random token soup never crashes the checker', () => {
  const r = rng(42);
  for (let n = 0; n < 500; n++) {
    const parts: string[] = [];
    for (let k = Math.floor(r() * 60); k > 0; k--) parts.push(r() < 0.1 ? '\n' : VOCAB[Math.floor(r() * VOCAB.length)]!);
    survive(parts.join(' '), `soup ${n}`);
  }
});

const MAIN = 'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}';

test('deeply nested and very long types are diagnosed, not a stack overflow', () => {
  for (const depth of [100, 1000, 30000]) {
    survive(`.type t = ${'*['.repeat(depth)}int${']'.repeat(depth)}\n.code\n${MAIN}\n  xor eax, eax\n  ret\n`, `tuple nesting ${depth}`);
    survive(`.type t = ${'('.repeat(depth)}int${')'.repeat(depth)}\n.code\n${MAIN}\n  ret\n`, `paren nesting ${depth}`);
    survive(`.type t = ${'exists a. '.repeat(depth)}int\n.code\n${MAIN}\n  ret\n`, `exists nesting ${depth}`);
    survive(`.code\nf: code {ESP: sptr ${'int :: '.repeat(depth)}nil}\n  ret\n${MAIN}\n  ret\n`, `stack length ${depth}`);
    survive(`.code\nf: code {EAX: ${'code {EAX: '.repeat(depth)}int${'}'.repeat(depth)}}\n  ret\n${MAIN}\n  ret\n`, `code nesting ${depth}`);
    survive(`.code\n${MAIN}\n  malloc eax, ${'*['.repeat(depth)}int${']'.repeat(depth)}\n  ret\n`, `malloc nesting ${depth}`);
  }
});

test('nested types that must be compared are checked in time', () => {
  for (const depth of [10, 20, 30, 40, 60, 100]) {
    const t = `${'*['.repeat(depth)}int${']'.repeat(depth)}`;
    const u = `${'*['.repeat(depth)}int<5${']'.repeat(depth)}`;
    const v = `${'*['.repeat(depth)}int<=4${']'.repeat(depth)}`;
    survive(`.code\n${MAIN}\n  xor eax, eax\n  ret\nf: code {ECX: ${t}}\n  jmp g\ng: code {ECX: ${t}}\n  jmp f\n`, `compare depth ${depth}`);
    survive(
      `.code\n${MAIN}\n  xor eax, eax\n  ret\nf: code {ECX: ${u}}\n  jmp g\ng: code {ECX: ${v}}\n  jmp f\n`,
      `compare equal-but-different depth ${depth}`,
    );
    survive(
      `.type x = ${t}\n.type y = ${u}\n.code\n${MAIN}\n  xor eax, eax\n  ret\nf: code {ECX: x, EDX: y}\n  jmp g\ng: code {ECX: x, EDX: y}\n  jmp f\n`,
      `named depth ${depth}`,
    );
  }
});

test('long lines, many lines and extreme numbers are diagnosed', () => {
  survive(`.code\n${MAIN}\n  mov eax, ${'1 + '.repeat(50000)}1\n  ret\n`, 'long operand');
  survive(`.code\n${MAIN}\n  mov eax, [${'eax + '.repeat(50000)}0]\n  ret\n`, 'long address');
  survive(`.data\nb: .bytes ${'"x", '.repeat(50000)}"x"\n.code\n${MAIN}\n  ret\n`, 'long data');
  survive(`.code\n${MAIN}\n${'  push eax\n'.repeat(30000)}  ret\n`, 'many pushes');
  survive(`.code\n${MAIN}\n${'  sub esp, 4092\n  push eax\n'.repeat(300)}  ret\n`, 'deep frames');
  survive(
    `.code\n${MAIN}\n  mov ecx, 10\n${'  call f\n'.repeat(2000)}  ret\nf: forall a:type, r:stack. code {ECX: a, ESP: sptr (code {ECX: *[a], ESP: sptr r}) :: r}\n  malloc eax, *[int]\n  ret\n`,
    'growing types',
  );
  survive('x'.repeat(1 << 20), 'a megabyte identifier');
  survive(`.code\n${MAIN}\n${'.l: jmp .l\n'.repeat(5)}`, 'duplicate local labels');
  for (const n of ['0xffffffff', '4294967296', '0x100000000', '99999999999999999999999', `0b${'1'.repeat(40)}`, '-2147483649']) {
    for (const line of [
      `mov eax, ${n}`,
      `sub esp, ${n}`,
      `add esp, ${n}`,
      `ret ${n}`,
      `mov eax, [ebx + ${n}]`,
      `newarray eax, word, ${n}`,
      `mov eax, [esp + ${n}]`,
    ]) {
      survive(`.code\n${MAIN}\n  ${line}\n  ret\n`, line);
    }
    for (const dir of [`.heap ${n}`, `.stack ${n}`, `b: .bytes [${n}]`, `w: .words [${n}]`])
      survive(`${dir.startsWith('.') ? '' : '.data\n'}${dir}\n.code\n${MAIN}\n  ret\n`, dir);
  }
});

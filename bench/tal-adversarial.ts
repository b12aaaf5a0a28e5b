// Families of adversarial programs for the checker's complexity limits (tal/check/limits.ts):
// each grows one kind of work with n. `npm run bench:tal` reports the worst of each against
// 1 s and 256 MiB; test/check/complexity.test.ts checks that each is accepted or refused with
// E_COMPLEXITY, never crashes.

const MAIN = 'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}';

function lines(n: number, line: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => line(i)).join('\n');
}

export interface Family {
  name: string;
  /** What grows. */
  shape: string;
  /** Sizes the benchmark runs, the last the worst. */
  sizes: number[];
  /** Whether to check with --trace. */
  trace?: boolean;
  source(n: number): string;
}

export const FAMILIES: Family[] = [
  {
    name: 'deep types',
    shape: 'n calls of a polymorphic wrapper, each nesting EAX one level deeper',
    sizes: [100, 1000, 20000],
    source: (n) => `.code
${MAIN}
        xor eax, eax
${lines(n, () => '        call wrap')}
        xor eax, eax
        ret
wrap: forall a, r:stack. code {EAX: a, ESP: sptr (code {EAX: *[a], ESP: sptr r}) :: r}
        malloc ebx, *[a]
        mov [ebx], eax
        mov eax, ebx
        ret
`,
  },
  {
    name: 'doubling types',
    shape: "n calls that each double the size of EAX's type (*[a, a])",
    sizes: [10, 40, 2000],
    source: (n) => `.code
${MAIN}
        xor eax, eax
${lines(n, () => '        call dup')}
        xor eax, eax
        ret
dup: forall a, r:stack. code {EAX: a, ESP: sptr (code {EAX: *[a, a], ESP: sptr r}) :: r}
        malloc ebx, *[a, a]
        mov [ebx], eax
        mov [ebx+4], eax
        mov eax, ebx
        ret
`,
  },
  {
    name: 'long stacks',
    shape: 'n words pushed (a label every 1,000), then n calls that each match the whole stack',
    sizes: [1000, 10000, 100000],
    source: (n) => `.stack 1048576
.code
${MAIN}
        xor eax, eax
${lines(n, (i) => (i % 1000 === 999 ? `        push eax\n.p${i}:` : '        push eax'))}
${lines(n, () => '        call f')}
        add esp, ${4 * n}
        xor eax, eax
        ret
f: forall r:stack. code {ESP: sptr (code {ESP: sptr r}) :: r}
        ret
`,
  },
  {
    name: 'many joins',
    shape: 'n conditional jumps into one label, with 256 words on the stack',
    sizes: [1000, 10000, 100000],
    source: (n) => `.code
${MAIN}
${lines(256, () => '        push 0')}
        xor ecx, ecx
${lines(n, (i) => `        mov eax, ${i}\n        cmp ecx, ${i}\n        jb .join`)}
.join:
        add esp, 1024
        xor eax, eax
        ret
`,
  },
  {
    name: 'many coercions',
    shape: 'n coercions between two spellings of a 2^30-node type and of a recursive type',
    sizes: [100, 10000, 100000],
    source: (n) => `${lines(30, (k) => `.type t${k + 1} = *[${k === 0 ? 'int' : `t${k}`}, ${k === 0 ? 'int' : `t${k}`}]`)}
${lines(30, (k) => `.type u${k + 1} = *[${k === 0 ? 'int' : `u${k}`}, ${k === 0 ? 'int' : `u${k}`}]`)}
.type a = null | *[a, a, b]
.type b = null | *[b, b, a]
.code
${MAIN}
        xor eax, eax
        coerce eax, null | t30
        xor ebx, ebx
        coerce ebx, a
${lines(n, (i) => (i % 2 === 0 ? '        coerce eax, null | u30\n        coerce ebx, b' : '        coerce eax, null | t30\n        coerce ebx, a'))}
        xor eax, eax
        ret
`,
  },
  {
    name: 'trace of a deep stack',
    shape: '--trace of n instructions over a stack of n words',
    sizes: [1000, 10000, 30000],
    trace: true,
    source: (n) => `.stack 1048576
.code
${MAIN}
${lines(n, (i) => (i % 1000 === 999 ? `        push 0\n.p${i}:` : '        push 0'))}
${lines(n, () => '        nop')}
        add esp, ${4 * n}
        xor eax, eax
        ret
`,
  },
];

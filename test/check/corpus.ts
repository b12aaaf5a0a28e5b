// Loads the checker's test corpora (test/check/reject/*.tal, test/check/accept/*.tal)
// from the source tree: tsc does not copy .tal files into dist/, so they are
// found relative to the repository root, three levels above dist/test/check/.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CorpusCase {
  /** File name, e.g. "bounds-off-by-one.tal". */
  name: string;
  /** Path relative to the repository root (used as the diagnostics' file name). */
  file: string;
  source: string;
  /** The header comment: what the program does (and, for reject cases, what is unsafe about it). */
  summary: string;
  /** `; expect: E_CODE` — the diagnostic a reject case must produce. */
  expect?: string;
  /** `; expect-line: N` and `; expect-col: N` — where it must be reported. */
  expectLine?: number;
  expectCol?: number;
  /** `; also: E_CODE, …` — other error codes the case may legitimately produce. */
  also: string[];
}

/** Reads the leading comment block of a corpus file. */
export function parseHeader(source: string): Pick<CorpusCase, 'summary' | 'expect' | 'expectLine' | 'expectCol' | 'also'> {
  const summary: string[] = [];
  const out: Pick<CorpusCase, 'summary' | 'expect' | 'expectLine' | 'expectCol' | 'also'> = { summary: '', also: [] };
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith(';')) break;
    const text = line.replace(/^;+\s?/, '');
    const m = /^(expect|expect-line|expect-col|also):\s*(.*)$/.exec(text);
    if (m === null) {
      if (text !== '') summary.push(text);
      continue;
    }
    const value = m[2]!.trim();
    if (m[1] === 'expect') out.expect = value;
    else if (m[1] === 'expect-line') out.expectLine = Number(value);
    else if (m[1] === 'expect-col') out.expectCol = Number(value);
    else
      out.also.push(
        ...value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      );
  }
  out.summary = summary.join(' ');
  return out;
}

export function corpusFiles(kind: 'reject' | 'accept'): string[] {
  const dir = new URL(`../../../test/check/${kind}/`, import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tal'))
    .sort()
    .map((f) => `test/check/${kind}/${f}`);
}

export function loadCorpus(kind: 'reject' | 'accept'): CorpusCase[] {
  return corpusFiles(kind).map((file) => {
    const source = readFileSync(new URL(file, new URL('../../../', import.meta.url)), 'utf8');
    return { name: file.slice(file.lastIndexOf('/') + 1), file, source, ...parseHeader(source) };
  });
}

/** The example programs shipped with the product (tal/examples/*.tal). */
export function loadExamples(): { file: string; source: string }[] {
  const dir = new URL('../../../tal/examples/', import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tal'))
    .sort()
    .map((f) => ({ file: `tal/examples/${f}`, source: readFileSync(new URL(f, dir), 'utf8') }));
}

// The examples offered in the editor's picker: every tal/examples/*.tal, titled
// by its first comment line.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExampleInfo } from '../../preload/contract.js';

export async function listExamples(dir: string): Promise<ExampleInfo[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.tal')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return Promise.all(
    names.map(async (name) => {
      const source = await readFile(path.join(dir, name), 'utf8');
      const id = name.slice(0, -'.tal'.length);
      return { id, title: exampleTitle(source) ?? id, source };
    }),
  );
}

/** The text of the first line that is a comment, without the ';' markers. */
export function exampleTitle(source: string): string | undefined {
  for (const line of source.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    if (!t.startsWith(';')) return undefined;
    const text = t.replace(/^;+\s*/, '');
    if (text !== '') return text;
  }
  return undefined;
}

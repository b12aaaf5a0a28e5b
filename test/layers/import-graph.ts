// The local imports of a source file — static, dynamic and type-only, as
// TypeScript's own pre-processor reads them — as repository-relative .ts paths.

import path from 'node:path';
import ts from 'typescript';

/** The repository-relative .ts files that `file` (with text `text`) imports; packages and node: modules are left out. */
export function localImports(file: string, text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'));
}

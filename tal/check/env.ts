// What every rule may consult: the program's labels, named types and imports, built from the
// program's declarations.

import type { Program, SourceLoc } from '../ast.js';
import { FORBIDDEN_SYSCALLS, syscallByName, type SyscallProto } from '../syscalls.js';
import type { Diagnostics } from './errors.js';
import { freeVarsWord } from './subst.js';
import type { CodeType, WordType } from '../types.js';
import type { TypeDefs } from './word-kinds.js';

export type LabelInfo = { kind: 'code'; type?: CodeType; block: number } | { kind: 'data'; type: WordType };

export interface Env {
  defs: TypeDefs;
  labels: ReadonlyMap<string, LabelInfo>;
  imports: ReadonlyMap<string, SyscallProto>;
  /** Bytes of stack the program is given (from `.stack`): a stack type describing more can never be run. */
  stackBytes: number;
}

export function buildEnv(program: Program, diags: Diagnostics): Env {
  const defs = new Map<string, WordType>();
  for (const t of program.types) {
    const free = freeVarsWord(t.body);
    if (free.size > 0) diags.global.push(diags.make('E_SCOPE', t.loc, `type '${t.name}' mentions unbound variable(s) ${[...free].join(', ')}`));
    else if (t.body.k === 'named')
      diags.global.push(diags.make('E_TYPE_DEF', t.loc, `type '${t.name}' is only another name; define it as a pointer type, e.g. null | *[…]`));
    else defs.set(t.name, t.body);
  }
  const imports = new Map<string, SyscallProto>();
  for (const imp of program.imports) {
    const proto = syscallByName(imp.name);
    const forbidden = FORBIDDEN_SYSCALLS[imp.name];
    if (imports.has(imp.name)) diags.global.push(diags.make('E_DUPLICATE', imp.loc, `'${imp.name}' is imported twice`));
    else if (forbidden !== undefined)
      diags.global.push(diags.make('E_FORBIDDEN_SYSCALL', imp.loc, `system call '${imp.name}' cannot be imported: it ${forbidden}`));
    else if (proto === undefined)
      diags.global.push(
        diags.make('E_UNKNOWN_SYSCALL', imp.loc, `'${imp.name}' is not a system call TAL knows`, {
          hint: 'see docs/tal.md, "System calls", for the whitelist',
        }),
      );
    else imports.set(imp.name, proto);
  }
  const labels = new Map<string, LabelInfo>();
  const clash = (name: string, loc: SourceLoc): boolean => {
    if (imports.has(name) || defs.has(name)) {
      diags.global.push(diags.make('E_DUPLICATE', loc, `'${name}' is both a label and an import or type name`));
      return true;
    }
    return false;
  };
  for (const d of program.data) {
    if (clash(d.label, d.loc)) continue;
    const n = { k: 'const' as const, value: d.init.length };
    const type: WordType =
      d.kind === 'bytes'
        ? { k: 'bytes', n }
        : d.kind === 'words'
          ? { k: 'words', n, elem: { k: 'int' } }
          : { k: 'tuple', fields: d.init.map(() => ({ t: { k: 'int' }, init: true })) };
    labels.set(d.label, { kind: 'data', type });
  }
  program.code.forEach((b, i) => {
    if (clash(b.label, b.loc)) return;
    const info: LabelInfo = { kind: 'code', block: i };
    if (b.type !== undefined) {
      const free = freeVarsWord({ k: 'code', ct: b.type });
      if (free.size > 0) diags.global.push(diags.make('E_SCOPE', b.loc, `the type of '${b.label}' mentions unbound variable(s) ${[...free].join(', ')}`));
      else info.type = b.type;
    }
    labels.set(b.label, info);
  });
  // The loader never gives less than one page (docs/talo.md, stack_size).
  return { defs: defs as TypeDefs, labels, imports, stackBytes: Math.max(program.stackSize, 4096) };
}

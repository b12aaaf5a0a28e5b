// The entry contract: the runtime's prologue calls the entry label with EBX = argv and expects
// the exit status back in EAX (docs/talo.md, "Entry contract").

import type { Program } from '../ast.js';
import { ARGV_TYPE } from '../type-parser.js';
import type { Env } from './env.js';
import { CheckError, type Diagnostics } from './errors.js';
import { RegFile } from './regfile.js';
import { call, ruleContext } from './rules-control.js';
import { emptyStack, showWord, snapshot, type State } from './state.js';

/** The prologue calls main with EBX = argv and expects EAX = exit status back (docs/talo.md, "Entry contract"). */
export function checkEntry(program: Program, env: Env, diags: Diagnostics): void {
  const entry = program.code.find((b) => b.label === program.entry);
  if (entry === undefined) {
    diags.global.push(
      diags.make('E_ENTRY', { line: 1, col: 1 }, `the program has no entry label '${program.entry}'`, {
        hint: `define ${program.entry}: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}`,
      }),
    );
    return;
  }
  if (entry.type === undefined) {
    diags.global.push(
      diags.make('E_ENTRY', entry.loc, `the entry label '${entry.label}' needs a type`, {
        hint: `${entry.label}: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}`,
      }),
    );
    return;
  }
  const s: State = { regs: new RegFile([['ebx', ARGV_TYPE]]), stack: emptyStack({ k: 'svar', name: 'ρ' }), vars: new Map([['ρ', 'stack']]) };
  try {
    const out = call(
      s,
      { kind: 'machine', mnemonic: 'call', operands: [{ kind: 'label', name: entry.label }], loc: entry.loc, text: `call ${entry.label}` },
      ruleContext(env),
      snapshot(s),
    );
    const eax = out.next?.regs.get('eax');
    if (eax === undefined || !['int', 'sing', 'below', 'null'].includes(eax.k))
      throw new CheckError('E_ENTRY', `'${entry.label}' must return its exit status in EAX as an int`, {
        found: eax === undefined ? 'nothing' : showWord(eax),
      });
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    diags.global.push(
      diags.fromCheckError(new CheckError('E_ENTRY', `the entry label '${entry.label}' cannot be called by the runtime: ${e.message}`, e.details), entry.loc),
    );
  }
}

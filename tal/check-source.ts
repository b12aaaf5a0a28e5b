// Source text in, verdict out: parse then check, with syntax errors reported as diagnostics.

import type { Program } from './ast.js';
import { checkProgram } from './check/checker.js';
import { TalError, type Diagnostic, type TypeStateEntry } from './diagnostics.js';
import { parseProgram } from './parser.js';

export interface CheckResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Type state before each checked instruction, in program order (empty unless requested). */
  trace: TypeStateEntry[];
  /** The parsed program, when it parsed. */
  program?: Program;
  stats: { instructions: number; blocks: number; visits: number; ms: number };
}

export function checkSource(source: string, file: string, opts: { trace?: boolean } = {}): CheckResult {
  const t0 = performance.now();
  let program: Program;
  try {
    program = parseProgram(source, file);
  } catch (e) {
    if (!(e instanceof TalError)) throw e;
    return { ok: false, diagnostics: [e.diagnostic], trace: [], stats: { instructions: 0, blocks: 0, visits: 0, ms: performance.now() - t0 } };
  }
  let out: ReturnType<typeof checkProgram>;
  try {
    out = checkProgram(program, opts);
  } catch (e) {
    // The limits (tal/check/limits.ts) keep the checker's recursion shallow; should one still
    // overflow the JS stack, the program is refused, never the caller crashed.
    if (!(e instanceof RangeError)) throw e;
    const d: Diagnostic = {
      code: 'E_COMPLEXITY',
      severity: 'error',
      file,
      line: 1,
      col: 1,
      message: `the checker ran out of stack on this program (${e.message})`,
      hint: 'simplify the program: name nested types with .type',
    };
    return { ok: false, diagnostics: [d], trace: [], program, stats: { instructions: 0, blocks: program.code.length, visits: 0, ms: performance.now() - t0 } };
  }
  return {
    ok: !out.diagnostics.some((d) => d.severity === 'error'),
    diagnostics: out.diagnostics,
    trace: out.trace,
    program,
    stats: { ...out.stats, ms: performance.now() - t0 },
  };
}

// The error a failed judgment raises, and how the driver turns errors into diagnostics.

import type { SourceLoc } from '../ast.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import type { Diagnostic } from '../diagnostics.js';

/** A failed judgment: what was expected, what was found, and what to do about it. */
export class CheckError extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
    readonly details: { expected?: string; found?: string; hint?: string } = {},
  ) {
    super(message);
  }
}

export function fail(code: DiagnosticCode, message: string, details: { expected?: string; found?: string; hint?: string } = {}): never {
  throw new CheckError(code, message, details);
}

/** The diagnostics of one check: global ones (names, entry) and each block's. */
export class Diagnostics {
  readonly global: Diagnostic[] = [];
  readonly perBlock = new Map<number, Diagnostic[]>();

  constructor(private readonly file: string) {}

  make(code: DiagnosticCode, loc: SourceLoc, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
    return { code, severity: 'error', file: this.file, line: loc.line, col: loc.col, message, ...extra };
  }

  fromCheckError(e: CheckError, loc: SourceLoc, instruction?: string): Diagnostic {
    const d = this.make(e.code, loc, e.message);
    if (instruction !== undefined) d.instruction = instruction;
    if (e.details.expected !== undefined) d.expected = e.details.expected;
    if (e.details.found !== undefined) d.found = e.details.found;
    if (e.details.hint !== undefined) d.hint = e.details.hint;
    return d;
  }
}

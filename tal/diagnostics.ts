// What the toolchain reports to people and to the UI: diagnostics (errors are
// values with a code, a location and a message) and the type state the checker
// saw before each instruction (the eBPF-verifier-style log).

import type { DiagnosticCode } from './diagnostic-codes.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable machine-readable code, e.g. "E_BOUNDS", from the catalogue (tal/diagnostic-codes.ts). */
  code: DiagnosticCode;
  severity: Severity;
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  /** The instruction or directive as written, when the diagnostic is about one. */
  instruction?: string;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
}

/** The checker's knowledge just before one instruction, rendered as text for people and as JSON for tools. */
export interface TypeStateEntry {
  line: number;
  col: number;
  label: string; // the enclosing code label
  instruction: string;
  /** Register name → type, only for registers that hold something usable. */
  regs: Record<string, string>;
  /** Stack slots from ESP upwards (slot 0 = [esp]); the last entry is the tail (a stack variable or "nil"). */
  stack: string[];
  /** Type, size and stack variables in scope, and facts such as "ecx < n" or "flags: cmp ecx, edx". */
  facts: string[];
}

export class TalError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.file}:${diagnostic.line}:${diagnostic.col}: ${diagnostic.message}`);
  }
}

/** One line per diagnostic, compiler style, followed by its details. */
export function formatDiagnostic(d: Diagnostic): string {
  const lines = [`${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`];
  if (d.instruction !== undefined) lines.push(`    in:       ${d.instruction}`);
  if (d.expected !== undefined) lines.push(`    expected: ${d.expected}`);
  if (d.found !== undefined) lines.push(`    found:    ${d.found}`);
  if (d.hint !== undefined) lines.push(`    hint:     ${d.hint}`);
  return lines.join('\n');
}

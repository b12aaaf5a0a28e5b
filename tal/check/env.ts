// What every rule may consult: the program's labels, named types and imports,
// and the error value a rule raises when a judgment fails.

import type { SyscallProto } from '../syscalls.js';
import type { CodeType, WordType } from '../types.js';
import type { TypeDefs } from './word-kinds.js';

export type LabelInfo =
  | { kind: 'code'; type?: CodeType; block: number }
  | { kind: 'data'; type: WordType };

export interface Env {
  defs: TypeDefs;
  labels: ReadonlyMap<string, LabelInfo>;
  imports: ReadonlyMap<string, SyscallProto>;
  /** Bytes of stack the program is given (from `.stack`): a stack type describing more can never be run. */
  stackBytes: number;
}

/** A failed judgment: what was expected, what was found, and what to do about it. */
export class CheckError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: { expected?: string; found?: string; hint?: string } = {},
  ) {
    super(message);
  }
}

export function fail(code: string, message: string, details: { expected?: string; found?: string; hint?: string } = {}): never {
  throw new CheckError(code, message, details);
}

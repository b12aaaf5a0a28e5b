// A cursor over tokens with the expect/accept helpers both parsers use.

import { TalError } from './diagnostics.js';
import type { Token } from './lexer.js';

export class TokenStream {
  private pos = 0;
  /** Inside brackets of a type, line ends are not significant. */
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    readonly file: string,
  ) {}

  peek(): Token {
    return this.peekAt(0);
  }

  peekAt(k: number): Token {
    let i = this.pos;
    let seen = 0;
    for (;;) {
      const t = this.tokens[Math.min(i, this.tokens.length - 1)]!;
      if (t.kind === 'newline' && this.depth > 0) {
        i++;
        continue;
      }
      if (seen === k || t.kind === 'eof') return t;
      seen++;
      i++;
    }
  }

  next(): Token {
    for (;;) {
      const t = this.tokens[Math.min(this.pos, this.tokens.length - 1)]!;
      if (t.kind !== 'eof') this.pos++;
      if (t.kind === 'newline' && this.depth > 0) continue;
      return t;
    }
  }

  /** Runs f with line ends ignored (types may span lines inside brackets). */
  nested<T>(f: () => T): T {
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  accept(text: string): boolean {
    if (this.peek().kind !== 'string' && this.peek().text === text) {
      this.next();
      return true;
    }
    return false;
  }

  fail(t: Token, message: string, hint?: string): never {
    throw new TalError({
      code: 'E_SYNTAX',
      severity: 'error',
      file: this.file,
      line: t.loc.line,
      col: t.loc.col,
      message,
      ...(hint !== undefined ? { hint } : {}),
    });
  }

  expect(text: string): Token {
    const t = this.peek();
    if (t.kind === 'string' || t.text !== text) this.fail(t, `expected '${text}', found ${describe(t)}`);
    return this.next();
  }

  expectIdent(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, `expected ${what}, found ${describe(t)}`);
    return this.next();
  }

  expectNumber(): Token {
    const t = this.peek();
    if (t.kind !== 'number') this.fail(t, `expected a number, found ${describe(t)}`);
    return this.next();
  }

  skipNewlines(): void {
    while (this.tokens[this.pos]?.kind === 'newline') this.pos++;
  }

  expectEndOfLine(): void {
    const t = this.peek();
    if (t.kind !== 'newline' && t.kind !== 'eof') this.fail(t, `unexpected ${describe(t)} at end of line`);
  }
}

export function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of file';
  if (t.kind === 'newline') return 'end of line';
  if (t.kind === 'string') return `string "${t.text}"`;
  return `'${t.text}'`;
}

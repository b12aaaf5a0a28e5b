// Splits TAL source into tokens with positions. Comments run from ';' to the end of the line.

import type { SourceLoc } from './ast.js';
import { TalError } from './diagnostics.js';

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'newline' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string; // for strings: the decoded bytes as latin1 text
  value?: number; // for numbers
  loc: SourceLoc;
}

// Longest first, so that '::' and '<=' win over ':' and '<'.
const PUNCTS = ['::', '<=', '^u', '*[', ',', ':', '[', ']', '(', ')', '{', '}', '.', '+', '-', '*', '<', '|', '='];

const MAX_TOKENS = 2_000_000;

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 36 /* $ */ || c === 64 /* @ */;
}

function isNamePart(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

export function tokenize(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): SourceLoc => ({ line, col: i - lineStart + 1 });
  const fail = (message: string, hint?: string): never => {
    throw new TalError({ code: 'E_SYNTAX', severity: 'error', file, ...here(), message, hint });
  };
  while (i < source.length) {
    if (tokens.length > MAX_TOKENS) fail('program too large', `split it; the limit is ${MAX_TOKENS} tokens`);
    const c = source[i]!;
    if (c === '\n') {
      tokens.push({ kind: 'newline', text: '\n', loc: here() });
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === ';') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    const loc = here();
    const code = source.charCodeAt(i);
    if (isNameStart(code) || (c === '.' && isNameStart(source.charCodeAt(i + 1)))) {
      let j = i + 1;
      // '.' may only start a name (directives, local labels): "forall s:stack." ends in a separator.
      while (j < source.length && isNamePart(source.charCodeAt(j))) j++;
      tokens.push({ kind: 'ident', text: source.slice(i, j), loc });
      i = j;
      continue;
    }
    if (code >= 48 && code <= 57) {
      const m = /^(0x[0-9a-fA-F]+|0b[01]+|[0-9]+)/.exec(source.slice(i, i + 40))!;
      const text = m[0];
      if (/[A-Za-z0-9_]/.test(source[i + text.length] ?? '')) fail(`malformed number '${source.slice(i, i + text.length + 1)}'`);
      const value = text.startsWith('0b') ? parseInt(text.slice(2), 2) : Number(text);
      if (!Number.isSafeInteger(value) || value > 0xffffffff) fail(`number ${text} does not fit in 32 bits`);
      tokens.push({ kind: 'number', text, value, loc });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const { text, end } = readString(source, i, c, fail);
      tokens.push({ kind: 'string', text, loc });
      i = end;
      continue;
    }
    const p = PUNCTS.find((q) => source.startsWith(q, i));
    if (p === undefined) fail(`unexpected character '${c}'`);
    tokens.push({ kind: 'punct', text: p!, loc });
    i += p!.length;
  }
  tokens.push({ kind: 'eof', text: '', loc: here() });
  return tokens;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'" };

function readString(source: string, start: number, quote: string, fail: (message: string, hint?: string) => never): { text: string; end: number } {
  let out = '';
  let i = start + 1;
  for (;;) {
    const c = source[i];
    if (c === undefined || c === '\n') fail('unterminated string', 'close it on the same line');
    if (c === quote) return { text: out, end: i + 1 };
    if (c === '\\') {
      const e = source[i + 1] ?? '';
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 2, i + 4))) {
        out += String.fromCharCode(parseInt(source.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      const r = ESCAPES[e];
      if (r === undefined) fail(`unknown escape '\\${e}' in string`, 'use \\n \\t \\r \\0 \\\\ \\" or \\xHH');
      out += r;
      i += 2;
      continue;
    }
    const code = c!.charCodeAt(0);
    if (code > 0x7f) {
      // Non-ASCII text is stored as its UTF-8 bytes, one latin1 char per byte.
      const bytes = Buffer.from(String.fromCodePoint(source.codePointAt(i)!), 'utf8');
      out += bytes.toString('latin1');
      i += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
      continue;
    }
    out += c;
    i++;
  }
}

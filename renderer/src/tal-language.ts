// Syntax highlighting for TAL source (docs/tal.md): a line-oriented stream
// tokenizer, since TAL is assembly: optional label, then a mnemonic or a
// directive, then operands; code labels may carry a type annotation.

import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StreamParser } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import { tags as t } from '@lezer/highlight';

const REGISTERS = new Set([
  'eax',
  'ebx',
  'ecx',
  'edx',
  'esi',
  'edi',
  'ebp',
  'esp',
  'ax',
  'bx',
  'cx',
  'dx',
  'si',
  'di',
  'bp',
  'sp',
  'al',
  'bl',
  'cl',
  'dl',
  'ah',
  'bh',
  'ch',
  'dh',
]);
/** Pseudo-instructions: they change types (or allocate) rather than being one machine instruction. */
const PSEUDO = new Set(['malloc', 'newarray', 'unpack', 'pack', 'coerce', 'coercestack']);
const SIZE_PREFIXES = new Set(['byte', 'word', 'dword', 'ptr']);
/** Words of the type language (types.ts): binders, constructors and kinds. */
const TYPE_WORDS = new Set(['forall', 'exists', 'code', 'int', 'S', 'bytes', 'words', 'sptr', 'null', 'maybe', 'nil', 'uninit', 'stack', 'size', 'type']);

interface TalState {
  /** Whether this line's mnemonic (or directive) has been seen. */
  sawHead: boolean;
  /** Inside a type: after a label's ':' or in a pseudo-instruction's operands. */
  inType: boolean;
}

const parser: StreamParser<TalState> = {
  name: 'tal',
  startState: () => ({ sawHead: false, inType: false }),
  token(stream, state) {
    if (stream.sol()) {
      state.sawHead = false;
      state.inType = false;
    }
    if (stream.eatSpace()) return null;
    if (stream.match(';')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^'\\]|\\.)*'?/)) return 'string';
    if (stream.match(/^-?(?:0x[0-9a-fA-F]+|0b[01]+|[0-9]+)\b/)) return 'number';
    const word = stream.match(/^\.?[A-Za-z_$@][A-Za-z0-9_$@]*/) as RegExpMatchArray | null;
    if (word) {
      const text = word[0];
      const lower = text.toLowerCase();
      if (text.startsWith('.')) {
        state.sawHead = true;
        if (text === '.type') state.inType = true;
        return 'meta';
      }
      if (!state.sawHead && stream.peek() === ':' && !REGISTERS.has(lower)) {
        // "label:" — what follows on the line is the label's code type, if any.
        state.inType = true;
        return 'labelDefinition';
      }
      if (state.inType) return TYPE_WORDS.has(text) ? 'typeKeyword' : REGISTERS.has(lower) ? 'register' : 'typeName';
      if (!state.sawHead) {
        state.sawHead = true;
        if (PSEUDO.has(lower)) {
          state.inType = true;
          return 'pseudo';
        }
        return 'mnemonic';
      }
      if (REGISTERS.has(lower)) return 'register';
      if (SIZE_PREFIXES.has(lower)) return 'sizePrefix';
      return 'labelName';
    }
    stream.next();
    return 'punctuation';
  },
  tokenTable: {
    labelDefinition: t.definition(t.labelName),
    labelName: t.labelName,
    mnemonic: t.keyword,
    pseudo: t.macroName,
    register: t.special(t.variableName),
    sizePrefix: t.modifier,
    typeKeyword: t.typeOperator,
    typeName: t.typeName,
    meta: t.meta,
  },
};

export const talLanguage = StreamLanguage.define(parser);

const talHighlight = HighlightStyle.define([
  { tag: t.comment, color: 'var(--tok-comment)', fontStyle: 'italic' },
  { tag: t.string, color: 'var(--tok-string)' },
  { tag: t.number, color: 'var(--tok-number)' },
  { tag: t.meta, color: 'var(--tok-meta)', fontWeight: 'bold' },
  { tag: t.definition(t.labelName), color: 'var(--tok-label)', fontWeight: 'bold' },
  { tag: t.labelName, color: 'var(--tok-label)' },
  { tag: t.keyword, color: 'var(--tok-keyword)', fontWeight: 'bold' },
  { tag: t.macroName, color: 'var(--tok-macro)', fontWeight: 'bold' },
  { tag: t.special(t.variableName), color: 'var(--tok-register)', fontWeight: 'bold' },
  { tag: t.modifier, color: 'var(--tok-keyword)' },
  { tag: t.typeOperator, color: 'var(--tok-type)', fontStyle: 'italic' },
  { tag: t.typeName, color: 'var(--tok-type)' },
  { tag: t.punctuation, color: 'var(--tok-punct)' },
]);

export function tal(): Extension {
  return [talLanguage, syntaxHighlighting(talHighlight)];
}

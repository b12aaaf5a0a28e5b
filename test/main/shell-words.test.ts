// The arguments box's word splitting: shell-like quoting, no expansion, and
// unclosed quotes reported in words.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quoteShellWord, splitShellWords } from '../../preload/shell-words.js';

const words = (line: string): string[] => {
  const r = splitShellWords(line);
  assert.ok(r.ok, line);
  return r.words;
};

test('words, quotes and escapes as a shell splits them, without expansion', () => {
  assert.deepEqual(words('  a  b\tc '), ['a', 'b', 'c']);
  assert.deepEqual(words(`'two words' "and \\"three\\" here" it\\'s`), ['two words', 'and "three" here', "it's"]);
  assert.deepEqual(words(`'' "" x`), ['', '', 'x']);
  assert.deepEqual(words(`a'b'"c"d`), ['abcd']);
  assert.deepEqual(words(`'$HOME' "$(ls)" *`), ['$HOME', '$(ls)', '*']);
  assert.deepEqual(words(`"back\\\\slash" 'no\\escape'`), ['back\\slash', 'no\\escape']);
  assert.deepEqual(words(''), []);
});

test('unclosed quotes and a trailing backslash are errors in words', () => {
  assert.deepEqual(splitShellWords(`a 'b`), { ok: false, error: 'a single quote at character 3 is not closed' });
  assert.deepEqual(splitShellWords(`"x`), { ok: false, error: 'a double quote at character 1 is not closed' });
  assert.equal(splitShellWords('x\\').ok, false);
});

test('a word spelled back for a command line: bare, quoted, or with control characters escaped', () => {
  assert.equal(quoteShellWord('arg1'), 'arg1');
  assert.equal(quoteShellWord('arg two'), `'arg two'`);
  assert.equal(quoteShellWord(''), `''`);
  for (const w of ['arg two', "it's", '$HOME', '', 'a"b\\c', '*']) assert.deepEqual(words(quoteShellWord(w)), [w], w);
  // A terminal would act on these: the line shows them, it does not send them.
  assert.equal(quoteShellWord('a\nb'), `$'a\\nb'`);
  assert.equal(quoteShellWord('\x1b[2J\u009b'), `$'\\x1b[2J\\x9b'`);
  assert.equal(quoteShellWord("it's\t"), `$'it\\'s\\t'`);
});

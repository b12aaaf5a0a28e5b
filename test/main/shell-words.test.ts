// The arguments box's word splitting: shell-like quoting, no expansion, and
// unclosed quotes reported in words.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitShellWords } from '../../preload/shell-words.js';

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

// Splits the arguments line the way a POSIX shell splits words, without any
// expansion: 'single quotes' keep everything, "double quotes" keep everything
// but \" \\ \$ \` (backslash-escaped), and a backslash outside quotes keeps
// the next character. The renderer uses it for the arguments box, and the
// runner then passes each word to the program as one argv entry, unchanged.

export type ShellWords = { ok: true; words: string[] } | { ok: false; error: string };

export function splitShellWords(line: string): ShellWords {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  const add = (text: string): void => {
    word = (word ?? '') + text;
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== null) words.push(word);
      word = null;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: `a single quote at character ${i + 1} is not closed` };
      add(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++;
        text += line[j];
      }
      if (j >= line.length) return { ok: false, error: `a double quote at character ${i + 1} is not closed` };
      add(text);
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { ok: false, error: 'the line ends with a backslash that escapes nothing' };
      add(line[i + 1]!);
      i += 2;
    } else {
      add(c);
      i++;
    }
  }
  if (word !== null) words.push(word);
  return { ok: true, words };
}

/** C0 and C1 control characters: a terminal acts on them instead of showing them. */
export const CONTROL_CHARACTER = /[\x00-\x1f\x7f-\x9f]/;

/**
 * One word as it is typed in the arguments box, for showing a run's command line: bare when plain, else
 * in single quotes (splitShellWords gives it back). A word with control characters, which the terminal
 * showing the line would act on, is spelled with bash's $'\n' / $'\x1b' escapes instead.
 */
export function quoteShellWord(word: string): string {
  if (/^[\w./=:,+@%-]+$/.test(word)) return word;
  if (!CONTROL_CHARACTER.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  const escaped = [...word]
    .map((c) => {
      const code = c.codePointAt(0)!;
      if (c === '\\' || c === "'") return `\\${c}`;
      if (c === '\n') return '\\n';
      if (c === '\t') return '\\t';
      return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\x${code.toString(16).padStart(2, '0')}` : c;
    })
    .join('');
  return `$'${escaped}'`;
}

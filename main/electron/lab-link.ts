// Share links reaching the Electron shell from outside the page: a `tal-lab:`
// URL (the OS hands it over at launch, in a second instance's argv, or in
// macOS's open-url) or text on the clipboard. All of it is untrusted. A link
// is accepted only when its fragment is a share-link payload
// (renderer/src/share-link.ts: `#tal=` + base64url of deflate-raw JSON) that
// decodes, within bounds, to exactly the fields a share link has. What comes
// out is that fragment, for the page to show in the editor: opening a link
// never runs a program, never reads or writes a file, never contacts the host
// the URL names.

import { inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { RUN_LIMITS } from '../../preload/contract.js';
import { MAX_SOURCE_CHARS } from '../ipc/schemas.js';

export const LAB_LINK_SCHEME = 'tal-lab';
const FRAGMENT_PREFIX = '#tal=';
/** The arguments' text at most: every argument quoted, with a separator. */
const MAX_ARGS_TEXT = RUN_LIMITS.args * (RUN_LIMITS.argChars + 3);
/** Inflated JSON at most: the largest program, arguments and input, every character escaped (\u0000: 6 bytes), plus field names. */
export const MAX_SHARED_JSON_BYTES = (MAX_SOURCE_CHARS + RUN_LIMITS.stdinChars + MAX_ARGS_TEXT) * 6 + 4096;
/** A link at most: Chromium's limit on a URL, which the page's address (holding the fragment) must fit. */
export const MAX_LINK_CHARS = 2 * 1024 * 1024;

const shared = z.strictObject({
  v: z.literal(1, 'the link is not of share-link format 1'),
  file: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'the file name in the link is not a bare name (letters, digits, "_", "-", "."; no folders)'),
  source: z.string().max(MAX_SOURCE_CHARS, `the program in the link is longer than ${MAX_SOURCE_CHARS / 1024} KiB`),
  mode: z.enum(['kernel', 'user'], 'the mode in the link is neither "kernel" nor "user"'),
  args: z.string().max(MAX_ARGS_TEXT, 'the arguments in the link are longer than a run accepts'),
  stdin: z.string().max(RUN_LIMITS.stdinChars, `the standard input in the link is longer than ${RUN_LIMITS.stdinChars / 1024} KiB`),
  images: z.string().regex(/^[0-9a-f]{0,128}$/, 'the guest-image digest in the link is not hex'),
});

export type SharedProgram = z.infer<typeof shared>;

/** A link the page may open (its `#tal=` fragment and what it holds), or why it is refused, in words. */
export type LabLink = { ok: true; fragment: string; program: SharedProgram } | { ok: false; message: string };

const refuse = (message: string): LabLink => ({ ok: false, message });

/**
 * Reads a share link: `tal-lab://open#tal=…` (or `tal-lab:open#tal=…`), a
 * web-shell share URL `http(s)://…/#tal=…`, or a bare `#tal=…`.
 */
export function parseLabLink(text: unknown): LabLink {
  if (typeof text !== 'string') return refuse('there is no link: the clipboard holds no text');
  const link = text.trim();
  if (link === '') return refuse('there is no link: the text is empty');
  if (link.length > MAX_LINK_CHARS) return refuse(`the link is ${link.length} characters; a share link has at most ${MAX_LINK_CHARS}`);
  const hash = link.indexOf('#');
  const before = hash < 0 ? link : link.slice(0, hash);
  if (hash > 0) {
    let url: URL;
    try {
      url = new URL(before);
    } catch {
      return refuse('this is not a share link: it is neither a tal-lab: link nor a web address');
    }
    if (![`${LAB_LINK_SCHEME}:`, 'http:', 'https:'].includes(url.protocol))
      return refuse(`this is not a share link: links of scheme ${url.protocol} are not opened`);
  } else if (hash < 0) {
    return refuse('this is not a share link: it has no #tal= part holding a program');
  }
  const fragment = link.slice(hash);
  if (!fragment.startsWith(FRAGMENT_PREFIX)) return refuse('this is not a share link: its # part does not start with tal=');
  const payload = fragment.slice(FRAGMENT_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return refuse('the link is damaged: the program part is not base64url text');
  let json: Buffer;
  try {
    json = inflateRawSync(Buffer.from(payload, 'base64url'), { maxOutputLength: MAX_SHARED_JSON_BYTES });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return refuse(
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `the link unpacks to more than ${MAX_SHARED_JSON_BYTES} bytes; a share link holds less`
        : 'the link is damaged: its program part does not unpack',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    return refuse('the link is damaged: its program part is not JSON text');
  }
  const checked = shared.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return refuse(
      issue.code === 'unrecognized_keys' || issue.code === 'invalid_type'
        ? `this is not a share link: ${issue.path.join('.') || 'its content'}: ${issue.message}`
        : issue.message,
    );
  }
  return { ok: true, fragment, program: checked.data };
}

/** The `tal-lab:` link among a launch's arguments (a second instance's argv), if any. */
export function linkInArgv(argv: readonly string[]): string | undefined {
  return argv.find((a) => a.toLowerCase().startsWith(`${LAB_LINK_SCHEME}:`));
}

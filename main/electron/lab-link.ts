// Share links reaching the Electron shell from outside the page: a `tal-lab:`
// URL (the OS hands it over at launch, in a second instance's argv, or in
// macOS's open-url) or text on the clipboard. All of it is untrusted. A link
// is accepted only when its fragment is a share-link payload
// (preload/share-format.ts: `#tal=` + base64url of deflate-raw JSON) that
// decodes, within its bounds, to exactly the fields a share link has. What comes
// out is that fragment, for the page to show in the editor: opening a link
// never runs a program, never reads or writes a file, never contacts the host
// the URL names.

import { inflateRawSync } from 'node:zlib';
import {
  checkSharedProgram,
  checkSharePayloadText,
  MAX_LINK_CHARS,
  MAX_SHARED_JSON_BYTES,
  SHARE_PREFIX,
  type SharedProgram,
} from '../../preload/share-format.js';

export { MAX_LINK_CHARS, MAX_SHARED_JSON_BYTES, type SharedProgram };

export const LAB_LINK_SCHEME = 'tal-lab';

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
  if (!fragment.startsWith(SHARE_PREFIX)) return refuse('this is not a share link: its # part does not start with tal=');
  const payload = fragment.slice(SHARE_PREFIX.length);
  const notPayload = checkSharePayloadText(payload);
  if (notPayload !== null) return refuse(notPayload);
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
  const checked = checkSharedProgram(value);
  return checked.ok ? { ok: true, fragment, program: checked.program } : refuse(checked.message);
}

/** The `tal-lab:` link among a launch's arguments (a second instance's argv), if any. */
export function linkInArgv(argv: readonly string[]): string | undefined {
  return argv.find((a) => a.toLowerCase().startsWith(`${LAB_LINK_SCHEME}:`));
}

// The share link's format, in one place for both readers: the page that makes
// and opens links (renderer/src/share-link.ts) and the Electron shell that
// accepts them from outside (main/electron/lab-link.ts). A link is
// `#tal=` + base64url(deflate-raw(JSON)); everything in it is untrusted, so a
// reader checks the link's length before decoding, stops inflating at
// MAX_SHARED_JSON_BYTES (a small link can unpack to gigabytes), and accepts
// exactly the fields below, each within what the lab would accept from a
// person. This module is dependency-free: the renderer bundle imports it.

import { type LabRunMode, MAX_SOURCE_CHARS, RUN_LIMITS } from './contract.js';

export const SHARE_PREFIX = '#tal=';
export const SHARE_VERSION = 1;

/** What a link holds, besides its format number. */
export interface SharedProgram {
  file: string;
  source: string;
  mode: LabRunMode;
  args: string;
  stdin: string;
  /** The guest images' digest when the link was made ('' when unknown). */
  images: string;
}

/** The arguments' text at most: every argument quoted, with a separator. */
export const MAX_SHARED_ARGS_CHARS = RUN_LIMITS.args * (RUN_LIMITS.argChars + 3);
/** Inflated JSON at most: the largest program, arguments and input, every character escaped (\u0000: 6 bytes), plus field names. */
export const MAX_SHARED_JSON_BYTES = (MAX_SOURCE_CHARS + RUN_LIMITS.stdinChars + MAX_SHARED_ARGS_CHARS) * 6 + 4096;
/** A link at most: Chromium's limit on a URL, which the page's address (holding the fragment) must fit. */
export const MAX_LINK_CHARS = 2 * 1024 * 1024;
/** A bare name: no folders, no leading dot, so a link can never name a host path. */
export const SHARED_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export type SharedCheck = { ok: true; program: SharedProgram } | { ok: false; message: string };

const FIELDS = ['v', 'file', 'source', 'mode', 'args', 'stdin', 'images'] as const;
const TEXT_FIELDS = ['file', 'source', 'mode', 'args', 'stdin', 'images'] as const;

/** Whether the text after `#tal=` can be a payload at all (checked before any decoding). */
export function checkSharePayloadText(payload: string): string | null {
  if (payload.length + SHARE_PREFIX.length > MAX_LINK_CHARS)
    return `the link is ${payload.length + SHARE_PREFIX.length} characters; a share link has at most ${MAX_LINK_CHARS}`;
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return 'the link is damaged: the program part is not base64url text';
  return null;
}

/** The program a link's JSON holds, or why it is not one, in words. */
export function checkSharedProgram(value: unknown): SharedCheck {
  const no = (message: string): SharedCheck => ({ ok: false, message });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return no('this is not a share link: its content is not an object');
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !(FIELDS as readonly string[]).includes(k));
  if (extra !== undefined) return no(`this is not a share link: it holds "${extra.slice(0, 40)}", which share links do not`);
  if (o['v'] !== SHARE_VERSION)
    return no(`the link is of format ${JSON.stringify(o['v'] ?? null).slice(0, 20)}; this lab reads share-link format ${SHARE_VERSION}`);
  for (const k of TEXT_FIELDS) if (typeof o[k] !== 'string') return no(`this is not a share link: ${k}: not text`);
  const p = o as unknown as SharedProgram;
  if (!SHARED_FILE_NAME.test(p.file)) return no('the file name in the link is not a bare name (letters, digits, "_", "-", "."; no folders)');
  if (p.source.length > MAX_SOURCE_CHARS) return no(`the program in the link is longer than ${MAX_SOURCE_CHARS / 1024} KiB`);
  if (p.mode !== 'kernel' && p.mode !== 'user') return no('the mode in the link is neither "kernel" nor "user"');
  if (p.args.length > MAX_SHARED_ARGS_CHARS) return no('the arguments in the link are longer than a run accepts');
  if (p.stdin.length > RUN_LIMITS.stdinChars) return no(`the standard input in the link is longer than ${RUN_LIMITS.stdinChars / 1024} KiB`);
  if (!/^[0-9a-f]{0,128}$/.test(p.images)) return no('the guest-image digest in the link is not hex');
  return { ok: true, program: { file: p.file, source: p.source, mode: p.mode, args: p.args, stdin: p.stdin, images: p.images } };
}

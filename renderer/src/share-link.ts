// Share links: the page URL's fragment always holds the program, its file
// name, the run mode, the arguments and the standard input, deflated and
// base64url-encoded, plus the digest of the guest images it was made with.
// Opening such a URL restores exactly that (preload/share-format.ts has the
// format and its bounds). The fragment never reaches a
// server (browsers do not send it), so sharing a link shares nothing else.

import {
  checkSharedProgram,
  checkSharePayloadText,
  MAX_SHARED_JSON_BYTES,
  SHARE_PREFIX,
  SHARE_VERSION,
  type SharedProgram,
} from '../../preload/share-format.js';

export type SharedState = SharedProgram;

export async function encodeShared(state: SharedState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: SHARE_VERSION, ...state }));
  const deflated = await collect(new Blob([json]).stream().pipeThrough(new CompressionStream('deflate-raw')));
  return SHARE_PREFIX + toBase64Url(deflated);
}

/**
 * The state a fragment holds, null when it holds none, or what is wrong with it in words. The
 * fragment is anyone's text: it is bounded before decoding and while inflating (a link of a few
 * hundred KiB can unpack to gigabytes and would take the tab down), and held to the format.
 */
export async function decodeShared(fragment: string): Promise<SharedState | null | { error: string }> {
  if (!fragment.startsWith(SHARE_PREFIX)) return null;
  const payload = fragment.slice(SHARE_PREFIX.length);
  const notPayload = checkSharePayloadText(payload);
  if (notPayload !== null) return { error: notPayload };
  let text: string;
  try {
    const inflated = await inflateAtMost(fromBase64Url(payload), MAX_SHARED_JSON_BYTES);
    if (inflated === null) return { error: `the link unpacks to more than ${MAX_SHARED_JSON_BYTES} bytes; a share link holds less` };
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated);
  } catch {
    return { error: 'the link is damaged: its program part does not unpack' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'the link is damaged: its program part is not JSON text' };
  }
  const checked = checkSharedProgram(value);
  return checked.ok ? checked.program : { error: checked.message };
}

/** Inflates deflate-raw bytes, or null as soon as the output passes `max` bytes (the rest is never produced). */
async function inflateAtMost(bytes: Uint8Array, max: number): Promise<Uint8Array | null> {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// Share links: the page URL's fragment always holds the program, its file
// name, the run mode, the arguments and the standard input, deflated and
// base64url-encoded, plus the digest of the guest images it was made with.
// Opening such a URL restores exactly that. The fragment never reaches a
// server (browsers do not send it), so sharing a link shares nothing else.

export interface SharedState {
  file: string;
  source: string;
  mode: 'kernel' | 'user';
  args: string;
  stdin: string;
  /** The guest images' digest when the link was made ('' when unknown). */
  images: string;
}

const PREFIX = '#tal=';
const VERSION = 1;

export async function encodeShared(state: SharedState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: VERSION, ...state }));
  const deflated = await collect(new Blob([json]).stream().pipeThrough(new CompressionStream('deflate-raw')));
  return PREFIX + toBase64Url(deflated);
}

/** The state a fragment holds, null when it holds none, or what is wrong with it in words. */
export async function decodeShared(fragment: string): Promise<SharedState | null | { error: string }> {
  if (!fragment.startsWith(PREFIX)) return null;
  try {
    const bytes = fromBase64Url(fragment.slice(PREFIX.length));
    const inflated = await collect(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')));
    const value = JSON.parse(new TextDecoder().decode(inflated)) as Record<string, unknown>;
    if (value['v'] !== VERSION) return { error: `the link is of format ${String(value['v'])}; this lab reads format ${VERSION}` };
    const str = (k: string): string => (typeof value[k] === 'string' ? (value[k] as string) : '');
    const mode = value['mode'] === 'user' ? 'user' : 'kernel';
    return { file: str('file') || 'shared.tal', source: str('source'), mode, args: str('args'), stdin: str('stdin'), images: str('images') };
  } catch (e) {
    return { error: `the link is damaged (${(e as Error).message})` };
  }
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

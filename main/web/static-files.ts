// Serves the built renderer (dist/renderer) to the browser with the same
// content security policy the Electron window enforces. Only plain files
// directly inside the renderer directory are served: no directory listing,
// no dot files, no path that leaves the directory.

import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The renderer's policy: scripts only from our own files; styles may be inline because CodeMirror
 * and xterm.js set element styles at run time; the only connection is back to this origin.
 * index.html carries the same policy in a meta tag for the Electron window.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export function staticFileHandler(rootDir: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const name = requestedFile(req.url ?? '/');
    if (name === null) return send(404, 'not found');
    const type = CONTENT_TYPES[path.extname(name)];
    if (type === undefined) return send(404, 'not found');
    try {
      send(200, await readFile(path.join(rootDir, name)), type);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') return send(404, 'not found');
      send(500, 'could not read file');
    }
  };
}

/** The file name a URL asks for, or null when it is not a plain file directly inside the root. */
export function requestedFile(url: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://placeholder').pathname);
  } catch {
    return null;
  }
  if (pathname === '/') return 'index.html';
  const name = pathname.slice(1);
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name) || name.includes('..')) return null;
  return name;
}

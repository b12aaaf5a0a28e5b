// The web shell over HTTP without a browser: security headers, static-file
// confinement, and WebSocket upgrades refused for foreign origins.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';

test('web shell: serves the CSP and refuses WebSocket connections from other origins', async () => {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0 });
  try {
    const res = await fetch(shell.url);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe/);
    assert.equal((await fetch(new URL('/../package.json', shell.url))).status, 404);
    assert.equal((await fetch(new URL('/%2e%2e%2fpackage.json', shell.url))).status, 404);

    const wsUrl = `${shell.url.replace('http', 'ws')}api`;
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl, { origin: 'http://evil.example' });
      ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    assert.equal(status, 403);
  } finally {
    await shell.close();
  }
});

// `npm run web`: starts the web shell on 127.0.0.1:$PORT (default 8080) and boots the guest.

import { resolveLabPaths } from './app/resource-paths.js';
import { startWebShell } from './web/web-shell.js';

const port = Number(process.env['PORT'] ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer 0..65535, got ${JSON.stringify(process.env['PORT'])}`);
  process.exit(2);
}

const shell = await startWebShell({ paths: resolveLabPaths({ env: process.env }), port, bootVm: true });
console.log(`TAL Lab web shell: ${shell.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void shell.close().then(() => process.exit(0));
  });
}

// `npm run web`: starts the web shell on 127.0.0.1:$PORT (default 8080) and boots the guest.

import path from 'node:path';
import { resolveLabPaths } from './app/resource-paths.js';
import { startWebShell } from './web/web-shell.js';

const port = Number(process.env['PORT'] ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer 0..65535, got ${JSON.stringify(process.env['PORT'])}`);
  process.exit(2);
}

// --workspace DIR: the folder the lab keeps .tal files in (default ~/tal-lab, or TAL_LAB_WORKSPACE).
const paths = resolveLabPaths({ env: process.env });
const at = process.argv.indexOf('--workspace');
if (at >= 0) {
  const dir = process.argv[at + 1];
  if (dir === undefined || dir === '') {
    console.error('--workspace needs a folder: npm run web -- --workspace DIR');
    process.exit(2);
  }
  paths.workspaceDir = path.resolve(dir);
}
const shell = await startWebShell({ paths, port, bootVm: true });
console.log(`TAL Lab web shell: ${shell.url} (workspace: ${paths.workspaceDir})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void shell.close().then(() => process.exit(0));
  });
}

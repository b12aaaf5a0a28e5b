// npm run build:bench-guest — compiles the benchmark's guest tools
// (bench/guest/*.c) with Debian's i686 cross compiler into bench/guest/bin/
// and records what they were built from in bench/guest/bin/manifest.json.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  GUEST_BIN_DIR,
  GUEST_CC,
  GUEST_CFLAGS,
  GUEST_LIBS,
  GUEST_MANIFEST,
  GUEST_SOURCE_DIR,
  GUEST_TOOLS,
  guestToolNames,
  sourceDigest,
  type GuestManifest,
} from './guest-tools.js';

function compilerVersion(): string {
  const r = spawnSync(GUEST_CC, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${GUEST_CC} is not available (${r.error?.message ?? r.stderr}); install Debian's gcc-i686-linux-gnu`);
  }
  return r.stdout.split('\n')[0]!.trim();
}

async function main(): Promise<void> {
  const compiler = compilerVersion();
  await mkdir(GUEST_BIN_DIR, { recursive: true });
  const manifest: GuestManifest = { format: 1, compiler, cflags: [...GUEST_CFLAGS, ...GUEST_LIBS], tools: {} as GuestManifest['tools'] };
  for (const name of guestToolNames()) {
    const output = path.join(GUEST_BIN_DIR, name);
    const args = [...GUEST_CFLAGS, '-o', output, ...GUEST_TOOLS[name], ...GUEST_LIBS];
    const r = spawnSync(GUEST_CC, args, { cwd: GUEST_SOURCE_DIR, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building ${name} failed:\n${r.stderr}`);
    const bytes = await readFile(output);
    manifest.tools[name] = {
      sourceDigest: await sourceDigest(name),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
    };
    console.log(`${name}: ${bytes.length} bytes`);
  }
  await writeFile(GUEST_MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), GUEST_MANIFEST)} (${compiler})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});

// npm run build:bench-guest — compiles the benchmark's guest tools
// (bench/guest/*.c) with Debian's i686 cross compiler into bench/guest/bin/
// and records what they were built from in bench/guest/bin/manifest.json.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_ROOT } from '../main/app/resource-paths.js';
import {
  DEFAULT_TOOL_DIRS,
  GUEST_CC,
  GUEST_CFLAGS,
  GUEST_LIBS,
  GUEST_TOOLS,
  guestToolNames,
  sourceDigest,
  type GuestManifest,
  type GuestToolDirs,
} from './guest-tools.js';

function compilerVersion(): string {
  const r = spawnSync(GUEST_CC, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${GUEST_CC} is not available (${r.error?.message ?? r.stderr}); install Debian's gcc-i686-linux-gnu`);
  }
  return r.stdout.split('\n')[0]!.trim();
}

/** Compile every tool from dirs.sourceDir into dirs.binDir and write the manifest there. */
export async function buildGuestTools(dirs: GuestToolDirs = DEFAULT_TOOL_DIRS, log: (line: string) => void = () => {}): Promise<GuestManifest> {
  const compiler = compilerVersion();
  await mkdir(dirs.binDir, { recursive: true });
  const manifest: GuestManifest = { format: 1, compiler, cflags: [...GUEST_CFLAGS, ...GUEST_LIBS], tools: {} as GuestManifest['tools'] };
  for (const name of guestToolNames()) {
    const output = path.join(dirs.binDir, name);
    const args = [...GUEST_CFLAGS, '-o', output, ...GUEST_TOOLS[name], ...GUEST_LIBS];
    const r = spawnSync(GUEST_CC, args, { cwd: dirs.sourceDir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building ${name} failed:\n${r.stderr}`);
    const bytes = await readFile(output);
    manifest.tools[name] = {
      sourceDigest: await sourceDigest(name, dirs.sourceDir),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
    };
    log(`${name}: ${bytes.length} bytes`);
  }
  const manifestPath = path.join(dirs.binDir, 'manifest.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), manifestPath)} (${compiler})`);
  return manifest;
}

/** Whether the cross compiler is installed (tests that rebuild the tools need it). */
export function haveGuestCompiler(): boolean {
  const r = spawnSync(GUEST_CC, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(APP_ROOT, 'dist', 'bench', 'build-guest-tools.js')) {
  buildGuestTools(DEFAULT_TOOL_DIRS, (line) => console.log(line)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}

// The benchmark's guest tools: small static i386 programs (bench/guest/*.c,
// no libc) that run inside the guest — the tree generator, the timer that runs
// a program from outside, the echo clients and the trap-path getpid loop.
// Their binaries are committed under bench/guest/bin/ with a manifest of the
// sources they were built from (like the guest kernel images), so tests and
// benchmarks need no cross compiler; `npm run build:bench-guest` rebuilds them.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_ROOT } from '../main/app/resource-paths.js';

export const GUEST_SOURCE_DIR = path.join(APP_ROOT, 'bench', 'guest');
export const GUEST_BIN_DIR = path.join(GUEST_SOURCE_DIR, 'bin');

export type GuestToolName = 'timeit' | 'mktree' | 'getpid_gate' | 'echo_latency' | 'echo_verify';

/** Each tool's translation units, in link order (rt.c provides _start). */
export const GUEST_TOOLS: Readonly<Record<GuestToolName, readonly string[]>> = {
  timeit: ['rt.c', 'timeit.c'],
  mktree: ['rt.c', 'mktree.c'],
  getpid_gate: ['rt.c', 'getpid_gate.c'],
  echo_latency: ['rt.c', 'net.c', 'echo_latency.c'],
  echo_verify: ['rt.c', 'net.c', 'echo_verify.c'],
};

/** Headers every tool may include; part of every tool's source digest. */
export const GUEST_HEADERS: readonly string[] = ['rt.h', 'net.h'];

export const GUEST_CC = 'i686-linux-gnu-gcc';
export const GUEST_CFLAGS: readonly string[] = [
  '-std=gnu11',
  '-m32',
  '-march=i686',
  '-O2',
  '-static',
  '-nostdlib',
  '-ffreestanding',
  '-fno-builtin',
  '-fno-pie',
  '-no-pie',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-Wl,--build-id=none',
  '-Wl,-z,noexecstack',
];
/** After the sources: 64-bit division and friends. */
export const GUEST_LIBS: readonly string[] = ['-lgcc'];

export interface GuestManifest {
  format: 1;
  compiler: string;
  cflags: string[];
  tools: Record<GuestToolName, { sourceDigest: string; sha256: string; size: number }>;
}

export type GuestTools = Record<GuestToolName, Uint8Array>;

export class GuestToolsError extends Error {
  constructor(
    readonly code: 'GUEST_TOOLS_MISSING' | 'GUEST_TOOLS_STALE' | 'GUEST_TOOLS_CORRUPT',
    message: string,
    readonly tool?: GuestToolName,
  ) {
    super(message);
  }
}

export function guestToolNames(): GuestToolName[] {
  return Object.keys(GUEST_TOOLS) as GuestToolName[];
}

/** Where the sources and the committed binaries are (tests point these at copies). */
export interface GuestToolDirs {
  sourceDir: string;
  binDir: string;
}

export const DEFAULT_TOOL_DIRS: GuestToolDirs = { sourceDir: GUEST_SOURCE_DIR, binDir: GUEST_BIN_DIR };

/** SHA-256 over the tool's sources, the shared headers and the compiler flags: what its binary depends on. */
export async function sourceDigest(tool: GuestToolName, sourceDir = GUEST_SOURCE_DIR): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ cflags: GUEST_CFLAGS, libs: GUEST_LIBS }));
  for (const file of [...GUEST_HEADERS, ...GUEST_TOOLS[tool]]) {
    hash.update(`\0${file}\0`);
    hash.update(await readFile(path.join(sourceDir, file)));
  }
  return hash.digest('hex');
}

/** The committed binaries, after checking that each matches its manifest entry and its current sources. */
export async function loadGuestTools(dirs: GuestToolDirs = DEFAULT_TOOL_DIRS): Promise<GuestTools> {
  const manifestPath = path.join(dirs.binDir, 'manifest.json');
  let manifest: GuestManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as GuestManifest;
  } catch (error) {
    throw new GuestToolsError('GUEST_TOOLS_MISSING', `cannot read ${manifestPath} (${(error as Error).message}); run npm run build:bench-guest`);
  }
  const tools = {} as GuestTools;
  for (const name of guestToolNames()) {
    const entry = manifest.tools?.[name];
    if (!entry) throw new GuestToolsError('GUEST_TOOLS_MISSING', `${name} is not in ${manifestPath}; run npm run build:bench-guest`, name);
    if (entry.sourceDigest !== (await sourceDigest(name, dirs.sourceDir))) {
      throw new GuestToolsError('GUEST_TOOLS_STALE', `bench/guest/bin/${name} was built from other sources; run npm run build:bench-guest`, name);
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path.join(dirs.binDir, name)));
    } catch (error) {
      throw new GuestToolsError(
        'GUEST_TOOLS_MISSING',
        `cannot read bench/guest/bin/${name} (${(error as Error).message}); run npm run build:bench-guest`,
        name,
      );
    }
    if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
      throw new GuestToolsError('GUEST_TOOLS_CORRUPT', `bench/guest/bin/${name} does not match its manifest digest`, name);
    }
    tools[name] = bytes;
  }
  return tools;
}

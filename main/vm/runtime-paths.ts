// Paths of files the worker thread must load from disk. Inside a packaged
// Electron app they live in app.asar, which a worker thread cannot execute
// from and v86 cannot read its wasm from: electron-builder must list them in
// `asarUnpack` (dist/main/vm/**, node_modules/v86/**), and we point at the
// unpacked copies.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function unpackedFromAsar(path: string): string {
  return path.replace(/\.asar([\\/])/, '.asar.unpacked$1');
}

export function emulatorWorkerPath(): string {
  return unpackedFromAsar(fileURLToPath(new URL('./emulator-worker.js', import.meta.url)));
}

export function v86WasmPath(): string {
  const v86Main = createRequire(import.meta.url).resolve('v86');
  return unpackedFromAsar(join(dirname(v86Main), 'v86.wasm'));
}

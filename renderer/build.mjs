// Builds what tsc does not: the renderer bundle (dist/renderer: index.html,
// lab.js, lab.css) and the Electron shell's two entry files (the sandboxed
// preload must be one CommonJS file; the main entry is transpiled alone and
// imports the tsc-built modules next to it). Type checking is tsc's job:
// tsconfig.renderer.json and tsconfig.electron.json.

import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = (...p) => path.join(root, 'dist', ...p);

await mkdir(out('renderer'), { recursive: true });
await Promise.all([
  build({
    entryPoints: { lab: path.join(root, 'renderer/src/main.ts') },
    outdir: out('renderer'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    sourcemap: true,
    minify: process.env.NODE_ENV === 'production',
    logLevel: 'warning',
  }),
  copyFile(path.join(root, 'renderer/index.html'), out('renderer', 'index.html')),
  build({
    entryPoints: [path.join(root, 'preload/preload.ts')],
    outfile: out('preload', 'preload.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    external: ['electron'],
    logLevel: 'warning',
  }),
  build({
    entryPoints: [path.join(root, 'main/electron-main.ts')],
    outfile: out('main', 'electron-main.js'),
    bundle: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
  }),
]);

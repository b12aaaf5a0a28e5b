// Where the lab finds its files, in a checkout and in a packaged Electron app.
// The one place that knows the layout, used by both shells: in a packaged app
// electron-builder copies the guest images and the examples next to app.asar
// (extraResources, see electron-builder.yml), under process.resourcesPath.

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LabPaths {
  /** The built renderer: index.html, lab.js, lab.css. */
  rendererDir: string;
  /** TAL examples offered in the editor's picker. */
  examplesDir: string;
  /** Guest kernel and initrd images for the VM service. */
  imagesDir: string;
  /** JSON files written by `npm run bench`. */
  benchResultsDir: string;
  /** The person's .tal files (created on first save). */
  workspaceDir: string;
}

export interface PathContext {
  /** Electron's process.resourcesPath when running from a packaged app; undefined in a checkout or the web shell. */
  packagedResourcesPath?: string;
  /** Overrides for tests and for people who keep images elsewhere. */
  env?: NodeJS.ProcessEnv;
}

/** The repository root (or app.asar root when packaged): this file compiles to dist/main/app/. */
export const APP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function resolveLabPaths(ctx: PathContext = {}): LabPaths {
  const env = ctx.env ?? {};
  const resources = ctx.packagedResourcesPath;
  return {
    rendererDir: path.join(APP_ROOT, 'dist', 'renderer'),
    examplesDir: env['TAL_LAB_EXAMPLES'] ?? (resources ? path.join(resources, 'examples') : path.join(APP_ROOT, 'tal', 'examples')),
    imagesDir: env['TAL_LAB_IMAGES'] ?? (resources ? path.join(resources, 'images') : path.join(APP_ROOT, 'kernel-images', 'images')),
    benchResultsDir: env['TAL_LAB_BENCH_RESULTS'] ?? path.join(APP_ROOT, 'bench', 'results'),
    workspaceDir: env['TAL_LAB_WORKSPACE'] ?? path.join(os.homedir(), 'tal-lab'),
  };
}

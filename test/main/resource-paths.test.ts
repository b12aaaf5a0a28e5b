// One resolver for the lab's files in a checkout and in a packaged app.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { APP_ROOT, resolveLabPaths } from '../../main/app/resource-paths.js';
import { existsSync } from 'node:fs';

test('in a checkout: the repository folders', () => {
  const p = resolveLabPaths();
  assert.ok(existsSync(path.join(APP_ROOT, 'package.json')));
  assert.equal(p.imagesDir, path.join(APP_ROOT, 'kernel-images', 'images'));
  assert.equal(p.examplesDir, path.join(APP_ROOT, 'tal', 'examples'));
  assert.equal(p.rendererDir, path.join(APP_ROOT, 'dist', 'renderer'));
  assert.equal(p.benchResultsDir, path.join(APP_ROOT, 'bench', 'results'));
});

test('packaged: images and examples under process.resourcesPath', () => {
  const p = resolveLabPaths({ packagedResourcesPath: '/opt/TAL Lab/resources' });
  assert.equal(p.imagesDir, path.join('/opt/TAL Lab/resources', 'images'));
  assert.equal(p.examplesDir, path.join('/opt/TAL Lab/resources', 'examples'));
});

test('environment overrides win', () => {
  const p = resolveLabPaths({ packagedResourcesPath: '/r', env: { TAL_LAB_IMAGES: '/img', TAL_LAB_EXAMPLES: '/ex', TAL_LAB_BENCH_RESULTS: '/b' } });
  assert.deepEqual([p.imagesDir, p.examplesDir, p.benchResultsDir], ['/img', '/ex', '/b']);
});

// Start a ready guest the fast way: resume the cached booted snapshot for these
// images and options when there is one, else cold boot and cache a snapshot.
// The snapshot is taken before anything per-boot (such as a signing key) is put
// into the guest, so it never holds a secret. It is also the guest's recovery
// state: if the emulator dies under the guest, the guest restarts from it.

import { performance } from 'node:perf_hooks';
import type { BootProgress } from './boot-progress.js';
import { VmError } from './errors.js';
import { defaultImagesDir, loadGuestImages } from './guest-images.js';
import { defaultCacheDir, loadSnapshot, snapshotPath, storeSnapshot, type SnapshotIdentity } from './snapshot-cache.js';
import { DEFAULT_MEMORY_MIB, VmService, resolveCmdline, type BootOptions, type BootReport } from './vm-service.js';

export interface LaunchOptions extends Omit<BootOptions, 'state' | 'images'> {
  /** Default: defaultCacheDir(). */
  cacheDir?: string;
  /** 'use' (default): resume a cached snapshot or create one; 'refresh': cold boot and replace it; 'off': cold boot, no cache. */
  snapshot?: 'use' | 'refresh' | 'off';
  onProgress?: (progress: BootProgress) => void;
}

export interface SnapshotInfo {
  path: string;
  bytes: number;
  /** Time of saveState() (not the file write), set when this launch created the snapshot. */
  saveMs?: number;
}

export interface LaunchedGuest {
  vm: VmService;
  boot: BootReport;
  snapshot: SnapshotInfo | null;
}

export async function launchGuest(options: LaunchOptions = {}): Promise<LaunchedGuest> {
  const { cacheDir = defaultCacheDir(), snapshot = 'use', onProgress, ...bootOptions } = options;
  const images = await loadGuestImages(options.imagesDir ?? defaultImagesDir());
  const identity: SnapshotIdentity = {
    imagesDigest: images.digest,
    memoryMiB: options.memoryMiB ?? DEFAULT_MEMORY_MIB,
    cmdline: resolveCmdline(images, options.cmdline),
  };
  const path = snapshotPath(cacheDir, identity);

  if (snapshot === 'use') {
    const state = await loadSnapshot(cacheDir, identity);
    if (state) {
      const vm = withProgress(new VmService(), onProgress);
      try {
        const boot = await vm.boot({ ...bootOptions, images, state });
        vm.setRecoveryState(state);
        return { vm, boot, snapshot: { path, bytes: state.length } };
      } catch (error) {
        // A snapshot that no longer resumes (e.g. a v86 change the key did not capture) is replaced below.
        if (error instanceof VmError && error.code === 'BAD_ARGUMENT') throw error;
      }
    }
  }

  const vm = withProgress(new VmService(), onProgress);
  const boot = await vm.boot({ ...bootOptions, images });
  if (snapshot === 'off') return { vm, boot, snapshot: null };
  const started = performance.now();
  const state = await vm.saveState();
  const saveMs = performance.now() - started;
  vm.setRecoveryState(state);
  await storeSnapshot(cacheDir, identity, state);
  return { vm, boot, snapshot: { path, bytes: state.length, saveMs } };
}

function withProgress(vm: VmService, onProgress?: (progress: BootProgress) => void): VmService {
  if (onProgress) vm.on('progress', onProgress);
  return vm;
}

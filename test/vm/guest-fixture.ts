// Shared by the VM tests: a real guest resumed from the cached booted snapshot
// (created by a cold boot the first time), so each test file boots in about a
// second. Images: kernel-images/images, or TAL_LAB_IMAGES. Every suite has a
// timeout, so a hung guest fails the run instead of blocking it.

import { launchGuest, type LaunchedGuest } from '../../main/vm/index.js';

export async function resumeGuest(): Promise<LaunchedGuest> {
  return launchGuest({ snapshot: 'use' });
}

/** Resolves with the error a promise rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; location?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the promise to reject, but it resolved');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The admission decision: the one place that decides which bytes the guest
// kernel will let into ring 0. Only an image the checker accepted (a
// CheckedImage, which only buildSource makes) run in kernel mode is signed
// with the per-boot key. Everything else goes to the guest exactly as given,
// so an unsigned, foreign-signed or altered image can run only in ring 3,
// where it is as harmless as any user program. docs/architecture.md, "Trusted
// base", lists this file.

import { CheckedImage } from '../../tal/build.js';
import type { SigningKey } from '../vm/signing-key.js';

/** How the guest runs an image: in ring 0 through the direct gate, or in ring 3 through a trap. */
export type ExecMode = 'kernel' | 'user' | 'user-sysenter';

/** What a run may carry: a checked image, or raw bytes that will never be signed. */
export type RunImage = CheckedImage | Uint8Array;

/** The bytes to deliver for a run in `mode`. */
export function admit(image: RunImage, mode: ExecMode, key: SigningKey): Uint8Array {
  if (!CheckedImage.is(image)) return image;
  return mode === 'kernel' ? key.sign(image) : image.talo;
}

/** The image's size in bytes, signed or not (for request checks). */
export function imageBytes(image: RunImage): number {
  return CheckedImage.is(image) ? image.talo.length : image.length;
}

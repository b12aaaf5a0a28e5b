// The signature trailer (docs/talo.md, "Signature trailer"): HMAC-SHA256 over
// the file bytes [0, total_size) with the per-boot key the host injects into the guest.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { TRAILER_SIZE } from './image.js';
import { SIGNATURE_MAGIC, TaloFormatException, type TaloFormatError, readTalo } from './talo.js';

export type VerifyTaloResult = { ok: true; keyId: number } | { ok: false; error: TaloFormatError };

function mac(key: Uint8Array, body: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(body).digest());
}

/** Appends the trailer to a valid unsigned image. Signing anything else is a caller bug and throws. */
export function signTalo(bytes: Uint8Array, key: Uint8Array, keyId = 0): Uint8Array {
  const parsed = readTalo(bytes);
  if (!parsed.ok) throw new TaloFormatException(parsed.error);
  if (parsed.signature !== undefined) {
    throw new TaloFormatException({ code: 'TALO_ALREADY_SIGNED', offset: bytes.length - TRAILER_SIZE, message: 'the image already has a signature trailer' });
  }
  const out = new Uint8Array(bytes.length + TRAILER_SIZE);
  out.set(bytes);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(SIGNATURE_MAGIC), bytes.length);
  view.setUint32(bytes.length + 4, keyId >>> 0, true);
  out.set(mac(key, bytes), bytes.length + 8);
  return out;
}

/** Checks the trailer of an image (which must also be a valid `.talo`) against `key`. */
export function verifyTalo(bytes: Uint8Array, key: Uint8Array): VerifyTaloResult {
  const parsed = readTalo(bytes);
  if (!parsed.ok) return parsed;
  if (parsed.signature === undefined) {
    return { ok: false, error: { code: 'TALO_UNSIGNED', offset: bytes.length, message: 'the image has no signature trailer' } };
  }
  const totalSize = bytes.length - TRAILER_SIZE;
  const expected = mac(key, bytes.subarray(0, totalSize));
  if (!timingSafeEqual(expected, parsed.signature.mac)) {
    return {
      ok: false,
      error: { code: 'TALO_BAD_SIGNATURE', offset: totalSize + 8, message: 'the HMAC does not match: the image was changed or signed with another key' },
    };
  }
  return { ok: true, keyId: parsed.signature.keyId };
}

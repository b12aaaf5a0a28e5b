// The per-boot HMAC key that grants ring 0. It is generated on the host, held
// in a private field, and written only into the guest kernel's control page
// (which guest user space cannot read: no /dev/mem, no /proc/kcore). Nothing
// returns the key itself; fingerprint() identifies it in logs and tests.

import { createHash, randomBytes } from 'node:crypto';
import { signTalo, verifyTalo } from '../../tal/asm/sign.js';
import { CheckedImage } from '../../tal/build.js';
import { CONTROL_OFFSETS, KEY_BYTES, KEY_READY, type ControlRegion, type GuestMemory } from './control-region.js';
import { VmError } from './errors.js';

export class SigningKey {
  readonly #key: Uint8Array;

  private constructor(key: Uint8Array) {
    this.#key = key;
  }

  static generate(): SigningKey {
    return new SigningKey(new Uint8Array(randomBytes(KEY_BYTES)));
  }

  /**
   * The checked image with a signature trailer made with this key (docs/talo.md). Only a
   * CheckedImage — which only buildSource makes, after the checker accepted the source — can be
   * signed: there is no way to sign other bytes with a key that grants ring 0.
   */
  sign(image: CheckedImage): Uint8Array {
    if (!CheckedImage.is(image)) throw new TypeError('only a CheckedImage (from buildSource) can be signed for ring 0');
    return signTalo(image.talo, this.#key);
  }

  /** Whether `bytes` carry a valid signature made with this key. */
  signed(bytes: Uint8Array): boolean {
    return verifyTalo(bytes, this.#key).ok;
  }

  /** First 16 hex digits of SHA-256(key): names the key without revealing it. */
  fingerprint(): string {
    return createHash('sha256').update(this.#key).digest('hex').slice(0, 16);
  }

  /**
   * Give the key to the guest kernel: mark the slot not ready, write the key, then mark it ready, so
   * the kernel never copies a half-written key. Reads the state back to be sure the write landed.
   */
  async injectInto(vm: GuestMemory, region: ControlRegion): Promise<void> {
    const stateAddress = region.address + CONTROL_OFFSETS.keyState;
    await vm.writeMemory(stateAddress, u32(0));
    await vm.writeMemory(region.address + CONTROL_OFFSETS.key, this.#key);
    await vm.writeMemory(stateAddress, u32(KEY_READY));
    const state = new DataView((await vm.readMemory(stateAddress, 4)).buffer).getUint32(0, true);
    if (state !== KEY_READY) {
      throw new VmError('NO_TAL_SUPPORT', `the signing key did not stick at guest physical 0x${stateAddress.toString(16)}`);
    }
  }
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return bytes;
}

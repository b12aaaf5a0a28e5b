// The per-boot HMAC key that grants ring 0. It is generated on the host, held
// in a private field, and written only into the guest kernel's control page
// (which guest user space cannot read: no /dev/mem, no /proc/kcore). Nothing
// returns the key itself; fingerprint() identifies it in logs and tests.

import { createHash, randomBytes } from 'node:crypto';
import { signTalo } from '../../tal/asm/sign.js';
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

  /** The image with a signature trailer made with this key (docs/talo.md); throws on an invalid or signed image. */
  sign(talo: Uint8Array): Uint8Array {
    return signTalo(talo, this.#key);
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

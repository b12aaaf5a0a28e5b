// The admission decision (main/runner/admission.ts) without a guest: what is
// signed for ring 0 and what goes as given, and that nothing but a checked
// image can be signed — not raw bytes, not a look-alike object, not a checked
// image's bytes changed after the check.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { APP_ROOT } from '../../main/app/resource-paths.js';
import { admit, imageBytes } from '../../main/runner/admission.js';
import { SigningKey } from '../../main/vm/signing-key.js';
import { buildSource, CheckedImage } from '../../tal/build.js';
import { readTalo } from '../../tal/asm/talo.js';

function hello(): CheckedImage {
  const built = buildSource(readFileSync(path.join(APP_ROOT, 'tal', 'examples', 'hello.tal'), 'utf8'), 'hello.tal');
  assert.ok(built.ok && built.checked);
  return built.checked;
}

test('a checked image run in kernel mode is signed with the key; in user modes it goes unsigned', () => {
  const key = SigningKey.generate();
  const checked = hello();
  const kernel = admit(checked, 'kernel', key);
  assert.ok(key.signed(kernel));
  assert.deepEqual(kernel.subarray(0, checked.talo.length), checked.talo);
  for (const mode of ['user', 'user-sysenter'] as const) {
    const user = admit(checked, mode, key);
    assert.deepEqual(user, checked.talo);
    const parsed = readTalo(user);
    assert.ok(parsed.ok);
    assert.equal(parsed.signature, undefined);
  }
  assert.equal(imageBytes(checked), checked.talo.length);
});

test('raw bytes are delivered exactly as given in every mode, never signed', () => {
  const key = SigningKey.generate();
  const raw = hello().talo;
  for (const mode of ['kernel', 'user', 'user-sysenter'] as const) {
    const out = admit(raw, mode, key);
    assert.equal(out, raw);
    assert.equal(key.signed(out), false);
  }
});

test('the signer refuses anything but a CheckedImage, and signs what the checker saw', () => {
  const key = SigningKey.generate();
  const checked = hello();
  const lookAlike = { talo: checked.talo, file: 'hello.tal' } as unknown as CheckedImage;
  assert.throws(() => key.sign(lookAlike), /only a CheckedImage/);
  assert.throws(() => key.sign(checked.talo as unknown as CheckedImage), /only a CheckedImage/);
  assert.equal(admit(lookAlike, 'kernel', key), lookAlike as unknown as Uint8Array, 'a look-alike is raw bytes to admission');
  // Changing the bytes a CheckedImage hands out does not change what gets signed.
  const before = admit(checked, 'kernel', key);
  const copy = checked.talo;
  copy.fill(0x90, 64);
  assert.deepEqual(admit(checked, 'kernel', key), before);
  assert.throws(() => new CheckedImage(Symbol('built by buildSource'), copy, 'forged.tal'), /only from buildSource/);
});

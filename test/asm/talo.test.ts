// .talo: round trip, one corrupted image per validation rule (each must be
// refused with its own code), signing and verification, relocation semantics.

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { type TaloImage, HEADER_SIZE, TRAILER_SIZE } from '../../tal/asm/image.js';
import { linkImage } from '../../tal/asm/link.js';
import { signTalo, verifyTalo } from '../../tal/asm/sign.js';
import { TALO_HEADER, TaloFormatException, readTalo, writeTalo } from '../../tal/asm/talo.js';
import { syscallByName, SYSCALLS } from '../../tal/syscalls.js';
import { assembleOk, mixedProgram } from './samples.js';

const image = assembleOk(mixedProgram(), 'mixed source');
const bytes = writeTalo(image);
const header = (at: number): number => new DataView(bytes.buffer).getUint32(at, true);
const H = TALO_HEADER;

function corrupt(edit: (b: Uint8Array, v: DataView) => Uint8Array | void): Uint8Array {
  const b = bytes.slice();
  return edit(b, new DataView(b.buffer)) ?? b;
}

function expectError(b: Uint8Array, code: string, offset?: number): void {
  const res = readTalo(b, { syscallName: (nr) => SYSCALLS.find((s) => s.nr === nr)?.name });
  assert.equal(res.ok, false, `expected ${code}`);
  if (res.ok) return;
  assert.equal(res.error.code, code, res.error.message);
  assert.ok(res.error.message.length > 0);
  if (offset !== undefined) assert.equal(res.error.offset, offset);
}

function relocIndex(pred: (section: number, kind: number, target: number) => boolean): number {
  for (let k = 0; k < header(H.relocCount); k++) {
    const at = header(H.relocOff) + k * 8;
    if (pred(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]! | (bytes[at + 7]! << 8))) return k;
  }
  throw new Error('no such relocation');
}

describe('.talo round trip', () => {
  it('readTalo(writeTalo(image)) gives back the image', () => {
    const res = readTalo(bytes);
    assert.ok(res.ok);
    const { symbols: _symbols, ...plain } = image;
    const sorted: TaloImage = {
      ...plain,
      relocs: [...plain.relocs].sort((a, b) => (a.section === b.section ? a.offset - b.offset : a.section === 'code' ? -1 : 1)),
    };
    assert.deepEqual(res.image, sorted);
    assert.equal(res.signature, undefined);
  });

  it('lays sections back to back after the 128-byte header', () => {
    assert.equal(header(H.codeOff), HEADER_SIZE);
    assert.equal(header(H.dataOff), Math.ceil((HEADER_SIZE + image.code.length) / 4) * 4);
    assert.equal(header(H.totalSize), bytes.length);
    assert.equal(header(H.linesOff) + header(H.linesCount) * 8, bytes.length);
  });

  it('stores the digest of the accepted source', () => {
    const want = createHash('sha256').update('talc-1\0').update('mixed source').digest();
    assert.deepEqual(Buffer.from(bytes.subarray(80, 112)), want);
  });

  it('accepts a whitelist that knows every import', () => {
    assert.ok(readTalo(bytes, { syscallName: (nr) => SYSCALLS.find((s) => s.nr === nr)?.name }).ok);
  });

  it('writeTalo refuses an image outside the bounds instead of writing it', () => {
    assert.throws(
      () => writeTalo({ ...image, stackSize: 100 }),
      (e: unknown) => e instanceof TaloFormatException && e.error.code === 'TALO_STACK_SIZE',
    );
  });
});

describe('.talo validation: each violation has its own code', () => {
  const relocs = header(H.relocOff);
  const imports = header(H.importOff);
  const lines = header(H.linesOff);
  const importReloc = relocs + relocIndex((s, k) => s === 0 && k === 2) * 8;
  const absReloc = relocs + relocIndex((s, k) => s === 0 && k === 1) * 8;
  const heapNextReloc = relocs + relocIndex((s, k) => s === 1 && k === 1) * 8; // the first data relocation: heap_next
  const cases: [string, string, Uint8Array, number?][] = [
    ['shorter than the header', 'TALO_TRUNCATED', bytes.slice(0, 100), 100],
    ['shorter than total_size', 'TALO_TRUNCATED', bytes.slice(0, bytes.length - 1)],
    ['bad magic', 'TALO_BAD_MAGIC', corrupt((b) => void (b[0] = 0x58)), 0],
    ['version 2', 'TALO_BAD_VERSION', corrupt((_b, v) => v.setUint16(4, 2, true)), 4],
    ['header_size 64', 'TALO_BAD_HEADER_SIZE', corrupt((_b, v) => v.setUint16(6, 64, true)), 6],
    ['nonzero flags', 'TALO_BAD_FLAGS', corrupt((_b, v) => v.setUint32(8, 1, true)), 8],
    ['total_size above 16 MiB', 'TALO_TOTAL_SIZE', corrupt((_b, v) => v.setUint32(H.totalSize, (16 << 20) + 4, true)), H.totalSize],
    ['trailing bytes', 'TALO_BAD_LENGTH', new Uint8Array([...bytes, 0, 0, 0])],
    ['40 bytes that are not a trailer', 'TALO_BAD_TRAILER', new Uint8Array([...bytes, ...new Uint8Array(TRAILER_SIZE)])],
    ['nonzero reserved bytes', 'TALO_RESERVED', corrupt((b) => void (b[120] = 1)), 120],
    ['unknown checker version', 'TALO_CHECKER_VERSION', corrupt((_b, v) => v.setUint32(112, 2, true)), 112],
    ['empty code', 'TALO_CODE_SIZE', corrupt((_b, v) => v.setUint32(H.codeSize, 0, true)), H.codeSize],
    ['code above 4 MiB', 'TALO_CODE_SIZE', corrupt((_b, v) => v.setUint32(H.codeSize, (4 << 20) + 1, true)), H.codeSize],
    ['data without runtime words', 'TALO_DATA_SIZE', corrupt((_b, v) => v.setUint32(H.dataSize, 4, true)), H.dataSize],
    ['heap not whole pages', 'TALO_HEAP_SIZE', corrupt((_b, v) => v.setUint32(H.heapSize, 4097, true)), H.heapSize],
    ['heap above 64 MiB', 'TALO_HEAP_SIZE', corrupt((_b, v) => v.setUint32(H.heapSize, 128 << 20, true)), H.heapSize],
    ['stack below 4 KiB', 'TALO_STACK_SIZE', corrupt((_b, v) => v.setUint32(H.stackSize, 0, true)), H.stackSize],
    ['stack above 1 MiB', 'TALO_STACK_SIZE', corrupt((_b, v) => v.setUint32(H.stackSize, 2 << 20, true)), H.stackSize],
    ['code_vaddr not page-aligned', 'TALO_VADDR_ALIGN', corrupt((_b, v) => v.setUint32(H.codeVaddr, header(H.codeVaddr) + 16, true)), H.codeVaddr],
    ['heap_vaddr not page-aligned', 'TALO_VADDR_ALIGN', corrupt((_b, v) => v.setUint32(H.heapVaddr, header(H.heapVaddr) + 4, true)), H.heapVaddr],
    ['data over the code pages', 'TALO_VADDR_ORDER', corrupt((_b, v) => v.setUint32(H.dataVaddr, header(H.codeVaddr), true)), H.dataVaddr],
    ['heap over the data pages', 'TALO_VADDR_ORDER', corrupt((_b, v) => v.setUint32(H.heapVaddr, header(H.dataVaddr), true)), H.heapVaddr],
    ['heap reaching the kernel', 'TALO_VADDR_RANGE', corrupt((_b, v) => v.setUint32(H.heapVaddr, 0xaffff000, true)), H.heapVaddr],
    ['entry outside the code', 'TALO_ENTRY', corrupt((_b, v) => v.setUint32(H.entry, header(H.codeSize), true)), H.entry],
    ['too many relocations', 'TALO_RELOC_COUNT', corrupt((_b, v) => v.setUint32(H.relocCount, 0x10000000, true)), H.relocCount],
    ['no imports', 'TALO_IMPORT_COUNT', corrupt((_b, v) => v.setUint32(H.importCount, 0, true)), H.importCount],
    ['65 imports', 'TALO_IMPORT_COUNT', corrupt((_b, v) => v.setUint32(H.importCount, 65, true)), H.importCount],
    ['more line entries than code bytes', 'TALO_LINES_COUNT', corrupt((_b, v) => v.setUint32(H.linesCount, header(H.codeSize) + 1, true)), H.linesCount],
    ['misaligned section', 'TALO_SECTION_ALIGN', corrupt((_b, v) => v.setUint32(H.dataOff, header(H.dataOff) + 2, true)), H.dataOff],
    ['overlapping sections', 'TALO_SECTION_OVERLAP', corrupt((_b, v) => v.setUint32(H.dataOff, header(H.dataOff) - 4, true)), H.dataOff],
    ['gap between sections', 'TALO_SECTION_GAP', corrupt((_b, v) => v.setUint32(H.linesOff, header(H.linesOff) + 4, true)), H.linesOff],
    ['bytes after the last section', 'TALO_SECTION_GAP', corrupt((_b, v) => v.setUint32(H.linesCount, header(H.linesCount) - 1, true)), H.totalSize],
    ['section past total_size', 'TALO_SECTION_RANGE', corrupt((_b, v) => v.setUint32(H.linesCount, header(H.linesCount) + 1, true)), H.linesOff],
    ['nonzero padding', 'TALO_PADDING', corrupt((b) => void (b[HEADER_SIZE + image.code.length] = 0xcc)), HEADER_SIZE + image.code.length],
    ['uppercase import name', 'TALO_IMPORT_NAME', corrupt((b) => void (b[imports + 4] = 0x47)), imports + 4],
    ['empty import name', 'TALO_IMPORT_NAME', corrupt((b) => b.fill(0, imports + 4, imports + 32)), imports + 4],
    ['import name without NUL', 'TALO_IMPORT_NAME', corrupt((b) => b.fill(0x61, imports + 4, imports + 32)), imports + 4],
    ['bytes after the NUL of a name', 'TALO_IMPORT_NAME', corrupt((b) => void (b[imports + 31] = 0x61)), imports + 4],
    ['the same syscall twice', 'TALO_IMPORT_DUPLICATE', corrupt((_b, v) => v.setUint32(imports + 32, header(imports), true)), imports + 32],
    ['a syscall off the whitelist', 'TALO_IMPORT_FORBIDDEN', corrupt((_b, v) => v.setUint32(imports, 2, true)), imports],
    [
      'a name that does not match the number',
      'TALO_IMPORT_MISMATCH',
      corrupt((b) => void b.set(new TextEncoder().encode('read\0\0\0'), imports + 4)),
      imports + 4,
    ],
    ['relocation in section 2', 'TALO_RELOC_SECTION', corrupt((b) => void (b[absReloc + 4] = 2)), absReloc + 4],
    [
      'IMPORT_REL32 in data',
      'TALO_RELOC_SECTION',
      corrupt((b, v) => {
        b[importReloc + 4] = 1;
        v.setUint32(importReloc, 0, true);
        for (let k = relocs; k < importReloc; k += 8) b[k + 4] = 0;
      }),
      importReloc + 4,
    ],
    ['relocation past its section', 'TALO_RELOC_RANGE', corrupt((_b, v) => v.setUint32(relocs + (header(H.relocCount) - 1) * 8, header(H.dataSize) - 2, true))],
    [
      'relocations out of order',
      'TALO_RELOC_ORDER',
      corrupt((b) => {
        const first = b.slice(relocs, relocs + 8);
        b.copyWithin(relocs, relocs + 8, relocs + 16);
        b.set(first, relocs + 8);
      }),
      relocs + 8,
    ],
    ['unknown relocation kind', 'TALO_RELOC_KIND', corrupt((b) => void (b[absReloc + 5] = 3)), absReloc + 5],
    ['ABS32 to section 3', 'TALO_RELOC_TARGET', corrupt((_b, v) => v.setUint16(absReloc + 6, 3, true)), absReloc + 6],
    ['call to a missing import', 'TALO_RELOC_TARGET', corrupt((_b, v) => v.setUint16(importReloc + 6, header(H.importCount), true)), importReloc + 6],
    [
      'IMPORT_REL32 not after a call opcode',
      'TALO_RELOC_NOT_CALL',
      corrupt((b, v) => void (b[HEADER_SIZE + v.getUint32(importReloc, true) - 1] = 0x90)),
      importReloc,
    ],
    ['heap_end not heap_size', 'TALO_RUNTIME_WORDS', corrupt((_b, v) => v.setUint32(header(H.dataOff) + 4, 1, true)), header(H.dataOff)],
    ['heap_next relocated to data', 'TALO_RUNTIME_WORDS', corrupt((_b, v) => v.setUint16(heapNextReloc + 6, 1, true)), header(H.dataOff)],
    ['line entry outside the code', 'TALO_LINES_RANGE', corrupt((_b, v) => v.setUint32(lines + (header(H.linesCount) - 1) * 8, header(H.codeSize), true))],
    ['line entries out of order', 'TALO_LINES_ORDER', corrupt((_b, v) => v.setUint32(lines + 8, header(lines), true)), lines + 8],
  ];
  for (const [name, code, b, offset] of cases) it(`${name} → ${code}`, () => expectError(b, code, offset));

  it('the sample has alignment padding to corrupt', () => assert.notEqual(image.code.length % 4, 0));
});

/**
 * The image with one more relocation entry: the table grows by 8 bytes, the
 * sections after it move, and the header says so (nothing else changes).
 */
function withRelocation(entry: { offset: number; section: number; kind: number; target: number }): Uint8Array {
  const count = header(H.relocCount);
  const table: Uint8Array[] = [];
  for (let k = 0; k < count; k++) table.push(bytes.slice(header(H.relocOff) + 8 * k, header(H.relocOff) + 8 * k + 8));
  const added = new Uint8Array(8);
  const av = new DataView(added.buffer);
  av.setUint32(0, entry.offset, true);
  av.setUint8(4, entry.section);
  av.setUint8(5, entry.kind);
  av.setUint16(6, entry.target, true);
  const key = (e: Uint8Array): number => e[4]! * 2 ** 32 + new DataView(e.buffer, e.byteOffset).getUint32(0, true);
  const sorted = [...table, added].sort((a, b) => key(a) - key(b));
  const out = new Uint8Array(bytes.length + 8);
  out.set(bytes.subarray(0, header(H.relocOff)));
  sorted.forEach((e, k) => out.set(e, header(H.relocOff) + 8 * k));
  out.set(bytes.subarray(header(H.importOff)), header(H.importOff) + 8);
  const v = new DataView(out.buffer);
  v.setUint32(H.relocCount, count + 1, true);
  for (const f of [H.importOff, H.linesOff, H.totalSize]) v.setUint32(f, header(f) + 8, true);
  return out;
}

describe('.talo validation: a relocation on the opcode of an import call', () => {
  // A relocation may not cover the E8 of an IMPORT_REL32, even if the entries are sorted and disjoint:
  // an ABS32 over [offset - 4, offset) would add a section address to the call's opcode byte and turn
  // the call into another instruction after the loader checked it (the guest loader refuses it too).
  const call = image.relocs.find(
    (c) => c.kind === 'import' && !image.relocs.some((r) => r.section === 'code' && r !== c && r.offset + 4 > c.offset - 4 && r.offset < c.offset),
  );
  assert.ok(call !== undefined, 'the sample has an import call with room before it');

  it('an ABS32 ending on the E8 byte → TALO_RELOC_NOT_CALL', () => {
    const b = withRelocation({ offset: call.offset - 4, section: 0, kind: 1, target: 0 });
    assert.equal(b[HEADER_SIZE + call.offset - 1], 0xe8, 'the opcode byte is still E8 in the file');
    const res = readTalo(b);
    assert.equal(res.ok, false, 'an ABS32 over a call opcode must be refused');
    if (res.ok) return;
    assert.equal(res.error.code, 'TALO_RELOC_NOT_CALL', res.error.message);
    assert.match(res.error.message, /opcode/);
  });

  it('an ABS32 whose last byte is the E8 (offset - 3 … offset) is caught by the ordering rule already', () => {
    const res = readTalo(withRelocation({ offset: call.offset - 3, section: 0, kind: 1, target: 0 }));
    assert.ok(!res.ok && res.error.code === 'TALO_RELOC_ORDER');
  });

  it('an ABS32 ending right before the E8 is fine', () => {
    assert.ok(readTalo(withRelocation({ offset: call.offset - 5, section: 0, kind: 1, target: 0 })).ok);
  });

  it('writeTalo refuses to write such an image', () => {
    const relocs = [...image.relocs, { kind: 'abs32' as const, section: 'code' as const, offset: call.offset - 4, target: 'code' as const }];
    assert.throws(
      () => writeTalo({ ...image, relocs }),
      (e: unknown) => e instanceof TaloFormatException && e.error.code === 'TALO_RELOC_NOT_CALL',
    );
  });
});

describe('.talo signature', () => {
  const key = new Uint8Array(32).fill(7);
  const signed = signTalo(bytes, key, 5);

  it('a signed image verifies with its key and reads back its key id', () => {
    assert.deepEqual(verifyTalo(signed, key), { ok: true, keyId: 5 });
    const res = readTalo(signed);
    assert.ok(res.ok && res.signature?.keyId === 5);
  });

  it('the trailer is TSIG, key id, HMAC-SHA256 of [0, total_size)', () => {
    assert.equal(signed.length, bytes.length + TRAILER_SIZE);
    assert.equal(new TextDecoder().decode(signed.subarray(bytes.length, bytes.length + 4)), 'TSIG');
    assert.deepEqual(Buffer.from(signed.subarray(bytes.length + 8)), createHmac('sha256', key).update(bytes).digest());
  });

  it('another key does not verify', () => {
    const res = verifyTalo(signed, new Uint8Array(32).fill(8));
    assert.ok(!res.ok && res.error.code === 'TALO_BAD_SIGNATURE');
  });

  it('any flipped bit in code, data or the MAC fails verification', () => {
    for (const at of [HEADER_SIZE + 3, header(H.dataOff) + 9, signed.length - 1]) {
      const b = signed.slice();
      b[at]! ^= 0x10;
      const res = verifyTalo(b, key);
      assert.ok(!res.ok && res.error.code === 'TALO_BAD_SIGNATURE', `flip at ${at}`);
    }
  });

  it('an unsigned image does not verify', () => {
    const res = verifyTalo(bytes, key);
    assert.ok(!res.ok && res.error.code === 'TALO_UNSIGNED');
  });

  it('a signed image cannot be signed again', () => {
    assert.throws(
      () => signTalo(signed, key),
      (e: unknown) => e instanceof TaloFormatException && e.error.code === 'TALO_ALREADY_SIGNED',
    );
  });
});

describe('relocations', () => {
  it('ABS32 adds the target section address; IMPORT_REL32 gets gate - (call site + 4)', () => {
    const at = { codeVaddr: 0x10000000, dataVaddr: 0x10100000, heapVaddr: 0x10200000, gate: (k: number) => 0x20000000 + k * 16 };
    const linked = linkImage(image, at);
    const before = { code: new DataView(image.code.buffer), data: new DataView(image.data.buffer) };
    const after = { code: new DataView(linked.code.buffer), data: new DataView(linked.data.buffer) };
    const base = { code: at.codeVaddr, data: at.dataVaddr, heap: at.heapVaddr };
    for (const r of image.relocs) {
      const got = after[r.section].getUint32(r.offset, true);
      if (r.kind === 'abs32') assert.equal(got, (before[r.section].getUint32(r.offset, true) + base[r.target]) >>> 0);
      else assert.equal(got, (at.gate(r.importIndex) - (at.codeVaddr + r.offset + 4)) >>> 0);
    }
    // the runtime words become the heap bounds
    assert.equal(after.data.getUint32(0, true), at.heapVaddr);
    assert.equal(after.data.getUint32(4, true), at.heapVaddr + image.heapSize);
    assert.equal(syscallByName(image.imports[0]!.name)?.nr, image.imports[0]!.nr);
  });
});

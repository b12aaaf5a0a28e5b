// `.talo` serialization and strict parsing (docs/talo.md). readTalo is the
// host's reference for the kernel loader: it checks every bound in the spec
// and reports the first violation as a value with a specific code.

import {
  type AbsTarget,
  type ImportEntry,
  type LineEntry,
  type Relocation,
  type TaloImage,
  CHECKER_VERSION,
  FORMAT_VERSION,
  HEADER_SIZE,
  HEAP_END_OFFSET,
  HEAP_NEXT_OFFSET,
  IMPORT_ENTRY_SIZE,
  IMPORT_NAME_BYTES,
  LINE_ENTRY_SIZE,
  MAX_CODE_SIZE,
  MAX_DATA_SIZE,
  MAX_HEAP_SIZE,
  MAX_IMPORTS,
  MAX_STACK_SIZE,
  MAX_TOTAL_SIZE,
  MIN_DATA_SIZE,
  MIN_STACK_SIZE,
  PAGE_SIZE,
  RELOC_ENTRY_SIZE,
  TRAILER_SIZE,
  VADDR_LIMIT,
  align4,
  pageAlignUp,
} from './image.js';

/** A reason a byte string is not a valid `.talo`; `offset` is the file offset of the offending field. */
export interface TaloFormatError {
  code: string;
  offset: number;
  message: string;
}

export class TaloFormatException extends Error {
  constructor(readonly error: TaloFormatError) {
    super(`${error.code} at byte ${error.offset}: ${error.message}`);
  }
}

export interface TaloSignature {
  keyId: number;
  mac: Uint8Array;
}

export type ReadTaloResult = { ok: true; image: TaloImage; signature?: TaloSignature } | { ok: false; error: TaloFormatError };

export interface ReadTaloOptions {
  /** The loader's syscall whitelist: name for a number, undefined if not allowed. */
  syscallName?(nr: number): string | undefined;
}

export const TALO_MAGIC = 'TALO';
export const SIGNATURE_MAGIC = 'TSIG';

// Header field offsets (docs/talo.md, "Header"); tests corrupt images field by field through them.
export const TALO_HEADER = {
  magic: 0,
  version: 4,
  headerSize: 6,
  flags: 8,
  totalSize: 12,
  codeOff: 16,
  codeSize: 20,
  codeVaddr: 24,
  dataOff: 28,
  dataSize: 32,
  dataVaddr: 36,
  heapSize: 40,
  heapVaddr: 44,
  stackSize: 48,
  entry: 52,
  relocOff: 56,
  relocCount: 60,
  importOff: 64,
  importCount: 68,
  linesOff: 72,
  linesCount: 76,
  digest: 80,
  checkerVersion: 112,
  reserved: 116,
} as const;
const H = TALO_HEADER;
const DIGEST_SIZE = 32;
const RESERVED_SIZE = 12;

const RELOC_ABS32 = 1;
const RELOC_IMPORT_REL32 = 2;
const SECTION_IDS = { code: 0, data: 1 } as const;
const TARGET_IDS: Readonly<Record<AbsTarget, number>> = { code: 0, data: 1, heap: 2 };
const TARGETS: readonly AbsTarget[] = ['code', 'data', 'heap'];
const CALL_REL32_OPCODE = 0xe8;

/** Offsets of each section when laid out back to back (4-byte aligned). */
function sectionLayout(codeSize: number, dataSize: number, relocCount: number, importCount: number, linesCount: number) {
  const codeOff = HEADER_SIZE;
  const dataOff = align4(codeOff + codeSize);
  const relocOff = align4(dataOff + dataSize);
  const importOff = relocOff + relocCount * RELOC_ENTRY_SIZE;
  const linesOff = importOff + importCount * IMPORT_ENTRY_SIZE;
  const totalSize = linesOff + linesCount * LINE_ENTRY_SIZE;
  return { codeOff, dataOff, relocOff, importOff, linesOff, totalSize };
}

function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function relocSortKey(r: Relocation): number {
  return SECTION_IDS[r.section] * 2 ** 32 + r.offset;
}

/**
 * Serializes an image (unsigned). The result is parsed back with readTalo before it is
 * returned, so an image this function accepts is one every conforming loader accepts;
 * an image outside the bounds is a bug in the caller and throws TaloFormatException.
 */
export function writeTalo(image: TaloImage): Uint8Array {
  const relocs = [...image.relocs].sort((a, b) => relocSortKey(a) - relocSortKey(b));
  const L = sectionLayout(image.code.length, image.data.length, relocs.length, image.imports.length, image.lines.length);
  const out = new Uint8Array(L.totalSize);
  const v = new DataView(out.buffer);
  out.set(ascii(TALO_MAGIC), H.magic);
  v.setUint16(H.version, FORMAT_VERSION, true);
  v.setUint16(H.headerSize, HEADER_SIZE, true);
  v.setUint32(H.flags, 0, true);
  v.setUint32(H.totalSize, L.totalSize, true);
  v.setUint32(H.codeOff, L.codeOff, true);
  v.setUint32(H.codeSize, image.code.length, true);
  v.setUint32(H.codeVaddr, image.codeVaddr, true);
  v.setUint32(H.dataOff, L.dataOff, true);
  v.setUint32(H.dataSize, image.data.length, true);
  v.setUint32(H.dataVaddr, image.dataVaddr, true);
  v.setUint32(H.heapSize, image.heapSize, true);
  v.setUint32(H.heapVaddr, image.heapVaddr, true);
  v.setUint32(H.stackSize, image.stackSize, true);
  v.setUint32(H.entry, image.entry, true);
  v.setUint32(H.relocOff, L.relocOff, true);
  v.setUint32(H.relocCount, relocs.length, true);
  v.setUint32(H.importOff, L.importOff, true);
  v.setUint32(H.importCount, image.imports.length, true);
  v.setUint32(H.linesOff, L.linesOff, true);
  v.setUint32(H.linesCount, image.lines.length, true);
  if (image.digest.length !== DIGEST_SIZE) throw new Error(`digest must be ${DIGEST_SIZE} bytes`);
  out.set(image.digest, H.digest);
  v.setUint32(H.checkerVersion, image.checkerVersion, true);
  out.set(image.code, L.codeOff);
  out.set(image.data, L.dataOff);
  relocs.forEach((r, i) => {
    const at = L.relocOff + i * RELOC_ENTRY_SIZE;
    v.setUint32(at, r.offset, true);
    v.setUint8(at + 4, SECTION_IDS[r.section]);
    v.setUint8(at + 5, r.kind === 'abs32' ? RELOC_ABS32 : RELOC_IMPORT_REL32);
    v.setUint16(at + 6, r.kind === 'abs32' ? TARGET_IDS[r.target] : r.importIndex, true);
  });
  image.imports.forEach((imp, i) => {
    const at = L.importOff + i * IMPORT_ENTRY_SIZE;
    v.setUint32(at, imp.nr, true);
    const name = ascii(imp.name);
    if (name.length >= IMPORT_NAME_BYTES) throw new Error(`import name '${imp.name}' is too long`);
    out.set(name, at + 4);
  });
  image.lines.forEach((ln, i) => {
    const at = L.linesOff + i * LINE_ENTRY_SIZE;
    v.setUint32(at, ln.codeOffset, true);
    v.setUint32(at + 4, ln.line, true);
  });
  const check = readTalo(out);
  if (!check.ok) throw new TaloFormatException(check.error);
  return out;
}

class Reject {
  constructor(readonly error: TaloFormatError) {}
}

function fail(code: string, offset: number, message: string): never {
  throw new Reject({ code, offset, message });
}

/** Parses and validates a `.talo` (signed or not). Never throws. */
export function readTalo(bytes: Uint8Array, options: ReadTaloOptions = {}): ReadTaloResult {
  try {
    return parse(bytes, options);
  } catch (e) {
    if (e instanceof Reject) return { ok: false, error: e.error };
    throw e;
  }
}

function parse(bytes: Uint8Array, options: ReadTaloOptions): ReadTaloResult {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number): number => v.getUint32(at, true);
  const hex = (n: number): string => `0x${n.toString(16)}`;

  if (bytes.length < HEADER_SIZE) fail('TALO_TRUNCATED', bytes.length, `file is ${bytes.length} bytes, shorter than the ${HEADER_SIZE}-byte header`);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== TALO_MAGIC) fail('TALO_BAD_MAGIC', H.magic, 'not a .talo file (magic is not "TALO")');
  const version = v.getUint16(H.version, true);
  if (version !== FORMAT_VERSION) fail('TALO_BAD_VERSION', H.version, `format version ${version}, expected ${FORMAT_VERSION}`);
  const headerSize = v.getUint16(H.headerSize, true);
  if (headerSize !== HEADER_SIZE) fail('TALO_BAD_HEADER_SIZE', H.headerSize, `header_size ${headerSize}, expected ${HEADER_SIZE}`);
  if (u32(H.flags) !== 0) fail('TALO_BAD_FLAGS', H.flags, `flags ${hex(u32(H.flags))}, expected 0`);
  const totalSize = u32(H.totalSize);
  if (totalSize < HEADER_SIZE || totalSize > MAX_TOTAL_SIZE)
    fail('TALO_TOTAL_SIZE', H.totalSize, `total_size ${totalSize} is not in ${HEADER_SIZE}..${MAX_TOTAL_SIZE}`);
  if (bytes.length < totalSize) fail('TALO_TRUNCATED', bytes.length, `file is ${bytes.length} bytes, total_size says ${totalSize}`);
  let signature: TaloSignature | undefined;
  if (bytes.length === totalSize + TRAILER_SIZE) {
    if (new TextDecoder().decode(bytes.subarray(totalSize, totalSize + 4)) !== SIGNATURE_MAGIC) {
      fail('TALO_BAD_TRAILER', totalSize, 'the 40 bytes after total_size are not a signature trailer ("TSIG")');
    }
    signature = { keyId: u32(totalSize + 4), mac: bytes.slice(totalSize + 8, totalSize + TRAILER_SIZE) };
  } else if (bytes.length !== totalSize) {
    fail('TALO_BAD_LENGTH', totalSize, `file is ${bytes.length} bytes; expected total_size (${totalSize}) or total_size + ${TRAILER_SIZE}`);
  }
  for (let i = 0; i < RESERVED_SIZE; i++) {
    if (bytes[H.reserved + i] !== 0) fail('TALO_RESERVED', H.reserved + i, 'reserved header bytes must be zero');
  }
  const checkerVersion = u32(H.checkerVersion);
  if (checkerVersion !== CHECKER_VERSION) fail('TALO_CHECKER_VERSION', H.checkerVersion, `checker_version ${checkerVersion}, expected ${CHECKER_VERSION}`);

  const codeSize = u32(H.codeSize);
  if (codeSize < 1 || codeSize > MAX_CODE_SIZE) fail('TALO_CODE_SIZE', H.codeSize, `code_size ${codeSize} is not in 1..${MAX_CODE_SIZE}`);
  const dataSize = u32(H.dataSize);
  if (dataSize < MIN_DATA_SIZE || dataSize > MAX_DATA_SIZE)
    fail('TALO_DATA_SIZE', H.dataSize, `data_size ${dataSize} is not in ${MIN_DATA_SIZE}..${MAX_DATA_SIZE}`);
  const heapSize = u32(H.heapSize);
  if (heapSize % PAGE_SIZE !== 0 || heapSize > MAX_HEAP_SIZE)
    fail('TALO_HEAP_SIZE', H.heapSize, `heap_size ${heapSize} is not a multiple of ${PAGE_SIZE} up to ${MAX_HEAP_SIZE}`);
  const stackSize = u32(H.stackSize);
  if (stackSize % PAGE_SIZE !== 0 || stackSize < MIN_STACK_SIZE || stackSize > MAX_STACK_SIZE) {
    fail('TALO_STACK_SIZE', H.stackSize, `stack_size ${stackSize} is not a multiple of ${PAGE_SIZE} in ${MIN_STACK_SIZE}..${MAX_STACK_SIZE}`);
  }

  const codeVaddr = u32(H.codeVaddr);
  const dataVaddr = u32(H.dataVaddr);
  const heapVaddr = u32(H.heapVaddr);
  for (const [field, value] of [
    [H.codeVaddr, codeVaddr],
    [H.dataVaddr, dataVaddr],
    [H.heapVaddr, heapVaddr],
  ] as const) {
    if (value % PAGE_SIZE !== 0) fail('TALO_VADDR_ALIGN', field, `address ${hex(value)} is not page-aligned`);
  }
  if (dataVaddr < pageAlignUp(codeVaddr + codeSize)) fail('TALO_VADDR_ORDER', H.dataVaddr, `data_vaddr ${hex(dataVaddr)} overlaps the code pages`);
  if (heapVaddr < pageAlignUp(dataVaddr + dataSize)) fail('TALO_VADDR_ORDER', H.heapVaddr, `heap_vaddr ${hex(heapVaddr)} overlaps the data pages`);
  // The ordering checks make the heap end the highest address of the image.
  if (heapVaddr + heapSize > VADDR_LIMIT) fail('TALO_VADDR_RANGE', H.heapVaddr, `the image reaches ${hex(heapVaddr + heapSize)}, above ${hex(VADDR_LIMIT)}`);

  const entry = u32(H.entry);
  if (entry >= codeSize) fail('TALO_ENTRY', H.entry, `entry ${entry} is outside the code section (${codeSize} bytes)`);
  const relocCount = u32(H.relocCount);
  if (relocCount > (codeSize + dataSize) / 4) fail('TALO_RELOC_COUNT', H.relocCount, `reloc_count ${relocCount} exceeds (code_size + data_size) / 4`);
  const importCount = u32(H.importCount);
  if (importCount < 1 || importCount > MAX_IMPORTS) fail('TALO_IMPORT_COUNT', H.importCount, `import_count ${importCount} is not in 1..${MAX_IMPORTS}`);
  const linesCount = u32(H.linesCount);
  if (linesCount > codeSize) fail('TALO_LINES_COUNT', H.linesCount, `lines_count ${linesCount} exceeds code_size ${codeSize}`);

  // Sections: in order, each 4-aligned, back to back except for zero padding, inside the file.
  const sections = [
    { name: 'code', field: H.codeOff, off: u32(H.codeOff), size: codeSize },
    { name: 'data', field: H.dataOff, off: u32(H.dataOff), size: dataSize },
    { name: 'relocation table', field: H.relocOff, off: u32(H.relocOff), size: relocCount * RELOC_ENTRY_SIZE },
    { name: 'import table', field: H.importOff, off: u32(H.importOff), size: importCount * IMPORT_ENTRY_SIZE },
    { name: 'line table', field: H.linesOff, off: u32(H.linesOff), size: linesCount * LINE_ENTRY_SIZE },
  ];
  let end = HEADER_SIZE;
  for (const s of sections) {
    if (s.off % 4 !== 0) fail('TALO_SECTION_ALIGN', s.field, `${s.name} offset ${s.off} is not 4-byte aligned`);
    if (s.off < end) fail('TALO_SECTION_OVERLAP', s.field, `${s.name} at ${s.off} overlaps what precedes it (ends at ${end})`);
    if (s.off > align4(end)) fail('TALO_SECTION_GAP', s.field, `${s.name} at ${s.off} leaves a gap after ${end}`);
    if (s.off + s.size > totalSize) fail('TALO_SECTION_RANGE', s.field, `${s.name} (${s.off}..${s.off + s.size}) extends past total_size ${totalSize}`);
    for (let p = end; p < s.off; p++) if (bytes[p] !== 0) fail('TALO_PADDING', p, 'alignment padding must be zero');
    end = s.off + s.size;
  }
  if (end !== totalSize) fail('TALO_SECTION_GAP', H.totalSize, `total_size ${totalSize} leaves ${totalSize - end} bytes after the line table`);

  const code = bytes.slice(sections[0]!.off, sections[0]!.off + codeSize);
  const data = bytes.slice(sections[1]!.off, sections[1]!.off + dataSize);

  const imports: ImportEntry[] = [];
  const importOff = sections[3]!.off;
  for (let i = 0; i < importCount; i++) {
    const at = importOff + i * IMPORT_ENTRY_SIZE;
    const nr = u32(at);
    const raw = bytes.subarray(at + 4, at + 4 + IMPORT_NAME_BYTES);
    const nul = raw.indexOf(0);
    const name = new TextDecoder().decode(raw.subarray(0, nul < 0 ? raw.length : nul));
    if (nul < 1 || !/^[a-z0-9_]+$/.test(name) || raw.subarray(nul).some((b) => b !== 0)) {
      fail('TALO_IMPORT_NAME', at + 4, `import ${i}: the name must be 1..${IMPORT_NAME_BYTES - 1} characters of [a-z0-9_], NUL-padded`);
    }
    if (imports.some((x) => x.nr === nr || x.name === name)) fail('TALO_IMPORT_DUPLICATE', at, `import ${i} ('${name}', ${nr}) is imported twice`);
    if (options.syscallName !== undefined) {
      const known = options.syscallName(nr);
      if (known === undefined) fail('TALO_IMPORT_FORBIDDEN', at, `system call ${nr} ('${name}') is not in the whitelist`);
      if (known !== name) fail('TALO_IMPORT_MISMATCH', at + 4, `system call ${nr} is '${known}', the image calls it '${name}'`);
    }
    imports.push({ nr, name });
  }

  const relocs: Relocation[] = [];
  const relocOff = sections[2]!.off;
  let previous: { section: number; end: number } | undefined;
  for (let i = 0; i < relocCount; i++) {
    const at = relocOff + i * RELOC_ENTRY_SIZE;
    const offset = u32(at);
    const sectionId = v.getUint8(at + 4);
    const kind = v.getUint8(at + 5);
    const target = v.getUint16(at + 6, true);
    if (sectionId !== SECTION_IDS.code && sectionId !== SECTION_IDS.data)
      fail('TALO_RELOC_SECTION', at + 4, `relocation ${i}: section ${sectionId} is not 0 (code) or 1 (data)`);
    const sectionSize = sectionId === SECTION_IDS.code ? codeSize : dataSize;
    if (offset + 4 > sectionSize) fail('TALO_RELOC_RANGE', at, `relocation ${i}: offset ${offset} + 4 is past the end of its section (${sectionSize} bytes)`);
    if (previous !== undefined && (sectionId < previous.section || (sectionId === previous.section && offset < previous.end))) {
      fail('TALO_RELOC_ORDER', at, `relocation ${i}: not sorted by (section, offset) or overlaps the previous one`);
    }
    /** Where the previous entry's 4 bytes end in this section (0 when it was in another). */
    const previousEnd = previous !== undefined && previous.section === sectionId ? previous.end : 0;
    previous = { section: sectionId, end: offset + 4 };
    const section = sectionId === SECTION_IDS.code ? 'code' : 'data';
    if (kind === RELOC_ABS32) {
      if (target >= TARGETS.length) fail('TALO_RELOC_TARGET', at + 6, `relocation ${i}: ABS32 target ${target} is not 0 (code), 1 (data) or 2 (heap)`);
      relocs.push({ kind: 'abs32', section, offset, target: TARGETS[target]! });
    } else if (kind === RELOC_IMPORT_REL32) {
      if (section !== 'code') fail('TALO_RELOC_SECTION', at + 4, `relocation ${i}: IMPORT_REL32 is only allowed in code`);
      if (target >= importCount) fail('TALO_RELOC_TARGET', at + 6, `relocation ${i}: import ${target} does not exist (${importCount} imports)`);
      if (offset < 1 || code[offset - 1] !== CALL_REL32_OPCODE)
        fail('TALO_RELOC_NOT_CALL', at, `relocation ${i}: the byte before code offset ${offset} is not a call (E8)`);
      // Sorted and disjoint is not enough: an entry ending on the E8 would patch the opcode after this check.
      if (offset - 1 < previousEnd)
        fail('TALO_RELOC_NOT_CALL', at, `relocation ${i}: the previous relocation covers the call's opcode (E8) at code offset ${offset - 1}`);
      relocs.push({ kind: 'import', section: 'code', offset, importIndex: target });
    } else {
      fail('TALO_RELOC_KIND', at + 5, `relocation ${i}: kind ${kind} is not 1 (ABS32) or 2 (IMPORT_REL32)`);
    }
  }
  // The runtime words: heap_next = heap + 0 and heap_end = heap + heap_size after relocation.
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const heapWord = (offset: number, value: number): boolean =>
    dv.getUint32(offset, true) === value && relocs.some((r) => r.kind === 'abs32' && r.section === 'data' && r.offset === offset && r.target === 'heap');
  if (!heapWord(HEAP_NEXT_OFFSET, 0) || !heapWord(HEAP_END_OFFSET, heapSize)) {
    fail('TALO_RUNTIME_WORDS', sections[1]!.off, 'data must start with heap_next = 0 and heap_end = heap_size, each with an ABS32 relocation to the heap');
  }

  const lines: LineEntry[] = [];
  const linesOff = sections[4]!.off;
  for (let i = 0; i < linesCount; i++) {
    const at = linesOff + i * LINE_ENTRY_SIZE;
    const codeOffset = u32(at);
    if (codeOffset >= codeSize) fail('TALO_LINES_RANGE', at, `line entry ${i}: code offset ${codeOffset} is outside the code section`);
    if (i > 0 && codeOffset <= lines[i - 1]!.codeOffset) fail('TALO_LINES_ORDER', at, `line entry ${i}: code offsets must strictly increase`);
    lines.push({ codeOffset, line: u32(at + 4) });
  }

  const image: TaloImage = {
    code,
    data,
    codeVaddr,
    dataVaddr,
    heapVaddr,
    heapSize,
    stackSize,
    entry,
    relocs,
    imports,
    lines,
    digest: bytes.slice(H.digest, H.digest + DIGEST_SIZE),
    checkerVersion,
  };
  return signature === undefined ? { ok: true, image } : { ok: true, image, signature };
}

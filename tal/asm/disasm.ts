// Disassembly of an image's code section (iced-x86, Intel syntax) with the
// source line of each instruction (from the line table) and the meaning of
// its relocations: `call write` for an import, the symbol an address refers to.

import { Decoder, DecoderOptions, Formatter, FormatterSyntax, OpKind } from 'iced-x86';
import type { ImageSymbol, Relocation, TaloImage } from './image.js';
import { type ReadTaloOptions, type TaloFormatError, readTalo } from './talo.js';

export interface DisasmLine {
  /** Offset in the code section. */
  offset: number;
  /** Virtual address where the image maps it. */
  address: number;
  /** The instruction's bytes, hex. */
  bytes: string;
  /** Intel syntax; an import call reads `call <name>`. */
  text: string;
  /** Source line from the line table; 0 for the trusted runtime; undefined if the table has no entry. */
  line?: number;
  /** What a relocated field or branch target refers to, e.g. `import write (nr 4)`, `data msg+4`. */
  annotation?: string;
  /** Labels that start here (when a symbol table is given). */
  labels?: string[];
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function newFormatter(): Formatter {
  const f = new Formatter(FormatterSyntax.Intel);
  f.hexPrefix = '0x';
  f.hexSuffix = '';
  f.uppercaseHex = false;
  f.spaceAfterOperandSeparator = true;
  f.showBranchSize = false;
  f.branchLeadingZeros = false;
  f.leadingZeros = false;
  return f;
}

/**
 * `section name` for a symbol's address, `section name-4` for an array's length word,
 * else `section name+k` from the nearest symbol below, else `section+0x..`.
 */
function describeAddress(section: 'code' | 'data' | 'heap', offset: number, symbols: ImageSymbol[]): string {
  const lengthOf = symbols.find((s) => s.section === section && s.offset === offset + 4);
  if (lengthOf !== undefined && !symbols.some((s) => s.section === section && s.offset === offset)) return `${section} ${lengthOf.name}-4`;
  let best: ImageSymbol | undefined;
  for (const s of symbols) {
    if (s.section === section && s.offset <= offset && (best === undefined || s.offset > best.offset)) best = s;
  }
  if (best === undefined) return `${section}+0x${offset.toString(16)}`;
  const delta = offset - best.offset;
  return `${section} ${best.name}${delta === 0 ? '' : `+${delta}`}`;
}

export function disassemble(image: TaloImage, symbols: ImageSymbol[] = []): DisasmLine[] {
  const lineAt = new Map(image.lines.map((l) => [l.codeOffset, l.line]));
  const relocsAt = new Map<number, Relocation>();
  for (const r of image.relocs) if (r.section === 'code') relocsAt.set(r.offset, r);
  const labelsAt = new Map<number, string[]>();
  for (const s of symbols) if (s.section === 'code') labelsAt.set(s.offset, [...(labelsAt.get(s.offset) ?? []), s.name]);
  const codeView = new DataView(image.code.buffer, image.code.byteOffset, image.code.byteLength);

  const decoder = new Decoder(32, image.code, DecoderOptions.None);
  const formatter = newFormatter();
  const out: DisasmLine[] = [];
  try {
    decoder.ip = 0n;
    while (decoder.canDecode) {
      const instr = decoder.decode();
      try {
        const offset = Number(instr.ip);
        const length = instr.length;
        const line: DisasmLine = {
          offset,
          address: image.codeVaddr + offset,
          bytes: hexBytes(image.code.subarray(offset, offset + length)),
          text: formatter.format(instr),
        };
        const src = lineAt.get(offset);
        if (src !== undefined) line.line = src;
        const labels = labelsAt.get(offset);
        if (labels !== undefined) line.labels = labels;
        const notes: string[] = [];
        for (let at = offset; at < offset + length; at++) {
          const r = relocsAt.get(at);
          if (r === undefined) continue;
          if (r.kind === 'import') {
            const imp = image.imports[r.importIndex]!;
            line.text = `call ${imp.name}`;
            notes.push(`import ${imp.name} (nr ${imp.nr})`);
          } else {
            notes.push(describeAddress(r.target, codeView.getUint32(at, true), symbols));
          }
        }
        if (notes.length === 0 && instr.opCount === 1 && instr.op0Kind === OpKind.NearBranch32) {
          const target = instr.nearBranch32;
          const names = labelsAt.get(target);
          if (names !== undefined) notes.push(`→ ${names.join(', ')}`);
        }
        if (notes.length > 0) line.annotation = notes.join('; ');
        out.push(line);
      } finally {
        instr.free();
      }
    }
  } finally {
    decoder.free();
    formatter.free();
  }
  return out;
}

export type DisassembleTaloResult = { ok: true; lines: DisasmLine[]; image: TaloImage } | { ok: false; error: TaloFormatError };

/** Reads (and validates) a `.talo`, then disassembles it. */
export function disassembleTalo(bytes: Uint8Array, options: ReadTaloOptions = {}): DisassembleTaloResult {
  const parsed = readTalo(bytes, options);
  if (!parsed.ok) return parsed;
  return { ok: true, lines: disassemble(parsed.image), image: parsed.image };
}

/**
 * The listing `tal disasm` prints: one instruction a line (offset, bytes, text), then
 * `; line N: <source text>` (or `; runtime`) and the annotation; labels on their own lines.
 */
export function formatDisassembly(lines: DisasmLine[], source?: string): string {
  const sourceLines = source?.split('\n');
  const out: string[] = [];
  for (const l of lines) {
    for (const label of l.labels ?? []) out.push(`${label}:`);
    const notes: string[] = [];
    if (l.line === 0) notes.push('runtime');
    else if (l.line !== undefined) {
      const text = sourceLines?.[l.line - 1]?.trim();
      notes.push(text === undefined ? `line ${l.line}` : `line ${l.line}: ${text}`);
    }
    if (l.annotation !== undefined) notes.push(l.annotation);
    const head = `${l.offset.toString(16).padStart(8, '0')}  ${l.bytes.padEnd(22)}  ${l.text}`;
    out.push(notes.length === 0 ? head : `${head.padEnd(72)} ; ${notes.join('; ')}`);
  }
  return `${out.join('\n')}\n`;
}

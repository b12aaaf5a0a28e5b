// Applies an image's relocations for a chosen placement: what a loader does
// after mapping (docs/talo.md, "Relocations"). The ELF writer links with it;
// tests use it to check the rules the kernel loader implements in C.

import type { TaloImage } from './image.js';

export interface Placement {
  codeVaddr: number;
  dataVaddr: number;
  heapVaddr: number;
  /** Address of the entry that performs import `index`'s system call. */
  gate(index: number): number;
}

export function linkImage(image: TaloImage, at: Placement): { code: Uint8Array; data: Uint8Array } {
  const code = image.code.slice();
  const data = image.data.slice();
  const views = { code: new DataView(code.buffer), data: new DataView(data.buffer) };
  const vaddr = { code: at.codeVaddr, data: at.dataVaddr, heap: at.heapVaddr };
  for (const r of image.relocs) {
    const view = views[r.section];
    if (r.kind === 'abs32') {
      view.setUint32(r.offset, (view.getUint32(r.offset, true) + vaddr[r.target]) >>> 0, true);
    } else {
      view.setUint32(r.offset, (at.gate(r.importIndex) - (at.codeVaddr + r.offset + 4)) >>> 0, true);
    }
  }
  return { code, data };
}

// The disassembly pane: the built image's code, one row per instruction, each
// linked to its TAL source line (click to jump; rows of the line being
// inspected are highlighted).

import type { BuildReply } from '../../main/ipc/contract.js';
import { clear, h } from './dom.js';

export class DisassemblyPane {
  private rows: HTMLElement[] = [];

  constructor(private readonly el: HTMLElement, private readonly goToLine: (line: number) => void) {
    clear(el, h('p', { class: 'muted' }, 'Open this tab after the program checks: it shows the machine code the assembler produced.'));
  }

  show(reply: BuildReply): void {
    if (!reply.ok) {
      clear(this.el, h('p', { class: 'muted' }, `Not built: ${reply.diagnostics[0]?.message ?? 'the checker rejected the program'}`));
      this.rows = [];
      return;
    }
    this.rows = [];
    const body: HTMLElement[] = [];
    for (const l of reply.listing) {
      for (const label of l.labels ?? []) body.push(h('tr', { class: 'dis-label' }, h('td', { colspan: '4' }, `${label}:`)));
      const row = h(
        'tr',
        { class: `dis-row${l.runtime ? ' dis-runtime' : ''}`, ...(l.sourceLine !== undefined ? { 'data-line': String(l.sourceLine) } : {}) },
        h('td', { class: 'dis-off' }, l.offset.toString(16).padStart(6, '0')),
        h('td', { class: 'dis-bytes' }, l.bytes),
        h('td', { class: 'dis-text' }, l.text, l.annotation ? h('span', { class: 'dis-note' }, `  ; ${l.annotation}`) : null),
        h('td', { class: 'dis-src' }, l.sourceLine !== undefined ? `line ${l.sourceLine}` : l.runtime ? 'runtime' : ''),
      );
      if (l.sourceLine !== undefined) row.addEventListener('click', () => this.goToLine(l.sourceLine!));
      this.rows.push(row);
      body.push(row);
    }
    clear(
      this.el,
      h('p', { class: 'muted' }, `${reply.listing.length} instructions, image ${reply.imageBytes ?? '?'} bytes (unsigned).`),
      h('table', { class: 'dis' }, h('thead', {}, h('tr', {}, h('th', {}, 'offset'), h('th', {}, 'bytes'), h('th', {}, 'instruction'), h('th', {}, 'source'))), h('tbody', {}, ...body)),
    );
  }

  highlightLine(line: number | null): void {
    let first: HTMLElement | undefined;
    for (const r of this.rows) {
      const on = line !== null && r.dataset['line'] === String(line);
      r.classList.toggle('linked', on);
      if (on && first === undefined) first = r;
    }
    first?.scrollIntoView({ block: 'nearest' });
  }
}

// The disassembly pane: the built image's code, one row per instruction, each
// linked to its TAL source line (click to jump; rows of the line being
// inspected are highlighted). Only the rows in view are in the page (a fixed
// row height and a spacer stand for the rest), each placed at its own offset,
// and scrolling adds only the rows that came into view and drops the ones that
// left (refilling the elements of the rows that left with the rows that came),
// so a listing of tens of thousands of instructions scrolls as fast as a short one. Nothing here reads layout after writing the page: the viewport's
// height comes from a ResizeObserver, and a cursor move (which arrives while
// the editor has just written its own DOM) only schedules the redraw for the
// next frame, so a big program's results never force a synchronous layout.

import type { BuildReply, ListingLine } from '../../preload/contract.js';
import { clear, h } from './dom.js';

const ROW_PX = 18;
/** Rows rendered above and below the visible ones, so fast scrolling shows no gaps. */
const OVERSCAN = 30;
/** Listings up to this many rows are rendered whole (cheap, and every row can be found in the page). */
const RENDER_ALL_ROWS = 1000;

type Row = { kind: 'label'; label: string } | { kind: 'line'; line: ListingLine };

export class DisassemblyPane {
  private rows: Row[] = [];
  private linkedLine: number | null = null;
  private readonly scroller = h('div', { class: 'dis-scroll', id: 'dis-scroll' });
  private readonly spacer = h('div', { class: 'dis-spacer' });
  /** The rows in the page, by index. */
  private readonly drawn = new Map<number, HTMLElement>();
  private drawnLinked: number | null = null;
  /** Each source line's first row, built once per listing (a cursor move looks its row up, not searches for it). */
  private rowOfLine = new Map<number, number>();
  /** The scroller's height as last observed (0 while the pane is hidden). */
  private viewHeight = 0;
  private frameRequested = false;

  constructor(
    private readonly el: HTMLElement,
    private readonly goToLine: (line: number) => void,
  ) {
    clear(el, h('p', { class: 'muted' }, 'Open this tab after the program checks: it shows the machine code the assembler produced.'));
    this.scroller.append(this.spacer);
    this.scroller.addEventListener('scroll', () => this.draw());
    new ResizeObserver(([entry]) => {
      this.viewHeight = entry?.contentRect.height ?? 0;
      this.draw();
    }).observe(this.scroller);
    this.spacer.addEventListener('click', (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>('.dis-row[data-line]');
      if (row) this.goToLine(Number(row.dataset['line']));
    });
  }

  show(reply: BuildReply): void {
    if (!reply.ok) {
      clear(this.el, h('p', { class: 'muted' }, `Not built: ${reply.diagnostics[0]?.message ?? 'the checker rejected the program'}`));
      this.rows = [];
      this.rowOfLine.clear();
      return;
    }
    this.rows = [];
    this.rowOfLine.clear();
    for (const line of reply.listing) {
      for (const label of line.labels ?? []) this.rows.push({ kind: 'label', label });
      if (line.sourceLine !== undefined && !this.rowOfLine.has(line.sourceLine)) this.rowOfLine.set(line.sourceLine, this.rows.length);
      this.rows.push({ kind: 'line', line });
    }
    clear(
      this.el,
      h('p', { class: 'muted' }, `${reply.listing.length} instructions, image ${reply.imageBytes ?? '?'} bytes (unsigned).`),
      h('div', { class: 'dis-head dis-grid' }, h('span', {}, 'offset'), h('span', {}, 'bytes'), h('span', {}, 'instruction'), h('span', {}, 'source')),
      this.scroller,
    );
    this.spacer.style.height = `${this.rows.length * ROW_PX}px`;
    this.spacer.replaceChildren();
    this.drawn.clear();
    this.drawNextFrame();
  }

  /** Marks the rows of a source line and brings the first into view, at the next frame (several moves in one frame cost one redraw). */
  highlightLine(line: number | null): void {
    this.linkedLine = line;
    this.drawNextFrame();
  }

  /** Reads the scroll position and draws at the start of the next frame, before anything else writes the page. */
  private drawNextFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.scrollToLinked();
      this.draw();
    });
  }

  private scrollToLinked(): void {
    const i = this.linkedLine === null ? undefined : this.rowOfLine.get(this.linkedLine);
    if (i === undefined || this.viewHeight === 0) return;
    const top = i * ROW_PX;
    const scrollTop = this.scroller.scrollTop;
    if (top < scrollTop || top + ROW_PX > scrollTop + this.viewHeight) this.scroller.scrollTop = Math.max(0, top - this.viewHeight / 2);
  }

  /**
   * Puts the rows in view (plus overscan) in the page. Rows that left the view are refilled with the rows that came
   * into it, in place: scrolling changes text and offsets, not the page's structure, so the browser neither rebuilds
   * its layout tree nor collects a window of discarded elements every frame.
   */
  private draw(): void {
    const height = this.viewHeight || 400;
    const all = this.rows.length <= RENDER_ALL_ROWS;
    const from = all ? 0 : Math.max(0, Math.floor(this.scroller.scrollTop / ROW_PX) - OVERSCAN);
    const to = all ? this.rows.length : Math.min(this.rows.length, Math.ceil((this.scroller.scrollTop + height) / ROW_PX) + OVERSCAN);
    if (this.linkedLine !== this.drawnLinked) {
      this.drawnLinked = this.linkedLine;
      for (const [i, el] of this.drawn) el.classList.toggle('linked', this.isLinked(this.rows[i]!));
    }
    const spare: Record<Row['kind'], HTMLElement[]> = { label: [], line: [] };
    for (const [i, el] of this.drawn) {
      if (i >= from && i < to) continue;
      spare[el.classList.contains('dis-label') ? 'label' : 'line'].push(el);
      this.drawn.delete(i);
    }
    const added: HTMLElement[] = [];
    for (let i = from; i < to; i++) {
      if (this.drawn.has(i)) continue;
      const row = this.rows[i]!;
      const reused = spare[row.kind].pop();
      const el = reused ?? (row.kind === 'label' ? h('div', { class: 'dis-label' }) : lineElement());
      this.fill(el, row);
      el.style.top = `${i * ROW_PX}px`;
      this.drawn.set(i, el);
      if (!reused) added.push(el);
    }
    for (const el of [...spare.label, ...spare.line]) el.remove();
    if (added.length > 0) this.spacer.append(...added);
  }

  private isLinked(row: Row): boolean {
    return row.kind === 'line' && row.line.sourceLine !== undefined && row.line.sourceLine === this.linkedLine;
  }

  /** Writes a row's text into an element made by lineElement() (or a label's div). */
  private fill(el: HTMLElement, row: Row): void {
    if (row.kind === 'label') {
      el.textContent = `${row.label}:`;
      return;
    }
    const l = row.line;
    el.className = `dis-row dis-grid${l.runtime ? ' dis-runtime' : ''}${this.isLinked(row) ? ' linked' : ''}`;
    if (l.sourceLine !== undefined) el.dataset['line'] = String(l.sourceLine);
    else delete el.dataset['line'];
    const [off, bytes, text, src] = el.children as unknown as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    off.textContent = l.offset.toString(16).padStart(6, '0');
    bytes.textContent = l.bytes;
    (text.firstChild as Text).data = l.text;
    text.lastElementChild!.textContent = l.annotation ? `  ; ${l.annotation}` : '';
    src.textContent = l.sourceLine !== undefined ? `line ${l.sourceLine}` : l.runtime ? 'runtime' : '';
  }
}

/** An instruction row's element: offset, bytes, instruction (a text node and its note) and source, filled by fill(). */
function lineElement(): HTMLElement {
  return h(
    'div',
    {},
    h('span', { class: 'dis-off' }),
    h('span', { class: 'dis-bytes' }),
    h('span', { class: 'dis-text' }, document.createTextNode(''), h('span', { class: 'dis-note' })),
    h('span', { class: 'dis-src' }),
  );
}

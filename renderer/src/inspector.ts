// The type-state inspector: what the checker knew just before the instruction
// the person points at (or last selected) — registers, stack, facts — with the
// registers and slots that the previous instruction changed marked, as in
// the eBPF verifier log and bpfvv, but live while typing.

import type { TypeStateEntry } from '../../preload/contract.js';
import { clear, h } from './dom.js';

export class TypeStateInspector {
  private trace: readonly TypeStateEntry[] = [];
  private byLine = new Map<number, number>();
  private selected: number | null = null;
  private hovered: number | null = null;

  constructor(private readonly el: HTMLElement) {
    this.render();
  }

  setTrace(trace: readonly TypeStateEntry[]): void {
    this.trace = trace;
    this.byLine = new Map();
    // The first instruction on a line stands for the line.
    trace.forEach((e, i) => {
      if (!this.byLine.has(e.line)) this.byLine.set(e.line, i);
    });
    this.render();
  }

  /** sticky: a cursor move (kept); otherwise a hover (shown while the pointer stays). */
  inspect(line: number | null, sticky: boolean): void {
    if (sticky) this.selected = line;
    else this.hovered = line;
    this.render();
  }

  private render(): void {
    const line = this.hovered ?? this.selected;
    const index = line === null ? undefined : this.byLine.get(line);
    if (this.trace.length === 0) {
      clear(this.el, h('p', { class: 'muted' }, 'No type state yet: the checker reports the state before each instruction once the program parses.'));
      return;
    }
    if (index === undefined) {
      clear(
        this.el,
        h(
          'p',
          { class: 'muted' },
          line === null ? 'Point at or select an instruction to see the type state before it.' : `Line ${line} has no instruction the checker reached.`,
        ),
      );
      return;
    }
    const e = this.trace[index]!;
    const prev = index > 0 ? this.trace[index - 1] : undefined;
    const regNames = Object.keys(e.regs).sort(registerOrder);
    clear(
      this.el,
      h(
        'div',
        { class: 'ts-head', 'data-line': String(e.line) },
        h('span', { class: 'ts-label' }, `${e.label}`),
        h('span', { class: 'ts-loc' }, ` line ${e.line}`),
        h('code', { class: 'ts-instr' }, e.instruction),
      ),
      h('h4', {}, 'Registers'),
      regNames.length === 0
        ? h('p', { class: 'muted' }, 'no register holds a usable value')
        : h(
            'table',
            { class: 'ts-regs' },
            ...regNames.map((r) =>
              h('tr', { class: prev !== undefined && prev.regs[r] !== e.regs[r] ? 'changed' : '' }, h('th', {}, r), h('td', {}, e.regs[r]!)),
            ),
          ),
      h('h4', {}, 'Stack (from ESP up)'),
      h(
        'ol',
        { class: 'ts-stack', start: '0' },
        ...e.stack.map((slot, i) =>
          h(
            'li',
            { class: prev !== undefined && prev.stack[i] !== slot ? 'changed' : '' },
            i === e.stack.length - 1 ? `tail: ${slot}` : `[esp+${i * 4}]  ${slot}`,
          ),
        ),
      ),
      h('h4', {}, 'Facts'),
      e.facts.length === 0 ? h('p', { class: 'muted' }, 'none') : h('ul', { class: 'ts-facts' }, ...e.facts.map((f) => h('li', {}, f))),
    );
  }
}

const ORDER = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp'];
function registerOrder(a: string, b: string): number {
  return (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b);
}

// The problems list under the editor: every diagnostic of the last check, click to jump.

import type { Diagnostic } from '../../preload/contract.js';
import { clear, h } from './dom.js';

export function renderProblems(el: HTMLElement, diagnostics: readonly Diagnostic[], goToLine: (line: number) => void): void {
  if (diagnostics.length === 0) {
    clear(el, h('div', { class: 'problems-empty' }, 'No problems: the checker accepts this program.'));
    return;
  }
  clear(
    el,
    ...diagnostics.map((d) => {
      const row = h(
        'div',
        { class: `problem problem-${d.severity}`, 'data-code': d.code, 'data-line': String(d.line) },
        h('span', { class: 'problem-loc' }, `${d.line}:${d.col}`),
        h('span', { class: 'problem-code' }, d.code),
        h('span', { class: 'problem-msg' }, d.message),
        d.expected ? h('span', { class: 'problem-detail' }, `expected ${d.expected}`) : null,
        d.found ? h('span', { class: 'problem-detail' }, `found ${d.found}`) : null,
        d.hint ? h('span', { class: 'problem-hint' }, d.hint) : null,
      );
      row.addEventListener('click', () => goToLine(d.line));
      return row;
    }),
  );
}

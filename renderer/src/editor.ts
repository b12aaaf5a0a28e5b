// The TAL editor: CodeMirror 6 with TAL highlighting, the checker's diagnostics
// inline, and the line the person points at or selects reported to the
// inspector.

import { lintGutter, setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { Compartment, EditorState, StateEffect, StateField, type Text } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { Diagnostic } from '../../preload/contract.js';
import { tal } from './tal-language.js';

export interface TalEditor {
  view: EditorView;
  source(): string;
  setSource(text: string): void;
  showDiagnostics(diagnostics: readonly Diagnostic[]): void;
  /** Scrolls to a 1-based line and puts the cursor at its start. */
  goToLine(line: number): void;
  /** Marks a 1-based line (e.g. the one a disassembly row maps to); null clears. */
  markLine(line: number | null): void;
  /** Tells CodeMirror the page is dark (its own panels, tooltips and selection follow); colours come from CSS variables. */
  setDark(dark: boolean): void;
}

export interface EditorCallbacks {
  onChange(source: string): void;
  /** sticky: the cursor moved there; otherwise the pointer hovers it (null when it leaves). */
  onInspect(line: number | null, sticky: boolean): void;
}

const markLineEffect = StateEffect.define<number | null>();
const markedLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (!e.is(markLineEffect)) continue;
      if (e.value === null || e.value < 1 || e.value > tr.state.doc.lines) return Decoration.none;
      const line = tr.state.doc.line(e.value);
      return Decoration.set([Decoration.line({ class: 'cm-tal-marked' }).range(line.from)]);
    }
    return deco.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** The editor's colours from the page's theme variables (renderer/styles.css), so one switch changes both. */
const themeColours = EditorView.theme({
  '&': { color: 'var(--fg)', backgroundColor: 'var(--bg)' },
  '.cm-content': { caretColor: 'var(--cm-cursor)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--cm-cursor)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: 'var(--cm-selection)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--cm-active-line)' },
  '.cm-gutters': { backgroundColor: 'var(--cm-gutter)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--cm-active-line)' },
  '.cm-tooltip, .cm-panels': { backgroundColor: 'var(--panel)', color: 'var(--fg)', border: '1px solid var(--border)' },
});

export function createEditor(parent: HTMLElement, cb: EditorCallbacks): TalEditor {
  let hoveredLine: number | null = null;
  const dark = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [
        basicSetup,
        themeColours,
        dark.of(EditorView.darkTheme.of(false)),
        tal(),
        lintGutter(),
        markedLineField,
        EditorView.updateListener.of((u) => {
          if (u.docChanged) cb.onChange(u.state.doc.toString());
          if (u.selectionSet || u.docChanged) cb.onInspect(u.state.doc.lineAt(u.state.selection.main.head).number, true);
        }),
        EditorView.domEventHandlers({
          mousemove(ev, v) {
            const pos = v.posAtCoords({ x: ev.clientX, y: ev.clientY });
            const line = pos === null ? null : v.state.doc.lineAt(pos).number;
            if (line !== hoveredLine) {
              hoveredLine = line;
              cb.onInspect(line, false);
            }
          },
          mouseleave() {
            hoveredLine = null;
            cb.onInspect(null, false);
          },
        }),
      ],
    }),
  });

  return {
    view,
    source: () => view.state.doc.toString(),
    setSource(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: 0 } });
    },
    showDiagnostics(diagnostics) {
      view.dispatch(
        setDiagnostics(
          view.state,
          diagnostics.map((d) => toCodeMirror(view.state.doc, d)),
        ),
      );
    },
    goToLine(line) {
      const l = view.state.doc.line(Math.min(Math.max(line, 1), view.state.doc.lines));
      view.dispatch({ selection: { anchor: l.from }, effects: EditorView.scrollIntoView(l.from, { y: 'center' }) });
      view.focus();
    },
    markLine(line) {
      view.dispatch({ effects: markLineEffect.of(line) });
    },
    setDark(on) {
      view.dispatch({ effects: dark.reconfigure(EditorView.darkTheme.of(on)) });
    },
  };
}

/** Underlines from the reported column to the end of the line's text (the checker reports a point, not a range). */
function toCodeMirror(doc: Text, d: Diagnostic): CmDiagnostic {
  const line = doc.line(Math.min(Math.max(d.line, 1), doc.lines));
  const from = Math.min(line.from + Math.max(d.col - 1, 0), line.to);
  const text = doc.sliceString(from, line.to).replace(/\s*(;.*)?$/, '');
  const to = Math.max(from + text.length, Math.min(from + 1, line.to));
  const details = [d.expected && `expected: ${d.expected}`, d.found && `found: ${d.found}`, d.hint && `hint: ${d.hint}`].filter(Boolean);
  return {
    from,
    to,
    severity: d.severity,
    source: d.code,
    message: [d.message, ...details].join('\n'),
  };
}

// Terminal tabs bound to the guest's serial ports ttyS0..ttyS3: output bytes
// from the VM, keystrokes and pastes back to it, with fit-to-size, scrollback,
// search and clipboard (Ctrl+Shift+C copies; paste is the browser's paste).

import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import { SERIAL_PORT_COUNT, type LabApi } from '../../preload/contract.js';
import { h } from './dom.js';
import { cssColor } from './theme.js';

interface SerialTab {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  pane: HTMLElement;
  tab: HTMLButtonElement;
}

// ttyS3 is the runner's console (main/runner): its tab shows each run's program output between the
// lab's header and footer lines (the runner's shell dialogue is filtered out in main); type there only
// for a program that reads the terminal.
const PORT_ROLES = ['console', 'shell', 'shell', 'runner'];
const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta']);
const LEAVE_HINT = 'Esc then Tab leaves the terminal';

export class SerialTerminals {
  private readonly tabs: SerialTab[] = [];
  private active = 0;
  /** The last key in a terminal was Escape: a Tab now leaves the terminal. */
  private escaped = false;

  constructor(
    root: HTMLElement,
    private readonly api: LabApi,
    private readonly onError: (message: string) => void,
  ) {
    const tabBar = h('div', { class: 'tabbar' });
    const searchBox = h('input', { type: 'search', placeholder: 'search output', class: 'term-search', 'aria-label': 'search terminal output' });
    const panes = h('div', { class: 'term-panes' });
    // Tab belongs to the guest's shell (completion), so the way out is said where people look.
    const hint = h('span', { class: 'term-hint muted', id: 'term-hint' }, LEAVE_HINT);
    root.append(h('div', { class: 'term-toolbar' }, tabBar, hint, searchBox), panes);

    for (let port = 0; port < SERIAL_PORT_COUNT; port++) {
      const term = new Terminal({ scrollback: 10_000, convertEol: false, fontSize: 13, cursorBlink: true, theme: terminalTheme() });
      const fit = new FitAddon();
      const search = new SearchAddon();
      term.loadAddon(fit);
      term.loadAddon(search);
      const pane = h('div', { class: 'term-pane', 'data-port': String(port), title: LEAVE_HINT });
      panes.append(pane);
      term.open(pane);
      term.onData((data) => void this.send(port, data));
      term.attachCustomKeyEventHandler((ev) => this.clipboardKeys(term, ev));
      const tab = h('button', { class: 'tab', 'data-port': String(port) }, `ttyS${port} · ${PORT_ROLES[port]}`);
      tab.addEventListener('click', () => this.show(port));
      tabBar.append(tab);
      this.tabs.push({ term, fit, search, pane, tab });
    }
    searchBox.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter') return;
      const s = this.tabs[this.active]!.search;
      if (ev.shiftKey) s.findPrevious(searchBox.value);
      else s.findNext(searchBox.value);
    });
    api.on('serialOutput', ({ port, base64 }) => this.tabs[port]?.term.write(decodeBase64(base64)));
    new ResizeObserver(() => this.fitActive()).observe(panes);
    this.show(0);
  }

  show(port: number): void {
    this.active = port;
    this.tabs.forEach((t, i) => {
      t.pane.hidden = i !== port;
      t.tab.classList.toggle('active', i === port);
    });
    this.fitActive();
  }

  /** Takes the page theme's terminal colours (after a theme change). */
  restyle(): void {
    const theme = terminalTheme();
    for (const t of this.tabs) t.term.options.theme = theme;
  }

  /** Writes a line of host-side information (not guest output) into a terminal, in colour. */
  note(port: number, text: string): void {
    this.tabs[port]?.term.write(`\r\n\x1b[36m${text.replace(/\n/g, '\r\n')}\x1b[0m\r\n`);
  }

  /** Writes text as it is (e.g. a program's captured output). */
  print(port: number, text: string): void {
    this.tabs[port]?.term.write(text.replace(/\r?\n/g, '\r\n'));
  }

  /** The visible text of a port's terminal buffer (for copy-all and tests). */
  text(port: number): string {
    const buf = this.tabs[port]!.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  private fitActive(): void {
    const t = this.tabs[this.active];
    if (t && t.pane.clientWidth > 0) t.fit.fit();
  }

  private async send(port: number, data: string): Promise<void> {
    const reply = await this.api.sendSerial({ port, data });
    if (!reply.ok) this.onError(`ttyS${port}: ${reply.error.message}`);
  }

  /**
   * Ctrl+Shift+C copies the selection (Ctrl+C goes to the guest as an interrupt); pasting is the browser's
   * own paste event, which xterm.js forwards. Escape then Tab (or Shift+Tab) leaves the terminal: the Tab
   * goes to the page's focus order instead of the guest (Escape itself still reaches the guest).
   */
  private clipboardKeys(term: Terminal, ev: KeyboardEvent): boolean {
    if (ev.type === 'keydown' && ev.key === 'Tab' && this.escaped) {
      this.escaped = false;
      return false; // xterm leaves it alone: the browser moves the focus
    }
    // A modifier pressed on its own (the Shift of Shift+Tab) keeps an Escape pending.
    if (ev.type === 'keydown' && !MODIFIER_KEYS.has(ev.key)) this.escaped = ev.key === 'Escape';
    if (ev.type === 'keydown' && ev.ctrlKey && ev.shiftKey && ev.code === 'KeyC') {
      void navigator.clipboard.writeText(term.getSelection());
      return false;
    }
    return true;
  }
}

function terminalTheme(): { background: string; foreground: string; cursor: string; selectionBackground: string } {
  return {
    background: cssColor('--term-bg'),
    foreground: cssColor('--term-fg'),
    cursor: cssColor('--term-cursor'),
    selectionBackground: cssColor('--term-selection'),
  };
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

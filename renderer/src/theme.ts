// Light or dark: the system's setting (prefers-color-scheme) unless the person
// chose with the header's toggle; the choice is kept in the browser's storage.
// Styles read CSS variables (renderer/styles.css); what draws on a canvas
// (the swimlane, the charts) or takes colours in code (CodeMirror's dark flag,
// xterm.js) reads the same variables through `cssColor` and is told of a change.

import { h } from './dom.js';

export type ThemeName = 'light' | 'dark';

const KEY = 'tal-lab.theme';

export interface Theme {
  /** The header's toggle: pressed when dark. */
  toggle: HTMLButtonElement;
  current(): ThemeName;
  /** Calls `cb` now and on every change. */
  follow(cb: (theme: ThemeName) => void): void;
}

export function mountTheme(): Theme {
  const system = window.matchMedia('(prefers-color-scheme: dark)');
  const listeners: Array<(theme: ThemeName) => void> = [];
  let choice = storedChoice();
  const current = (): ThemeName => choice ?? (system.matches ? 'dark' : 'light');
  const toggle = h('button', { class: 'theme-toggle', id: 'theme-toggle', type: 'button', 'aria-pressed': 'false' }, 'Dark theme');

  const apply = (): void => {
    const theme = current();
    document.documentElement.dataset['theme'] = theme;
    toggle.setAttribute('aria-pressed', String(theme === 'dark'));
    toggle.title = `${choice === null ? 'following the system setting' : 'your choice (choosing the system setting again follows it)'}; press to switch`;
    for (const cb of listeners) cb(theme);
  };

  toggle.addEventListener('click', () => {
    const next: ThemeName = current() === 'dark' ? 'light' : 'dark';
    // Choosing what the system says means following the system again.
    choice = next === (system.matches ? 'dark' : 'light') ? null : next;
    try {
      if (choice === null) localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // storage unavailable: the choice lasts until the page closes
    }
    apply();
  });
  system.addEventListener('change', apply);
  apply();

  return {
    toggle,
    current,
    follow(cb) {
      listeners.push(cb);
      cb(current());
    },
  };
}

function storedChoice(): ThemeName | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

/** A theme colour by its CSS variable name (e.g. '--lane-user'), for code that draws. */
export function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

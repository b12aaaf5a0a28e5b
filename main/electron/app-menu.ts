// The Electron shell's application menu as data: File, Edit, View, Run, Help
// with the usual accelerators. Items either take one of Electron's roles
// (undo, zoom, devtools, quit…) or name an action; electron-main.ts turns the
// template into a Menu (toMenuOptions) and carries the actions out: page
// commands go to the page (the same commands its buttons run), shell actions
// stay in main. No 'electron' import here, so Node tests read the menu.

import type { MenuCommand } from '../../preload/contract.js';

/** Actions main carries out itself. */
export type ShellAction = 'openLinkFromClipboard' | 'toggleTheme' | 'openDocs';

export type MenuAction = { page: MenuCommand } | { shell: ShellAction };

/** Electron roles this menu uses (a subset of MenuItemConstructorOptions['role']). */
export type MenuRole =
  | 'appMenu'
  | 'quit'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'selectAll'
  | 'reload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen';

export type MenuItemSpec =
  | { label: string; accelerator?: string; action: MenuAction; pageOwnsKey?: true }
  | { role: MenuRole }
  | { type: 'separator' }
  | { label: string; submenu: MenuItemSpec[] };

const separator: MenuItemSpec = { type: 'separator' };
const page = (label: string, command: MenuCommand, accelerator?: string): MenuItemSpec => ({
  label,
  ...(accelerator ? { accelerator } : {}),
  action: { page: command },
});
/**
 * A page command whose key the page binds itself (Ctrl+S in file-menu.ts, Ctrl+Enter in main.ts, which
 * must also keep the editor from inserting a line): the menu shows the key but does not register it, so
 * one key press runs the command once, whatever the platform's order of page and menu.
 */
const pageKey = (label: string, command: MenuCommand, accelerator: string): MenuItemSpec => ({
  label,
  accelerator,
  action: { page: command },
  pageOwnsKey: true,
});
const shell = (label: string, action: ShellAction, accelerator?: string): MenuItemSpec => ({
  label,
  ...(accelerator ? { accelerator } : {}),
  action: { shell: action },
});

export function appMenuTemplate(platform: NodeJS.Platform): MenuItemSpec[] {
  const mac = platform === 'darwin';
  const file: MenuItemSpec[] = [
    page('New', 'new', 'CmdOrCtrl+N'),
    page('Open…', 'open', 'CmdOrCtrl+O'),
    shell('Open Link from Clipboard', 'openLinkFromClipboard', 'CmdOrCtrl+Shift+O'),
    separator,
    pageKey('Save', 'save', 'CmdOrCtrl+S'),
    page('Save As…', 'saveAs', 'CmdOrCtrl+Shift+S'),
    page('Rename…', 'rename', 'F2'),
    separator,
    page('Copy Link', 'copyLink', 'CmdOrCtrl+Shift+L'),
    // macOS keeps Quit in the application menu.
    ...(mac ? [] : [separator, { role: 'quit' } as const]),
  ];
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    { label: 'File', submenu: file },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, separator, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    {
      label: 'View',
      submenu: [
        shell('Toggle Dark Theme', 'toggleTheme', 'CmdOrCtrl+Shift+D'),
        separator,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        separator,
        { role: 'togglefullscreen' },
        { role: 'reload' },
        { role: 'toggleDevTools' },
      ],
    },
    {
      label: 'Run',
      submenu: [
        page('Run in Kernel Mode', 'runKernel', 'CmdOrCtrl+Shift+K'),
        page('Run in User Mode', 'runUser', 'CmdOrCtrl+Shift+U'),
        pageKey('Run Again (Last Mode)', 'runAgain', 'CmdOrCtrl+Enter'),
        separator,
        page('Stop', 'stop', 'CmdOrCtrl+.'),
      ],
    },
    { label: 'Help', submenu: [shell('Documentation', 'openDocs', 'F1')] },
  ];
}

/** The part of Electron's MenuItemConstructorOptions the template fills in. */
export interface MenuItemOptions {
  label?: string;
  accelerator?: string;
  registerAccelerator?: boolean;
  role?: MenuRole;
  type?: 'separator';
  click?: () => void;
  submenu?: MenuItemOptions[];
}

/** The template as Menu.buildFromTemplate takes it, each action item calling onAction. */
export function toMenuOptions(items: readonly MenuItemSpec[], onAction: (action: MenuAction) => void): MenuItemOptions[] {
  return items.map((item): MenuItemOptions => {
    if ('submenu' in item) return { label: item.label, submenu: toMenuOptions(item.submenu, onAction) };
    if ('action' in item) {
      return {
        label: item.label,
        ...(item.accelerator ? { accelerator: item.accelerator } : {}),
        ...(item.pageOwnsKey ? { registerAccelerator: false } : {}),
        click: () => onAction(item.action),
      };
    }
    return { ...item };
  });
}

// The Electron shell's menu and links, on the page side: each menu command
// runs what the page's own button or key runs, and a share link main has
// checked (main/electron/lab-link.ts) opens in the editor like a link in the
// address bar, after the unsaved-changes prompt. Nothing here runs a program
// that the person did not ask to run.

import { MENU_COMMANDS, type LabShellApi, type MenuCommand } from '../../preload/contract.js';

export function mountShellBridge(shell: LabShellApi, commands: Readonly<Record<MenuCommand, () => void>>, openLinkFragment: (fragment: string) => void): void {
  shell.on('menuCommand', (command) => {
    if (MENU_COMMANDS.includes(command)) commands[command]();
  });
  shell.on('openLink', (fragment) => {
    if (typeof fragment === 'string' && fragment.startsWith('#tal=')) openLinkFragment(fragment);
  });
}

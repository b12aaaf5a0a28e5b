// The Electron application menu as data: the menus and items people expect,
// unique accelerators in Electron's syntax, every page command reachable, and
// clicks mapped to the item's action.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appMenuTemplate, toMenuOptions, type MenuAction, type MenuItemOptions, type MenuItemSpec } from '../../main/electron/app-menu.js';
import { MENU_COMMANDS } from '../../preload/contract.js';

function items(spec: readonly MenuItemSpec[]): MenuItemSpec[] {
  return spec.flatMap((i) => ('submenu' in i ? [i, ...items(i.submenu)] : [i]));
}

function submenu(spec: readonly MenuItemSpec[], label: string): string[] {
  const menu = spec.find((i): i is Extract<MenuItemSpec, { submenu: unknown }> => 'submenu' in i && i.label === label);
  assert.ok(menu, `no ${label} menu`);
  return menu.submenu.map((i) => ('label' in i ? i.label : 'role' in i ? `role:${i.role}` : '—'));
}

test('File, Edit, View, Run, Help with the usual items', () => {
  const linux = appMenuTemplate('linux');
  assert.deepEqual(
    linux.map((m) => ('label' in m ? m.label : 'role' in m ? m.role : '')),
    ['File', 'Edit', 'View', 'Run', 'Help'],
  );
  assert.deepEqual(submenu(linux, 'File'), [
    'New',
    'Open…',
    'Open Link from Clipboard',
    '—',
    'Save',
    'Save As…',
    'Rename…',
    '—',
    'Copy Link',
    '—',
    'role:quit',
  ]);
  assert.deepEqual(submenu(linux, 'Edit'), ['role:undo', 'role:redo', '—', 'role:cut', 'role:copy', 'role:paste', 'role:selectAll']);
  assert.ok(submenu(linux, 'View').includes('Toggle Dark Theme'));
  for (const role of ['zoomIn', 'zoomOut', 'resetZoom', 'toggleDevTools']) assert.ok(submenu(linux, 'View').includes(`role:${role}`), role);
  assert.deepEqual(submenu(linux, 'Run'), ['Run in Kernel Mode', 'Run in User Mode', 'Run Again (Last Mode)', '—', 'Stop']);
  assert.deepEqual(submenu(linux, 'Help'), ['Documentation']);

  const mac = appMenuTemplate('darwin');
  assert.deepEqual(mac[0], { role: 'appMenu' }, 'macOS: the application menu first');
  assert.ok(!submenu(mac, 'File').includes('role:quit'), 'macOS: Quit lives in the application menu');
});

test('accelerators: the usual ones, unique, in Electron syntax; Ctrl+Enter runs the last mode', () => {
  const byLabel = new Map<string, string>();
  for (const i of items(appMenuTemplate('linux'))) if ('accelerator' in i && i.accelerator) byLabel.set(i.label, i.accelerator);
  assert.equal(byLabel.get('New'), 'CmdOrCtrl+N');
  assert.equal(byLabel.get('Open…'), 'CmdOrCtrl+O');
  assert.equal(byLabel.get('Save'), 'CmdOrCtrl+S');
  assert.equal(byLabel.get('Save As…'), 'CmdOrCtrl+Shift+S');
  assert.equal(byLabel.get('Run Again (Last Mode)'), 'CmdOrCtrl+Enter');
  const all = [...byLabel.values()];
  assert.equal(new Set(all.map((a) => a.toLowerCase())).size, all.length, `duplicate accelerator among ${all.join(', ')}`);
  const key = /^(?:(?:CmdOrCtrl|Shift|Alt)\+)*(?:[A-Z0-9.]|F\d{1,2}|Enter)$/;
  for (const a of all) assert.match(a, key);
});

test('every page command is on the menu exactly once', () => {
  const pageCommands = items(appMenuTemplate('linux')).flatMap((i) => ('action' in i && 'page' in i.action ? [i.action.page] : []));
  assert.deepEqual([...pageCommands].sort(), [...MENU_COMMANDS].sort());
});

test('toMenuOptions: nested menus kept, roles passed through, clicks carry the action', () => {
  const seen: MenuAction[] = [];
  const options = toMenuOptions(appMenuTemplate('linux'), (a) => seen.push(a));
  const flat = (o: readonly MenuItemOptions[]): MenuItemOptions[] => o.flatMap((i) => [i, ...flat(i.submenu ?? [])]);
  const all = flat(options);
  all.find((i) => i.label === 'Run in Kernel Mode')!.click!();
  all.find((i) => i.label === 'Open Link from Clipboard')!.click!();
  assert.deepEqual(seen, [{ page: 'runKernel' }, { shell: 'openLinkFromClipboard' }]);
  assert.ok(all.some((i) => i.role === 'quit' && i.click === undefined));
  assert.equal(all.find((i) => i.label === 'Save')!.accelerator, 'CmdOrCtrl+S');
});

test('keys the page binds itself (Ctrl+S, Ctrl+Enter) are shown but not registered by the menu, so one press runs once', () => {
  const flat = (o: readonly MenuItemOptions[]): MenuItemOptions[] => o.flatMap((i) => [i, ...flat(i.submenu ?? [])]);
  const all = flat(toMenuOptions(appMenuTemplate('linux'), () => undefined));
  const unregistered = all.filter((i) => i.registerAccelerator === false).map((i) => i.accelerator);
  assert.deepEqual(unregistered.sort(), ['CmdOrCtrl+Enter', 'CmdOrCtrl+S']);
  assert.equal(all.find((i) => i.label === 'Run in Kernel Mode')!.registerAccelerator, undefined);
});

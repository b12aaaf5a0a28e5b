// The Electron shell: one sandboxed window showing the renderer, the lab's
// services in this (main) process, and IPC that only answers our own window;
// the application menu, native .tal dialogs and `tal-lab:` share links.
// This file and preload/preload.ts are the only ones that import 'electron'
// (what they do is in main/electron/, tested in Node).

import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, nativeTheme, session, shell, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLab } from './app/create-lab.js';
import { APP_ROOT, resolveLabPaths } from './app/resource-paths.js';
import { EVENT_CHANNELS, SHELL_EVENT_CHANNELS, type ShellEvents } from '../preload/contract.js';
import { ownWindowsPolicy, registerLabIpc } from './ipc/electron-ipc.js';
import { appMenuTemplate, toMenuOptions, type MenuAction } from './electron/app-menu.js';
import { LAB_LINK_SCHEME, linkInArgv, parseLabLink } from './electron/lab-link.js';
import { NativeFiles, OPEN_DIALOG, saveDialog } from './electron/native-files.js';
import { registerShellIpc } from './electron/shell-ipc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const paths = resolveLabPaths({ env: process.env, ...(app.isPackaged ? { packagedResourcesPath: process.resourcesPath } : {}) });
const indexHtml = path.join(paths.rendererDir, 'index.html');
const rendererUrl = pathToFileURL(indexHtml).href;
const windows = new Set<BrowserWindow>();

app.enableSandbox();

// One instance: a second launch (e.g. the OS opening a tal-lab: link) hands its arguments to this one and quits.
if (!app.requestSingleInstanceLock()) {
  app.quit();
  process.exit(0);
}
// In a checkout, Electron runs as `electron .`: the OS must be told the app path to launch it for a link.
if (app.isPackaged) app.setAsDefaultProtocolClient(LAB_LINK_SCHEME);
else app.setAsDefaultProtocolClient(LAB_LINK_SCHEME, process.execPath, [path.resolve(process.argv[1] ?? APP_ROOT)]);
/** A link that arrived before the window could show it (launch argv, macOS open-url at start). */
let pendingLink: string | undefined = linkInArgv(process.argv);
app.on('open-url', (ev, url) => {
  ev.preventDefault();
  openLink(url);
});
app.on('second-instance', (_ev, argv) => {
  const win = mainWindow();
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
  const link = linkInArgv(argv);
  if (link !== undefined) openLink(link);
});

// Nothing the page does may open windows, navigate away, embed webviews or get permissions.
app.on('web-contents-created', (_e, contents: WebContents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (ev, url) => {
    if (url !== rendererUrl) ev.preventDefault();
  });
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
});

await app.whenReady();
session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'clipboard-sanitized-write'));

const lab = await createLab({
  paths,
  emit: (event, payload) => {
    for (const w of windows) if (!w.isDestroyed()) w.webContents.send(EVENT_CHANNELS[event], payload);
  },
});
registerLabIpc(
  ipcMain,
  lab.router,
  ownWindowsPolicy(() => [...windows].filter((w) => !w.isDestroyed()).map((w) => w.webContents.id), rendererUrl),
);
const files = new NativeFiles();
registerShellIpc(
  ipcMain,
  {
    openNative: async () => files.opened(await dialog.showOpenDialog(mainWindow()!, OPEN_DIALOG)),
    saveNative: ({ handle, source }) => files.save(handle, source),
    saveNativeAs: async ({ name, source }) =>
      files.savedAs(
        await dialog.showSaveDialog(mainWindow()!, saveDialog('Save the TAL program as', path.join(app.getPath('documents'), path.basename(name)))),
        source,
      ),
    renameNative: async ({ handle }) => {
      const from = files.pathOf(handle);
      if (from === undefined) return files.renamed(handle, { canceled: true });
      return files.renamed(handle, await dialog.showSaveDialog(mainWindow()!, saveDialog(`Rename ${path.basename(from)} to`, from)));
    },
  },
  ownWindowsPolicy(() => [...windows].filter((w) => !w.isDestroyed()).map((w) => w.webContents.id), rendererUrl),
);
Menu.setApplicationMenu(Menu.buildFromTemplate(toMenuOptions(appMenuTemplate(process.platform), runMenuAction)));
lab.service.start();
// Tests of the shell itself do not need a guest.
if (process.env['TAL_LAB_NO_BOOT'] === undefined) void lab.vm.start();

function openWindow(): void {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'TAL Lab',
    webPreferences: {
      preload: path.join(here, '..', 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  // Every load, not just the first: a link may arrive while the page reloads.
  win.webContents.on('did-finish-load', () => {
    if (pendingLink === undefined) return;
    const link = pendingLink;
    pendingLink = undefined;
    openLink(link);
  });
  void win.loadFile(indexHtml);
}

function mainWindow(): BrowserWindow | undefined {
  return [...windows].find((w) => !w.isDestroyed());
}

function sendToPage<E extends keyof ShellEvents>(event: E, payload: ShellEvents[E]): void {
  mainWindow()?.webContents.send(SHELL_EVENT_CHANNELS[event], payload);
}

/** A share link from outside (argv, open-url, clipboard): checked here, shown in the editor by the page, never run. */
function openLink(text: unknown): void {
  const win = mainWindow();
  if (win === undefined || win.webContents.isLoading()) {
    if (typeof text === 'string') pendingLink = text;
    return;
  }
  const link = parseLabLink(text);
  if (link.ok) sendToPage('openLink', link.fragment);
  else void dialog.showMessageBox(win, { type: 'warning', message: 'This link cannot be opened', detail: link.message });
}

function runMenuAction(action: MenuAction): void {
  if ('page' in action) {
    sendToPage('menuCommand', action.page);
    return;
  }
  switch (action.shell) {
    case 'openLinkFromClipboard':
      openLink(clipboard.readText());
      break;
    case 'toggleTheme':
      // The page's theme follows prefers-color-scheme, which themeSource sets.
      nativeTheme.themeSource = nativeTheme.shouldUseDarkColors ? 'light' : 'dark';
      break;
    case 'openDocs':
      void shell.openPath(path.join(APP_ROOT, 'README.md')).then((error) => {
        if (error !== '')
          void dialog.showMessageBox({ type: 'info', message: 'Documentation', detail: `README.md and docs/ in the TAL Lab source (${error})` });
      });
      break;
  }
}

openWindow();
app.on('activate', () => {
  if (windows.size === 0) openWindow();
});
app.on('window-all-closed', () => {
  void lab.service.stop().finally(() => app.quit());
});

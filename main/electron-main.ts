// The Electron shell: one sandboxed window showing the renderer, the lab's
// services in this (main) process, and IPC that only answers our own window.
// This file and preload/preload.ts are the only ones that import 'electron'.

import { app, BrowserWindow, ipcMain, session, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLab } from './app/create-lab.js';
import { resolveLabPaths } from './app/resource-paths.js';
import { EVENT_CHANNELS } from '../preload/contract.js';
import { ownWindowsPolicy, registerLabIpc } from './ipc/electron-ipc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const paths = resolveLabPaths({ env: process.env, ...(app.isPackaged ? { packagedResourcesPath: process.resourcesPath } : {}) });
const indexHtml = path.join(paths.rendererDir, 'index.html');
const rendererUrl = pathToFileURL(indexHtml).href;
const windows = new Set<BrowserWindow>();

app.enableSandbox();

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
  void win.loadFile(indexHtml);
}

openWindow();
app.on('activate', () => {
  if (windows.size === 0) openWindow();
});
app.on('window-all-closed', () => {
  void lab.service.stop().finally(() => app.quit());
});

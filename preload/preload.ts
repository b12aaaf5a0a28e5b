// The renderer's only way into main: named lab methods and an event
// subscription, exposed through contextBridge. The page never sees
// ipcRenderer or the IPC event objects, and can subscribe only to the lab's
// own events. Main validates every payload again (main/ipc/schemas.ts,
// main/electron/shell-ipc.ts). window.labShell is the Electron shell's own
// part: native file dialogs, menu commands and share links opened from outside.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  EVENT_CHANNELS,
  LAB_EVENTS,
  LAB_METHODS,
  METHOD_CHANNELS,
  SHELL_EVENT_CHANNELS,
  SHELL_METHOD_CHANNELS,
  type LabEvent,
  type ShellEvents,
  type ShellMethod,
} from './contract.js';

/** Subscribes a page listener to one channel; the page gets the payload only, never the IPC event. */
function subscribe(channel: string, listener: (payload: unknown) => void): () => void {
  const forward = (_e: IpcRendererEvent, payload: unknown): void => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => ipcRenderer.removeListener(channel, forward);
}

const api: Record<string, unknown> = {
  on(event: LabEvent, listener: (payload: unknown) => void): () => void {
    if (!LAB_EVENTS.includes(event) || typeof listener !== 'function') throw new Error(`unknown lab event ${String(event)}`);
    return subscribe(EVENT_CHANNELS[event], listener);
  },
};
for (const method of LAB_METHODS) {
  api[method] = (req: unknown) => ipcRenderer.invoke(METHOD_CHANNELS[method], req);
}

contextBridge.exposeInMainWorld('lab', api);

const shellApi: Record<string, unknown> = {
  on(event: keyof ShellEvents, listener: (payload: unknown) => void): () => void {
    if (!Object.hasOwn(SHELL_EVENT_CHANNELS, event) || typeof listener !== 'function') throw new Error(`unknown shell event ${String(event)}`);
    return subscribe(SHELL_EVENT_CHANNELS[event], listener);
  },
};
for (const method of Object.keys(SHELL_METHOD_CHANNELS) as ShellMethod[]) {
  shellApi[method] = (req: unknown) => ipcRenderer.invoke(SHELL_METHOD_CHANNELS[method], req);
}
contextBridge.exposeInMainWorld('labShell', shellApi);

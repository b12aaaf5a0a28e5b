// The renderer's only way into main: named lab methods and an event
// subscription, exposed through contextBridge. The page never sees
// ipcRenderer or the IPC event objects, and can subscribe only to the lab's
// own events. Main validates every payload again (main/ipc/schemas.ts).

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, LAB_EVENTS, LAB_METHODS, METHOD_CHANNELS, type LabEvent } from './contract.js';

const api: Record<string, unknown> = {
  on(event: LabEvent, listener: (payload: unknown) => void): () => void {
    if (!LAB_EVENTS.includes(event) || typeof listener !== 'function') throw new Error(`unknown lab event ${String(event)}`);
    const channel = EVENT_CHANNELS[event];
    const forward = (_e: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => ipcRenderer.removeListener(channel, forward);
  },
};
for (const method of LAB_METHODS) {
  api[method] = (req: unknown) => ipcRenderer.invoke(METHOD_CHANNELS[method], req);
}

contextBridge.exposeInMainWorld('lab', api);

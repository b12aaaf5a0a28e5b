// The one stand-in for Electron in Node tests (the real module throws outside
// Electron): an ipcMain that records handlers and lets a test invoke them as a
// given sender, and a builder for that sender.

import type { IpcMainLike, InvokeEventLike } from '../../main/ipc/electron-ipc.js';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`); // as Electron does
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  invoke(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`); // as ipcRenderer.invoke rejects
    return h(event, ...args);
  }
}

export function senderEvent(opts: { id: number; url: string; subframe?: boolean }): InvokeEventLike {
  return { sender: { id: opts.id }, senderFrame: { url: opts.url, parent: opts.subframe ? {} : null } };
}

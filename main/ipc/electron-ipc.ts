// The Electron transport: registers one ipcMain handler per lab method and
// drops every message whose sender is not one of the lab's own windows showing
// the lab's own page. It takes ipcMain structurally instead of importing
// electron, so Node tests exercise it with the mock in test/main/electron-mock.ts.

import { LAB_METHODS, METHOD_CHANNELS, type IpcReply } from '../../preload/contract.js';
import type { LabRouter } from './router.js';

/** The part of Electron's IpcMainInvokeEvent this adapter reads. */
export interface InvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export type SenderPolicy = (event: InvokeEventLike) => boolean;

/**
 * A sender is trusted when it is the top frame of one of our windows and shows our renderer page.
 * An iframe, a window opened by the page, or a navigated-away page is refused.
 */
export function ownWindowsPolicy(windowContentIds: () => readonly number[], rendererUrl: string): SenderPolicy {
  const expected = new URL(rendererUrl);
  return (event) => {
    if (!windowContentIds().includes(event.sender.id)) return false;
    const frame = event.senderFrame;
    if (frame === null || frame.parent !== null) return false;
    let url: URL;
    try {
      url = new URL(frame.url);
    } catch {
      return false;
    }
    return url.protocol === expected.protocol && url.host === expected.host && url.pathname === expected.pathname;
  };
}

/** Registers the handlers; returns a function that removes them. */
export function registerLabIpc(ipcMain: IpcMainLike, router: LabRouter, isTrusted: SenderPolicy): () => void {
  for (const method of LAB_METHODS) {
    ipcMain.handle(METHOD_CHANNELS[method], async (event, ...args): Promise<IpcReply<unknown>> => {
      if (!isTrusted(event)) {
        return { ok: false, error: { code: 'E_UNTRUSTED_SENDER', message: `${method}: sender is not a lab window` } };
      }
      if (args.length !== 1) {
        return { ok: false, error: { code: 'E_BAD_MESSAGE', message: `${method}: expected exactly one payload argument, got ${args.length}` } };
      }
      return router.dispatch(method, args[0]);
    });
  }
  return () => {
    for (const method of LAB_METHODS) ipcMain.removeHandler(METHOD_CHANNELS[method]);
  };
}

// Which transport the renderer talks through: the Electron preload's
// window.lab when present, otherwise the web shell's WebSocket.

import type { IpcReply, LabApi, LabShellApi } from '../../preload/contract.js';
import { connectWebSocketApi } from './ws-client.js';

declare global {
  interface Window {
    lab?: LabApi;
    /** The Electron shell's own API (native dialogs, menu, links); absent in the web shell. */
    labShell?: LabShellApi;
  }
}

export function labApi(onConnection: (connected: boolean) => void): LabApi {
  if (window.lab !== undefined) {
    onConnection(true);
    return window.lab;
  }
  return connectWebSocketApi(onConnection);
}

/** The reply's value, or throws with the API error's code and message (shown to the person by the caller). */
export function unwrap<T>(reply: IpcReply<T>): T {
  if (reply.ok) return reply.value;
  throw new Error(`${reply.error.code}: ${reply.error.message}`);
}

// The lab API for the web shell: the same LabApi the Electron preload exposes,
// carried over one WebSocket back to the server that served this page.

import {
  LAB_METHODS,
  MAX_SOURCE_CHARS,
  MAX_WS_FRAME_BYTES,
  WS_API_PATH,
  type IpcReply,
  type LabApi,
  type LabEvent,
  type LabEvents,
  type WsServerMessage,
} from '../../preload/contract.js';

type Pending = (reply: IpcReply<unknown>) => void;
type Listener = (payload: unknown) => void;

export function connectWebSocketApi(onConnection: (connected: boolean) => void): LabApi {
  const pending = new Map<number, Pending>();
  const listeners = new Map<LabEvent, Set<Listener>>();
  let nextId = 1;
  let socket: WebSocket;
  let opened: Promise<void>;
  let retryMs = 250;

  const connect = (): void => {
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_API_PATH}`);
    opened = new Promise((resolve) => socket.addEventListener('open', () => resolve(), { once: true }));
    socket.addEventListener('open', () => {
      retryMs = 250;
      onConnection(true);
    });
    socket.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as WsServerMessage;
      if ('event' in msg) {
        for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
      } else if (msg.id !== null) {
        pending.get(msg.id)?.(msg.reply);
        pending.delete(msg.id);
      }
    });
    socket.addEventListener('close', () => {
      onConnection(false);
      for (const [id, resolve] of pending) {
        resolve({
          ok: false,
          error: {
            code: 'E_BAD_MESSAGE',
            message: 'the connection to the lab was lost while this request was answered; it may have finished — check the result and try again',
          },
        });
        pending.delete(id);
      }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    });
  };
  connect();
  let firstOpen: Promise<void> | null = opened!;

  const call = async (method: string, payload: unknown): Promise<IpcReply<unknown>> => {
    // Only the first connection is waited for; while reconnecting, a request fails at once in words.
    await (firstOpen ?? opened);
    firstOpen = null;
    if (socket.readyState !== WebSocket.OPEN) {
      return { ok: false, error: { code: 'E_BAD_MESSAGE', message: 'not connected to the lab (reconnecting…); try again in a moment' } };
    }
    const id = nextId++;
    const frame = JSON.stringify({ id, method, payload });
    // Sent, a frame over the limit would close the connection: refused here, the page's other requests
    // go on. (A UTF-8 byte is at least one and at most three UTF-16 units: only long frames are measured.)
    if (frame.length * 3 > MAX_WS_FRAME_BYTES) {
      const bytes = new Blob([frame]).size;
      if (bytes > MAX_WS_FRAME_BYTES) {
        const mib = (n: number): string => (n / (1024 * 1024)).toFixed(1);
        return {
          ok: false,
          error: {
            code: 'E_BAD_MESSAGE',
            message: `this request is ${mib(bytes)} MiB; the lab takes at most ${mib(MAX_WS_FRAME_BYTES)} MiB in one request (a program is at most ${MAX_SOURCE_CHARS / 1024} KiB)`,
          },
        };
      }
    }
    return new Promise((resolve) => {
      pending.set(id, resolve);
      socket.send(frame);
    });
  };

  const api: Record<string, unknown> = {
    on<E extends LabEvent>(event: E, listener: (payload: LabEvents[E]) => void) {
      const set = listeners.get(event) ?? new Set<Listener>();
      listeners.set(event, set);
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
  };
  for (const method of LAB_METHODS) api[method] = (req: unknown) => call(method, req);
  return api as LabApi;
}

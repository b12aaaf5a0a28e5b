// The web shell's transport: the same lab API as the Electron preload, carried
// as JSON frames over one WebSocket per page. Only pages served by this
// server may connect (Origin and Host must be ours: that stops other web sites
// and DNS-rebinding pages from driving the lab), and every frame goes through
// the same router, and so the same validators, as Electron IPC.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_WS_FRAME_BYTES, WS_API_PATH, type IpcError, type LabEvent, type LabEvents, type WsServerMessage } from '../../preload/contract.js';
import type { LabRouter } from '../ipc/router.js';

/** Frames above this are refused by ws before parsing (the contract derives it from the request limits). */
export const MAX_FRAME_BYTES = MAX_WS_FRAME_BYTES;
/** Above this much unsent data a client is slow; telemetry snapshots are skipped for it (the next one supersedes them). */
const SLOW_CLIENT_BYTES = 4 * 1024 * 1024;

export interface LabWebSocket {
  broadcast<E extends LabEvent>(event: E, payload: LabEvents[E]): void;
  clientCount(): number;
  /** Cuts every page's connection (pages reconnect); the server keeps accepting. */
  dropClients(): void;
  close(): Promise<void>;
}

/** origin: the exact origin pages are served from, e.g. "http://127.0.0.1:8080". */
export function attachLabWebSocket(server: Server, router: LabRouter, origin: () => string): LabWebSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = refuseUpgrade(req, origin());
    if (refusal !== null) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws, router));
  });

  return {
    broadcast(event, payload) {
      const frame = JSON.stringify({ event, payload } satisfies WsServerMessage);
      for (const ws of wss.clients) {
        if (ws.readyState !== ws.OPEN) continue;
        if (event === 'telemetry' && ws.bufferedAmount > SLOW_CLIENT_BYTES) continue;
        ws.send(frame);
      }
    },
    clientCount: () => wss.clients.size,
    dropClients() {
      for (const ws of wss.clients) ws.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** null when the upgrade may proceed, else the HTTP status line to refuse it with. */
export function refuseUpgrade(req: IncomingMessage, origin: string): string | null {
  const path = new URL(req.url ?? '/', 'http://placeholder').pathname;
  if (path !== WS_API_PATH) return '404 Not Found';
  if (req.headers.origin !== origin) return '403 Forbidden';
  if (`http://${req.headers.host ?? ''}` !== origin) return '403 Forbidden';
  return null;
}

function serveClient(ws: WebSocket, router: LabRouter): void {
  ws.on('message', (data, isBinary) => {
    void answer(ws, router, isBinary ? null : data.toString());
  });
  // A broken client must not take the server down.
  ws.on('error', () => ws.terminate());
}

async function answer(ws: WebSocket, router: LabRouter, text: string | null): Promise<void> {
  const envelope = parseEnvelope(text);
  const reply: WsServerMessage =
    'error' in envelope
      ? { id: envelope.id, reply: { ok: false, error: envelope.error } }
      : { id: envelope.id, reply: await router.dispatch(envelope.method, envelope.payload) };
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
}

type Envelope = { id: number; method: unknown; payload: unknown } | { id: number | null; error: IpcError };

/** Checks the frame's shape; the payload itself is validated by the router. */
export function parseEnvelope(text: string | null): Envelope {
  const bad = (id: number | null, message: string): Envelope => ({ id, error: { code: 'E_BAD_MESSAGE', message } });
  if (text === null) return bad(null, 'binary frames are not part of the lab API');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(null, 'frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(null, 'frame is not a JSON object');
  const frame = value as Record<string, unknown>;
  const id = frame['id'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return bad(null, 'frame needs a non-negative integer "id"');
  const extra = Object.keys(frame).filter((k) => k !== 'id' && k !== 'method' && k !== 'payload');
  if (extra.length > 0) return bad(id, `unexpected field "${extra[0]}" in frame`);
  if (!Object.hasOwn(frame, 'payload')) return bad(id, 'frame needs a "payload"');
  return { id, method: frame['method'], payload: frame['payload'] };
}

// The web shell: the lab's renderer served on 127.0.0.1 with the lab API over a
// WebSocket, so the lab runs in a browser (and in tests) without Electron.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLab, type Lab } from '../app/create-lab.js';
import type { LabVm } from '../app/integration.js';
import type { LabPaths } from '../app/resource-paths.js';
import { staticFileHandler } from './static-files.js';
import { attachLabWebSocket, type LabWebSocket } from './ws-api.js';

export interface WebShell {
  url: string;
  lab: Lab;
  socket: LabWebSocket;
  close(): Promise<void>;
}

export interface WebShellOptions {
  paths: LabPaths;
  /** 0 picks a free port. */
  port: number;
  vm?: LabVm;
  /** Boot the guest as soon as the shell is up (the lab does; most tests do not). */
  bootVm?: boolean;
}

// Loopback only: the lab drives an emulator and must not be reachable from other machines.
const HOST = '127.0.0.1';

export async function startWebShell(opts: WebShellOptions): Promise<WebShell> {
  let origin = '';
  let socket: LabWebSocket | undefined;
  const lab = await createLab({
    paths: opts.paths,
    emit: (event, payload) => socket?.broadcast(event, payload),
    ...(opts.vm ? { vm: opts.vm } : {}),
  });
  const serveFile = staticFileHandler(opts.paths.rendererDir);
  const server: Server = createServer((req, res) => void serveFile(req, res));
  socket = attachLabWebSocket(server, lab.router, () => origin);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, HOST, () => resolve());
  });
  origin = `http://${HOST}:${(server.address() as AddressInfo).port}`;
  lab.service.start();
  if (opts.bootVm) void lab.vm.start();
  const ws = socket;
  return {
    url: `${origin}/`,
    lab,
    socket: ws,
    async close() {
      await ws.close();
      await lab.service.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The WebSocket transport with real sockets: frames that are not well-formed
// lab requests get E_BAD_MESSAGE (with the id when there is one), payloads go
// through the same validators as Electron IPC, every valid request fits in a
// frame, oversized frames close the connection, and upgrades from foreign origins, hosts or paths are refused.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { MAX_SOURCE_CHARS, RUN_LIMITS } from '../../preload/contract.js';
import { createRouter } from '../../main/ipc/router.js';
import { attachLabWebSocket, MAX_FRAME_BYTES, type LabWebSocket } from '../../main/web/ws-api.js';
import { recordingHandlers } from './lab-handlers-stub.js';

let server: Server;
let api: LabWebSocket;
let origin: string;
const rec = recordingHandlers();

before(async () => {
  server = createServer((_req, res) => res.end());
  api = attachLabWebSocket(server, createRouter(rec.handlers), () => origin);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await api.close();
  await new Promise<void>((r) => server.close(() => r()));
});

async function connect(opts: { origin?: string; path?: string; host?: string } = {}): Promise<WebSocket> {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}${opts.path ?? '/api'}`, {
    ...(opts.origin !== undefined ? { origin: opts.origin } : { origin }),
    ...(opts.host ? { headers: { host: opts.host } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, r) => reject(new Error(`HTTP ${r.statusCode}`)));
    ws.once('error', reject);
  });
  return ws;
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
}

test('a well-formed request is answered with its id', async () => {
  const ws = await connect();
  ws.send(JSON.stringify({ id: 5, method: 'getVmStatus', payload: {} }));
  assert.deepEqual(await nextMessage(ws), { id: 5, reply: { ok: true, value: { state: 'stopped', message: 'test' } } });
  ws.close();
});

test('malformed frames are answered with E_BAD_MESSAGE and reach no handler', async () => {
  const ws = await connect();
  const before = rec.calls.length;
  const cases: Array<[string | Buffer, number | null, RegExp]> = [
    ['not json', null, /not JSON/],
    ['[1,2]', null, /not a JSON object/],
    ['"str"', null, /not a JSON object/],
    ['{"method":"getVmStatus","payload":{}}', null, /integer "id"/],
    ['{"id":-1,"method":"getVmStatus","payload":{}}', null, /integer "id"/],
    ['{"id":1.5,"method":"getVmStatus","payload":{}}', null, /integer "id"/],
    ['{"id":"1","method":"getVmStatus","payload":{}}', null, /integer "id"/],
    ['{"id":2,"method":"getVmStatus"}', 2, /needs a "payload"/],
    ['{"id":3,"method":"getVmStatus","payload":{},"sudo":true}', 3, /unexpected field "sudo"/],
    [Buffer.from([1, 2, 3]), null, /binary frames/],
  ];
  for (const [frame, id, message] of cases) {
    ws.send(frame);
    const m = (await nextMessage(ws)) as { id: number | null; reply: { ok: false; error: { code: string; message: string } } };
    assert.equal(m.id, id, String(frame));
    assert.equal(m.reply.error.code, 'E_BAD_MESSAGE', String(frame));
    assert.match(m.reply.error.message, message);
  }
  ws.send(JSON.stringify({ id: 9, method: '__proto__', payload: {} }));
  assert.equal(((await nextMessage(ws)) as { reply: { error: { code: string } } }).reply.error.code, 'E_UNKNOWN_METHOD');
  ws.send(JSON.stringify({ id: 10, method: 'runProgram', payload: { source: '', file: 'x.tal', mode: 'ring0', args: [] } }));
  const bad = (await nextMessage(ws)) as { reply: { error: { code: string; path: string } } };
  assert.deepEqual([bad.reply.error.code, bad.reply.error.path], ['E_BAD_PAYLOAD', 'mode']);
  assert.equal(rec.calls.length, before);
  ws.close();
});

test('an oversized frame closes the connection (1009) without being parsed', async () => {
  const ws = await connect();
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  ws.send('x'.repeat(MAX_FRAME_BYTES + 1));
  assert.equal(await closed, 1009);
});

test('the largest valid request fits in a frame: a run whose every character is a JSON escape is answered', async () => {
  const ws = await connect();
  const escaped = (n: number): string => '\u0001'.repeat(n);
  const payload = {
    source: escaped(MAX_SOURCE_CHARS),
    file: 'x.tal',
    mode: 'user',
    args: Array.from({ length: RUN_LIMITS.args }, () => escaped(RUN_LIMITS.argChars)),
    stdin: escaped(RUN_LIMITS.stdinChars),
  };
  const frame = JSON.stringify({ id: 11, method: 'runProgram', payload });
  assert.ok(frame.length > 4 * 1024 * 1024, `the frame is ${frame.length} bytes`);
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  ws.send(frame);
  const reply = await Promise.race([nextMessage(ws), closed.then((code) => ({ closed: code }))]);
  assert.equal((reply as { id?: number }).id, 11, `answered, not cut: ${JSON.stringify(reply).slice(0, 200)}`);
  ws.close();
});

test('upgrades from other origins, hosts or paths are refused', async () => {
  await assert.rejects(connect({ origin: 'http://evil.example' }), /HTTP 403/);
  await assert.rejects(connect({ origin: '' }), /HTTP 403/);
  await assert.rejects(connect({ host: 'rebound.example:80' }), /HTTP 403/);
  await assert.rejects(connect({ path: '/other' }), /HTTP 404/);
});

test('events reach every connected page', async () => {
  const a = await connect();
  const b = await connect();
  const got = Promise.all([nextMessage(a), nextMessage(b)]);
  api.broadcast('vmStatus', { state: 'booting', message: 'test', progress: 0.5 });
  for (const m of await got) assert.deepEqual(m, { event: 'vmStatus', payload: { state: 'booting', message: 'test', progress: 0.5 } });
  a.close();
  b.close();
});

// The Electron transport, driven through the one Electron mock: it registers a
// handler per method, answers only the top frame of our own window showing
// our page, and checks the argument count before validation.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAB_METHODS, METHOD_CHANNELS } from '../../preload/contract.js';
import { ownWindowsPolicy, registerLabIpc } from '../../main/ipc/electron-ipc.js';
import { createRouter } from '../../main/ipc/router.js';
import { FakeIpcMain, senderEvent } from './electron-mock.js';
import { recordingHandlers } from './lab-handlers-stub.js';

const PAGE = 'file:///opt/tal-lab/resources/app.asar/dist/renderer/index.html';
const WINDOW_ID = 7;

function setup() {
  const ipc = new FakeIpcMain();
  const rec = recordingHandlers();
  const unregister = registerLabIpc(
    ipc,
    createRouter(rec.handlers),
    ownWindowsPolicy(() => [WINDOW_ID], PAGE),
  );
  return { ipc, rec, unregister };
}

test('registers exactly one handler per lab method, and removes them', () => {
  const { ipc, unregister } = setup();
  assert.deepEqual([...ipc.handlers.keys()].sort(), LAB_METHODS.map((m) => METHOD_CHANNELS[m]).sort());
  unregister();
  assert.equal(ipc.handlers.size, 0);
});

test('our window is answered', async () => {
  const { ipc, rec } = setup();
  const reply = await ipc.invoke(METHOD_CHANNELS.getVmStatus, senderEvent({ id: WINDOW_ID, url: PAGE }), {});
  assert.deepEqual(reply, { ok: true, value: { state: 'stopped', message: 'test' } });
  assert.equal(rec.calls.length, 1);
});

test('other senders are dropped before validation', async () => {
  const { ipc, rec } = setup();
  const strangers = [
    senderEvent({ id: 8, url: PAGE }), // another webContents (e.g. a devtools or a window we did not open)
    senderEvent({ id: WINDOW_ID, url: PAGE, subframe: true }), // an iframe inside our page
    senderEvent({ id: WINDOW_ID, url: 'https://evil.example/index.html' }), // our window navigated away
    senderEvent({ id: WINDOW_ID, url: 'file:///tmp/index.html' }), // another local file
    senderEvent({ id: WINDOW_ID, url: 'not a url' }),
    { sender: { id: WINDOW_ID }, senderFrame: null }, // the frame is gone
  ];
  for (const ev of strangers) {
    const reply = await ipc.invoke(METHOD_CHANNELS.checkSource, ev, { source: '', file: 'a.tal' });
    assert.deepEqual(reply, { ok: false, error: { code: 'E_UNTRUSTED_SENDER', message: 'checkSource: sender is not a lab window' } });
  }
  assert.equal(rec.calls.length, 0);
});

test('extra or missing arguments are refused; bad payloads get the validator answer', async () => {
  const { ipc, rec } = setup();
  const ev = senderEvent({ id: WINDOW_ID, url: PAGE });
  const none = (await ipc.invoke(METHOD_CHANNELS.getVmStatus, ev)) as { ok: boolean; error: { code: string } };
  assert.equal(none.error.code, 'E_BAD_MESSAGE');
  const two = (await ipc.invoke(METHOD_CHANNELS.getVmStatus, ev, {}, {})) as { ok: boolean; error: { code: string } };
  assert.equal(two.error.code, 'E_BAD_MESSAGE');
  const bad = (await ipc.invoke(METHOD_CHANNELS.sendSerial, ev, { port: 9, data: 'x' })) as { ok: boolean; error: { code: string; path: string } };
  assert.equal(bad.error.code, 'E_BAD_PAYLOAD');
  assert.equal(bad.error.path, 'port');
  assert.equal(rec.calls.length, 0);
});

// Every request is validated before it reaches a handler: malformed and
// hostile payloads are rejected with a code and the offending field, and the
// handler never runs for them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAB_METHODS } from '../../preload/contract.js';
import { createRouter } from '../../main/ipc/router.js';
import { MAX_ARG_CHARS, MAX_ARGS, MAX_SERIAL_INPUT_CHARS, MAX_SOURCE_CHARS, REQUEST_SCHEMAS } from '../../main/ipc/schemas.js';
import { recordingHandlers } from './lab-handlers-stub.js';

const goodSource = { source: '.code\nmain:\n  ret\n', file: 'hello.tal' };
const goodRun = { ...goodSource, mode: 'kernel', args: ['a', 'b'] };

test('valid requests reach their handler with exactly the validated payload', async () => {
  const { handlers, calls } = recordingHandlers();
  const router = createRouter(handlers);
  assert.deepEqual(await router.dispatch('checkSource', goodSource), { ok: true, value: { ok: true, diagnostics: [], trace: [] } });
  assert.equal((await router.dispatch('runProgram', goodRun)).ok, true);
  assert.equal((await router.dispatch('sendSerial', { port: 3, data: 'ls\r' })).ok, true);
  assert.equal((await router.dispatch('snapshotVm', { action: 'restore' })).ok, true);
  assert.equal((await router.dispatch('listExamples', {})).ok, true);
  assert.deepEqual(calls, [
    { method: 'checkSource', req: goodSource },
    { method: 'runProgram', req: goodRun },
    { method: 'sendSerial', req: { port: 3, data: 'ls\r' } },
    { method: 'snapshotVm', req: { action: 'restore' } },
    { method: 'listExamples', req: {} },
  ]);
});

test('every method has a schema', () => {
  for (const m of LAB_METHODS) assert.ok(REQUEST_SCHEMAS[m], m);
});

test('unknown methods are rejected, including inherited property names', async () => {
  const { handlers, calls } = recordingHandlers();
  const router = createRouter(handlers);
  for (const method of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'lab:check-source', '', 42, null, undefined, {}, ['checkSource']]) {
    const r = await router.dispatch(method, goodSource);
    assert.equal(r.ok, false, String(method));
    if (!r.ok) assert.equal(r.error.code, 'E_UNKNOWN_METHOD');
  }
  assert.equal(calls.length, 0);
});

const hostile: Array<[string, unknown, string | undefined]> = [
  ['checkSource', undefined, undefined],
  ['checkSource', null, undefined],
  ['checkSource', 'source text', undefined],
  ['checkSource', [goodSource], undefined],
  ['checkSource', { source: 'x' }, 'file'],
  ['checkSource', { ...goodSource, source: 42 }, 'source'],
  ['checkSource', { ...goodSource, source: 'x'.repeat(MAX_SOURCE_CHARS + 1) }, 'source'],
  ['checkSource', { ...goodSource, file: '../../etc/passwd' }, 'file'],
  ['checkSource', { ...goodSource, file: '/etc/passwd' }, 'file'],
  ['checkSource', { ...goodSource, file: 'dir\\x.tal' }, 'file'],
  ['checkSource', { ...goodSource, file: '.hidden' }, 'file'],
  ['checkSource', { ...goodSource, file: '' }, 'file'],
  ['checkSource', { ...goodSource, extra: true }, undefined],
  ['buildSource', { ...goodSource, file: 'a'.repeat(65) }, 'file'],
  ['runProgram', { ...goodRun, mode: 'ring0' }, 'mode'],
  ['runProgram', { ...goodRun, mode: undefined }, 'mode'],
  ['runProgram', { ...goodRun, args: 'a b' }, 'args'],
  ['runProgram', { ...goodRun, args: new Array(MAX_ARGS + 1).fill('x') }, 'args'],
  ['runProgram', { ...goodRun, args: ['ok', 'nul\0byte'] }, 'args.1'],
  ['runProgram', { ...goodRun, args: [1] }, 'args.0'],
  ['sendSerial', { port: 4, data: 'x' }, 'port'],
  ['sendSerial', { port: -1, data: 'x' }, 'port'],
  ['sendSerial', { port: 1.5, data: 'x' }, 'port'],
  ['sendSerial', { port: '0', data: 'x' }, 'port'],
  ['sendSerial', { port: 0, data: '' }, 'data'],
  ['sendSerial', { port: 0, data: 'x'.repeat(MAX_SERIAL_INPUT_CHARS + 1) }, 'data'],
  ['snapshotVm', { action: 'delete' }, 'action'],
  ['snapshotVm', {}, 'action'],
  ['listExamples', { dir: '/' }, undefined],
  ['restartVm', undefined, undefined],
];

test('malformed and hostile payloads are rejected with E_BAD_PAYLOAD and the field', async () => {
  const { handlers, calls } = recordingHandlers();
  const router = createRouter(handlers);
  for (const [method, payload, path] of hostile) {
    const r = await router.dispatch(method, payload);
    assert.equal(r.ok, false, `${method} ${JSON.stringify(payload)?.slice(0, 80)}`);
    if (r.ok) continue;
    assert.equal(r.error.code, 'E_BAD_PAYLOAD');
    // Named for the person, never by the method's name.
    assert.match(r.error.message, /^cannot [a-z ]+: /, r.error.message);
    if (path !== undefined) assert.equal(r.error.path, path, `${method}: ${r.error.message}`);
  }
  assert.equal(calls.length, 0);
});

test('run limits are refused in words that name the limit, never in the validator’s own text', async () => {
  const router = createRouter(recordingHandlers().handlers);
  const cases: Array<[unknown, RegExp]> = [
    [{ ...goodRun, args: new Array(MAX_ARGS + 1).fill('x') }, /^cannot run: at most 64 arguments$/],
    [{ ...goodRun, args: ['x'.repeat(MAX_ARG_CHARS + 1)] }, /^cannot run: an argument is longer than 4096 characters$/],
    [{ ...goodRun, stdin: 'x'.repeat(64 * 1024 + 1) }, /^cannot run: standard input is longer than 64 KiB$/],
    [{ ...goodRun, args: ['nul\0'] }, /^cannot run: arguments cannot contain the NUL character$/],
    [{ ...goodRun, mode: 'ring0' }, /^cannot run: the mode is "kernel" or "user"$/],
  ];
  for (const [payload, message] of cases) {
    const r = await router.dispatch('runProgram', payload);
    assert.ok(!r.ok);
    assert.match(r.error.message, message);
    assert.doesNotMatch(r.error.message, /Too big|expected array|Invalid/);
  }
});

test('a __proto__ key from JSON is rejected and pollutes nothing', async () => {
  const { handlers, calls } = recordingHandlers();
  const router = createRouter(handlers);
  const payload: unknown = JSON.parse('{"source": "", "file": "a.tal", "__proto__": {"polluted": true}}');
  const r = await router.dispatch('checkSource', payload);
  assert.equal(r.ok, false);
  assert.equal(calls.length, 0);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('a handler that throws becomes an E_HANDLER reply, not a hung call', async () => {
  const { handlers } = recordingHandlers({
    getVmStatus: async () => {
      throw new Error('boom');
    },
  });
  const r = await createRouter(handlers).dispatch('getVmStatus', {});
  assert.deepEqual(r, { ok: false, error: { code: 'E_HANDLER', message: 'getVmStatus failed: boom' } });
});

// The paper's two programs, run on the host as ELF builds (tal/host-i386.ts): find must list exactly
// what find(1) lists on a generated tree; echod must echo messages of 1 byte to
// 64 KiB and survive a client that disconnects mid-message.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSource } from '../../tal/build.js';
import { spawnI386, spawnI386Sync } from '../../tal/host-i386.js';

const work = mkdtempSync(join(tmpdir(), 'tal-find-echod-'));

function buildElf(name: string): string {
  const file = join(process.cwd(), 'tal', 'examples', `${name}.tal`);
  const b = buildSource(readFileSync(file, 'utf8'), `${name}.tal`, { elf: 'int80' });
  assert.ok(b.ok && b.elf !== undefined, b.diagnostics.map((d) => d.message).join('\n'));
  const path = join(work, name);
  writeFileSync(path, b.elf);
  chmodSync(path, 0o755);
  return path;
}

/** A deterministic tree: nested directories, files, names up to 200 bytes, an empty directory. */
function makeTree(root: string): void {
  mkdirSync(root);
  for (let d = 0; d < 30; d++) {
    const dir = join(root, `dir${d}`, d % 3 === 0 ? 'deeper/still' : 'sub');
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 40; f++) writeFileSync(join(dir, `file-${d}-${f}${f === 0 ? 'x'.repeat(180) : ''}`), '');
  }
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, '.hidden'), '');
}

test('find lists the same paths as find(1)', () => {
  const exe = buildElf('find');
  const root = join(work, 'tree');
  makeTree(root);
  const ours = spawnI386Sync(exe, [root], { encoding: 'latin1', timeout: 120_000 });
  assert.equal(ours.status, 0);
  const theirs = spawnSync('find', [root], { encoding: 'latin1' });
  const sort = (s: string): string[] =>
    s
      .split('\n')
      .filter((l) => l !== '')
      .sort();
  assert.deepEqual(sort(ours.stdout), sort(theirs.stdout));
  assert.equal(sort(ours.stdout).length, 30 * 40 + 30 * 2 + 10 * 1 + 3);
});

test('find of a missing path prints it and nothing else', () => {
  const exe = buildElf('find');
  const r = spawnI386Sync(exe, [join(work, 'missing')], { encoding: 'latin1', timeout: 120_000 });
  assert.equal(r.status, 0);
  assert.equal(r.stdout, `${join(work, 'missing')}\n`);
});

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function echo(s: Socket, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (b: Buffer): void => {
      parts.push(b);
      got += b.length;
      if (got >= data.length) {
        s.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(data);
  });
}

test('echod echoes 1 B to 64 KiB and survives a client leaving mid-message', async () => {
  const exe = buildElf('echod');
  const port = 20000 + (process.pid % 20000);
  const server = spawnI386(exe, [String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', (b: Buffer) => (b.toString().includes('echod: listening') ? resolve() : reject(new Error(b.toString()))));
      server.once('exit', (code) => reject(new Error(`echod exited ${code}`)));
    });
    const a = await connectTo(port);
    for (const n of [1, 2, 100, 4096, 65535, 65536]) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) % 256));
      assert.deepEqual(await echo(a, data), data, `${n} bytes`);
    }
    const b = connectTo(port);
    a.write(Buffer.alloc(50_000, 1));
    a.destroy(); // leaves while the server is still echoing
    const c = await b;
    assert.deepEqual(await echo(c, Buffer.from('still here')), Buffer.from('still here'));
    c.destroy();
    assert.equal(server.exitCode, null, 'the server is still running');
  } finally {
    server.kill('SIGKILL');
  }
});

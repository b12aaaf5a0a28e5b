// tal-lab: links and clipboard text reaching the Electron shell are hostile
// until proven a share link: malformed, oversized, zip-bomb and non-share
// payloads are refused in words; an accepted link yields only the fragment
// the page shows (no path, no command), whatever the link names.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { linkInArgv, MAX_LINK_CHARS, MAX_SHARED_JSON_BYTES, parseLabLink } from '../../main/electron/lab-link.js';

const program = {
  v: 1,
  file: 'hello.tal',
  source: '.code\nmain:\n  ret\n',
  mode: 'kernel',
  args: "10 'two words'",
  stdin: 'abc\n',
  images: 'ff00af4d07c36f70',
};

/** What renderer/src/share-link.ts encodeShared makes: #tal= + base64url(deflate-raw(JSON)). */
function fragmentOf(value: unknown): string {
  return `#tal=${deflateRawSync(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url')}`;
}

function refused(text: unknown, pattern: RegExp): void {
  const r = parseLabLink(text);
  assert.equal(r.ok, false, `accepted: ${String(text).slice(0, 100)}`);
  if (!r.ok) assert.match(r.message, pattern);
}

test('share links open in every accepted spelling, yielding only their fragment', () => {
  const fragment = fragmentOf(program);
  for (const link of [
    `tal-lab://open${fragment}`,
    `tal-lab:open${fragment}`,
    `TAL-LAB://open${fragment}`,
    `http://127.0.0.1:8080/${fragment}`,
    `https://lab.example/x?y=1${fragment}`,
    fragment,
    `  ${fragment}\n`,
  ]) {
    const r = parseLabLink(link);
    assert.ok(r.ok, `${link.slice(0, 40)}: ${r.ok ? '' : r.message}`);
    assert.equal(r.fragment, fragment);
    const { v: _format, ...held } = program;
    assert.deepEqual(r.program, held);
  }
});

test('not a share link: refused, saying why', () => {
  refused(undefined, /no text/);
  refused('', /empty/);
  refused('tal-lab://open', /no #tal= part/);
  refused('just some text', /no #tal= part/);
  refused(`javascript:alert(1)${fragmentOf(program)}`, /scheme javascript: are not opened/);
  refused(`file:///etc/passwd${fragmentOf(program)}`, /scheme file: are not opened/);
  refused(`not a url at all ${fragmentOf(program)}`, /neither a tal-lab: link nor a web address/);
  refused('tal-lab://open#other=1', /does not start with tal=/);
  refused('tal-lab://open#tal=', /not base64url/);
  refused('tal-lab://open#tal=abc+/def==', /not base64url/);
  refused('tal-lab://open#tal=AAAA', /does not unpack/);
  refused(`tal-lab://open${fragmentOf('not json {')}`, /not JSON/);
  refused(`tal-lab://open#tal=${deflateRawSync(Buffer.from([0xff, 0xfe, 0x22])).toString('base64url')}`, /not JSON/);
  refused(`tal-lab://open${fragmentOf([1, 2, 3])}`, /not a share link/);
  refused(`tal-lab://open${fragmentOf({ ...program, v: 2 })}`, /format 1/);
  refused(`tal-lab://open${fragmentOf({ ...program, run: true })}`, /not a share link.*run/i);
  refused(`tal-lab://open${fragmentOf({ ...program, command: 'rm -rf /' })}`, /not a share link/);
  const { source: _drop, ...noSource } = program;
  refused(`tal-lab://open${fragmentOf(noSource)}`, /not a share link: source/);
  refused(`tal-lab://open${fragmentOf({ ...program, mode: 'ring0' })}`, /neither "kernel" nor "user"/);
  refused(`tal-lab://open${fragmentOf({ ...program, images: '<script>' })}`, /not hex/);
});

test('a link never names a path: file names with folders, dots or NUL are refused', () => {
  for (const file of ['../../etc/passwd', '/etc/passwd', '.bashrc', 'a/b.tal', 'C:\\x.tal', 'x.tal\0.txt', '', `${'a'.repeat(70)}.tal`]) {
    refused(`tal-lab://open${fragmentOf({ ...program, file })}`, /not a bare name/);
  }
});

test('oversized: a too-long link, and a small link that inflates past the bound (zip bomb)', () => {
  refused(`tal-lab://open#tal=${'A'.repeat(MAX_LINK_CHARS)}`, /at most/);
  const bomb = `#tal=${deflateRawSync(Buffer.alloc(MAX_SHARED_JSON_BYTES + 1, 0x20)).toString('base64url')}`;
  assert.ok(bomb.length < 100_000, `the bomb is small (${bomb.length} chars)`);
  refused(`tal-lab://open${bomb}`, /unpacks to more than/);
  refused(`tal-lab://open${fragmentOf({ ...program, source: 'x'.repeat(512 * 1024 + 1) })}`, /longer than 512 KiB/);
  refused(`tal-lab://open${fragmentOf({ ...program, stdin: 'x'.repeat(64 * 1024 + 1) })}`, /standard input .* longer than 64 KiB/);
});

test('the link among a second instance’s arguments', () => {
  assert.equal(linkInArgv(['/usr/bin/electron', '/app', '--no-sandbox', 'tal-lab://open#tal=x']), 'tal-lab://open#tal=x');
  assert.equal(linkInArgv(['/usr/bin/electron', '/app']), undefined);
  assert.equal(linkInArgv(['/usr/bin/electron', '--tal-lab:x']), undefined);
});

// Shared by the hostile guest tests and `npm run soak:guest`: a real guest
// with a signing key the test knows (so it can sign images no checker would
// accept — a buggy or hostile assembler), the TAL programs the attacks use,
// byte surgery on .talo images, and the checks every case ends with: the
// guest kernel did not oops or panic, and it still answers.

import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { buildSource } from '../../tal/index.js';
import { CONTROL_OFFSETS, GUEST_SHARE_DIR, KEY_READY, locateControlRegion, readCounters, type ExecResult, type LaunchedGuest } from '../../main/vm/index.js';

/** The shell port the hostile tests use (ttyS0 carries the kernel console). */
export const PORT = 2;

/** A guest with a key this side holds, for signing any bytes. */
export interface HostileGuest {
  guest: LaunchedGuest;
  /** Appends a TSIG trailer made with the injected key; no format check (docs/talo.md, "Signature trailer"). */
  sign(bytes: Uint8Array): Uint8Array;
  /** Puts bytes into the 9p share as an executable; returns the guest path. */
  put(name: string, bytes: Uint8Array): Promise<string>;
  /** Runs a shell command on PORT. */
  sh(command: string, timeoutMs?: number): Promise<ExecResult>;
}

export async function armGuest(guest: LaunchedGuest): Promise<HostileGuest> {
  const key = new Uint8Array(randomBytes(32));
  const region = await locateControlRegion(guest.vm, guest.vm.memoryBytes);
  const state = region.address + CONTROL_OFFSETS.keyState;
  await guest.vm.writeMemory(state, u32(0));
  await guest.vm.writeMemory(region.address + CONTROL_OFFSETS.key, key);
  await guest.vm.writeMemory(state, u32(KEY_READY));
  const sh = (command: string, timeoutMs = 60_000) => guest.vm.exec(command, { port: PORT, timeoutMs });
  return {
    guest,
    sign(bytes) {
      const out = new Uint8Array(bytes.length + 40);
      out.set(bytes);
      out.set(Buffer.from('TSIG'), bytes.length);
      out.set(createHmac('sha256', key).update(bytes).digest(), bytes.length + 8);
      return out;
    },
    async put(name, bytes) {
      await guest.vm.putFile(name, bytes);
      const path = `${GUEST_SHARE_DIR}/${name}`;
      await sh(`chmod 755 ${path}`);
      return path;
    },
    sh,
  };
}

/** The unsigned .talo of a TAL program the checker accepts (a test bug otherwise). */
export function build(source: string): Uint8Array {
  const built = buildSource(source, 'hostile.tal', {});
  assert.ok(built.ok && built.talo, `the test program must check: ${JSON.stringify(built.diagnostics)}`);
  return built.talo;
}

const MAIN = 'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}';

/** Opens `path` read-write and exits with open's result: 3 if the kernel handed out a descriptor. */
export function openProgram(path: string): string {
  return `.import open
.data
path:   .bytes "${path}\\0"
.code
${MAIN}
        mov ebx, path
        mov ecx, 2
        xor edx, edx
        call open
        ret
`;
}

/**
 * Opens `path` write-only, writes `text` (printable ASCII, no quotes or backslashes) to it, then sleeps
 * `sleepSeconds` so that a test can look at the process, and exits with write's result.
 */
export function writeFileProgram(path: string, text: string, sleepSeconds = 0): string {
  assert.ok(/^[ -~]*$/.test(text) && !/["\\]/.test(text), 'plain text only');
  return `.import open
.import write
.import nanosleep
.data
path:   .bytes "${path}\\0"
text:   .bytes "${text}"
ts:     .bytes "\\x${sleepSeconds.toString(16).padStart(2, '0')}\\0\\0\\0\\0\\0\\0\\0"
.code
${MAIN}
        mov ebx, path
        mov ecx, 1
        xor edx, edx
        call open
        mov ebx, eax
        mov ecx, text
        mov edx, ${text.length}
        call write
        push eax
        mov ebx, ts
        xor ecx, ecx
        call nanosleep
        pop eax
        ret
`;
}

/** Sleeps in ring 0 forever (nanosleep of 10 s in a loop). */
export const SLEEPER = `.import nanosleep
.data
ts:     .bytes "\\n\\0\\0\\0\\0\\0\\0\\0"
.code
${MAIN}
again:
        mov ebx, ts
        xor ecx, ecx
        call nanosleep
        jmp again
`;

/** A hello world with hello.tal's shape: an ABS32 (mov ecx, msg) shortly before an IMPORT_REL32 (call write). */
export const HELLO = `.import write
.data
msg:    .bytes "hi\\n"
.code
${MAIN}
        mov ebx, 1
        mov ecx, msg
        mov edx, 3
        call write
        xor eax, eax
        ret
`;

/** Fifteen bytes of main (three `mov eax, 0`) a test overwrites with code no checker accepts. */
export const PATCHABLE = `.code
${MAIN}
        mov eax, 0
        mov eax, 0
        mov eax, 0
        ret
`;
const PATCHABLE_FIRST_LINE = 3;

/**
 * PATCHABLE's image with `bytes` at the start of main, padded with NOPs to the next of its
 * instructions, so that what follows still decodes as `mov eax, 0` and `ret`.
 */
export function patchedMain(code: number[]): Uint8Array {
  const bytes = [...code, ...Array<number>((5 - (code.length % 5)) % 5).fill(0x90)];
  assert.ok(bytes.length <= 15);
  const image = build(PATCHABLE);
  const h = header(image);
  const at = h.lines.find((l) => l.line === PATCHABLE_FIRST_LINE);
  assert.ok(at, 'main has a line entry');
  image.set(bytes, h.codeOff + at.codeOffset);
  return image;
}

/** Offsets and tables of an unsigned .talo, read without judging them. */
export function header(image: Uint8Array) {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const at = (o: number) => v.getUint32(o, true);
  const relocOff = at(56);
  const importOff = at(64);
  const linesOff = at(72);
  return {
    view: v,
    codeOff: at(16),
    dataOff: at(28),
    heapSize: at(40),
    relocOff,
    importOff,
    linesOff,
    relocs: Array.from({ length: at(60) }, (_, i) => ({
      at: relocOff + 8 * i,
      offset: at(relocOff + 8 * i),
      section: image[relocOff + 8 * i + 4]!,
      kind: image[relocOff + 8 * i + 5]!,
      target: v.getUint16(relocOff + 8 * i + 6, true),
    })),
    imports: Array.from({ length: at(68) }, (_, i) => importOff + 32 * i),
    lines: Array.from({ length: at(76) }, (_, i) => ({
      at: linesOff + 8 * i,
      codeOffset: at(linesOff + 8 * i),
      line: at(linesOff + 8 * i + 4),
    })),
  };
}

/**
 * Kernel log lines that mean the kernel itself went wrong, short of an oops or a panic. Those two are
 * read from the control region instead: a program can write "Kernel panic" into the log (/dev/kmsg),
 * and a flood of lines can push a real oops out of it.
 */
const KERNEL_TROUBLE = 'BUG:|WARNING:|Call Trace|general protection fault, |double fault';

/** Fails unless the kernel counted no oops and no panic, its log is clean, and the guest answers on another port than PORT. */
export async function assertGuestHealthy(h: HostileGuest, context: string): Promise<void> {
  const region = await locateControlRegion(h.guest.vm, h.guest.vm.memoryBytes);
  const counters = await readCounters(h.guest.vm, region);
  assert.equal(counters.oopses, 0, `${context}: the kernel oopsed`);
  assert.equal(counters.panicked, false, `${context}: the kernel panicked`);
  const log = await h.sh(`dmesg | grep -E '${KERNEL_TROUBLE}' | head -5; echo end`);
  assert.equal(log.output.trim(), 'end', `${context}: the kernel log shows trouble:\n${log.output}`);
  const other = await h.guest.vm.exec('echo alive', { port: 1, timeoutMs: 30_000 });
  assert.equal(other.output.trim(), 'alive', `${context}: another shell still answers`);
}

/** How many programs the guest kernel started in ring 0 so far (control-region counter). */
export async function ring0Execs(h: HostileGuest): Promise<number> {
  const region = await locateControlRegion(h.guest.vm, h.guest.vm.memoryBytes);
  const bytes = await h.guest.vm.readMemory(region.address + CONTROL_OFFSETS.execsKernel, 4);
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return bytes;
}

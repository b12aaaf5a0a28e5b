// Randomised hostile cases for the guest, shared by test/guest/hostile.test.ts
// (a fixed-seed sample) and `npm run soak:guest` (as many as time allows).
// Each case returns what it saw; the caller checks the kernel's health after it.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { build, HELLO, openProgram, patchedMain, ring0Execs, SLEEPER, writeFileProgram, type HostileGuest } from './forged-image-guest.js';

/** Deterministic random numbers in [0, 1) from a seed (SHA-256 of seed and counter), so a failing case can be replayed. */
export function rng(seed: number): () => number {
  let counter = 0;
  return () => createHash('sha256').update(`${seed}:${counter++}`).digest().readUInt32LE(0) / 2 ** 32;
}

export interface CaseOutcome {
  kind: string;
  /** Images handed to the guest loader. */
  images: number;
  /** Images started in ring 0 that must not have been (unsigned or not signed with the guest's key). */
  uncheckedAdmissions: number;
  detail: string;
}

/**
 * A fuzzed header: 1–4 random bytes of the first 128 (or, unsigned, anywhere in the image) set at
 * random. Signed images are mutated only in the header (not `entry`), imports and line table: changing
 * code, data, relocations or the entry of a signed image would be running arbitrary signed code, which
 * ring 0 trusts by design.
 */
export async function fuzzedImage(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  const base = build(HELLO);
  const signed = next() < 0.5;
  const image = base.slice();
  const view = new DataView(image.buffer);
  const limit = signed ? 128 : image.length;
  const flips = 1 + Math.floor(next() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(next() * limit);
    // Not entry (52..55) of a signed image: a signed entry into the middle of an instruction is arbitrary code.
    if (!signed || at < 52 || at > 55) image[at] = Math.floor(next() * 256);
  }
  if (signed && next() < 0.3) {
    // Imports and line table of a signed image.
    const importOff = view.getUint32(64, true);
    image[importOff + Math.floor(next() * (image.length - importOff))] = Math.floor(next() * 256);
  }
  const bytes = signed ? h.sign(image) : image;
  const prog = await h.put('fuzz.talo', bytes);
  const before = await ring0Execs(h);
  const r = await h.sh(`talexec --mode kernel ${prog} 2>&1; echo "status $?"`, 120_000);
  const admitted = (await ring0Execs(h)) - before;
  return {
    kind: signed ? 'fuzzed header, signed' : 'fuzzed image, unsigned',
    images: 1,
    uncheckedAdmissions: signed ? 0 : admitted,
    detail: r.output.trim().split('\n').slice(-2).join(' | '),
  };
}

/** An image signed with a key the guest does not hold: refused ring 0 whatever it holds. */
export async function foreignSignature(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  const image = build(HELLO);
  const signed = h.sign(image);
  signed[image.length + 8 + Math.floor(next() * 32)] ^= 1 + Math.floor(next() * 255);
  const prog = await h.put('foreign.talo', signed);
  const before = await ring0Execs(h);
  const r = await h.sh(`talexec --mode kernel ${prog} 2>&1; echo "status $?"`);
  return { kind: 'bad signature', images: 1, uncheckedAdmissions: (await ring0Execs(h)) - before, detail: r.output.trim() };
}

/** Exceptions a ring-0 program can raise in v86 (signed code no checker accepts); each must end only it. */
const VECTORS: number[][] = [
  [0xcc],
  [0xcd, 0x03],
  [0xb0, 0x7f, 0x04, 0x01, 0xce],
  [0x31, 0xc9, 0xf7, 0xf1],
  [0x0f, 0x0b],
  [0x66, 0xb8, 0x34, 0x12, 0x8e, 0xd8],
  [0x8b, 0x05, 0, 0, 0, 0],
];

export async function exceptionVector(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  const code = VECTORS[Math.floor(next() * VECTORS.length)]!;
  const prog = await h.put('vector.talo', h.sign(patchedMain(code)));
  const r = await h.sh(`talexec --mode kernel ${prog} 2>&1; echo "status $?"`);
  assert.match(r.output, /killed: /, `vector ${Buffer.from(code).toString('hex')}: ${r.output}`);
  return { kind: 'exception', images: 1, uncheckedAdmissions: 0, detail: r.output.trim() };
}

/** The exec race of /proc/PID/mem against the marks binfmt_talo sets. */
export async function execRace(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  const prog = await h.put('race.talo', h.sign(build(SLEEPER)));
  const uid = next() < 0.5 ? '' : ' 1000';
  const r = await h.sh(`talprobe race ${prog} 300${uid}`);
  assert.match(r.output, /talprobe: race-aliased 0\b/, r.output);
  return { kind: 'exec race', images: 1, uncheckedAdmissions: 0, detail: r.output.trim().replace(/\n/g, ' | ') };
}

/** Many sleeping ring-0 programs at once, then SIGKILL to all: memory comes back, shells stay. */
export async function exhaustion(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  const count = 20 + Math.floor(next() * 40);
  const prog = await h.put('many.talo', h.sign(build(SLEEPER)));
  await h.sh(`i=0; while [ $i -lt ${count} ]; do talexec --mode kernel ${prog} >/dev/null 2>&1 & i=$((i+1)); done; sleep 1`, 120_000);
  const r = await h.sh(`grep -c . /proc/meminfo >/dev/null; killall -9 many.talo; sleep 0.5; pidof many.talo | wc -w`, 60_000);
  assert.equal(r.output.trim(), '0', `all ${count} programs are gone: ${r.output}`);
  return { kind: 'exhaustion', images: count, uncheckedAdmissions: 0, detail: `${count} ring-0 sleepers` };
}

/** Signals to a program blocked in a direct system call: stop, continue, terminate. */
export async function signalsWhileBlocked(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  const prog = await h.put('blocked.talo', h.sign(build(SLEEPER)));
  const started = await h.sh(`talexec --mode kernel ${prog} >/dev/null 2>&1 & echo $!`);
  const pid = Number.parseInt(started.output, 10);
  const signals = ['STOP', 'CONT', 'STOP', 'CONT', 'HUP', 'TERM', 'INT', 'KILL'];
  const last = signals[3 + Math.floor(next() * (signals.length - 3))]!;
  await h.sh(`sleep 0.2; kill -STOP ${pid}; sleep 0.1; kill -CONT ${pid}; sleep 0.1; kill -${last} ${pid}`);
  const r = await h.sh(`sleep 0.3; kill -0 ${pid} 2>/dev/null && { kill -9 ${pid}; echo alive-after-${last}; } || echo ended`);
  return { kind: 'signals while blocked', images: 1, uncheckedAdmissions: 0, detail: `${last}: ${r.output.trim()}` };
}

/** A checked ring-0 program prints a panic banner where the host once looked for one; the kernel counts no panic. */
export async function forgedPanicBanner(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  const targets = [
    ['/dev/console', ''],
    ['/dev/kmsg', '<0>'],
    ['/dev/ttyS0', ''],
  ] as const;
  const [device, prefix] = targets[Math.floor(next() * targets.length)]!;
  const text = `${prefix}Kernel panic - not syncing: case ${Math.floor(next() * 1e6)}`;
  const prog = await h.put('banner.talo', h.sign(build(writeFileProgram(device, text))));
  const r = await h.sh(`talexec --mode kernel ${prog}; echo "status $?"`);
  assert.match(r.output, new RegExp(`status ${text.length}\\b`), `${device}: ${r.output}`);
  return { kind: 'forged panic banner', images: 1, uncheckedAdmissions: 0, detail: `${device}: ${r.output.trim()}` };
}

/** Ways to the registers of a device that can DMA guest memory (and the key): each refused. */
export async function deviceAccess(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  if (next() < 0.5) {
    const prog = await h.put('port.talo', h.sign(build(openProgram('/dev/port'))));
    const r = await h.sh(`talexec --mode kernel ${prog}; echo "status $?"`);
    assert.doesNotMatch(r.output, /status 3\b/, `a ring-0 program opened /dev/port: ${r.output}`);
    return { kind: 'device access', images: 1, uncheckedAdmissions: 0, detail: `/dev/port from ring 0: ${r.output.trim()}` };
  }
  const devices = (await h.sh('ls -d /sys/bus/pci/devices/*')).output.trim().split(/\s+/);
  const dev = devices[Math.floor(next() * devices.length)]!;
  const at = Math.floor(next() * 64);
  const r = await h.sh(
    `dd if=${dev}/config bs=1 skip=${at} count=1 2>/dev/null | dd of=${dev}/config bs=1 seek=${at} count=1 conv=notrunc 2>&1; echo "status $?"`,
  );
  assert.match(r.output, /status 1\b/, `root wrote ${dev}/config at ${at}: ${r.output}`);
  return { kind: 'device access', images: 0, uncheckedAdmissions: 0, detail: `${dev}/config +${at}: refused` };
}

/** A ring-0 program lowers its own oom_score_adj; it must still come before the shell. */
export async function oomStanding(h: HostileGuest, next: () => number): Promise<CaseOutcome> {
  const adj = -1 - Math.floor(next() * 1000);
  const prog = await h.put('oomadj.talo', h.sign(build(writeFileProgram('/proc/self/oom_score_adj', String(adj), 30))));
  const started = await h.sh(`talexec --mode kernel ${prog} >/dev/null 2>&1 & echo $!`);
  const pid = Number.parseInt(started.output, 10);
  await h.sh(`while ! grep -q '^State:.*S' /proc/${pid}/status; do sleep 0.1; done; sleep 0.3`);
  const scores = await h.sh(`cat /proc/${pid}/oom_score_adj /proc/${pid}/oom_score /proc/$$/oom_score; kill -9 ${pid}`);
  const [written, program, shell] = scores.output.trim().split(/\s+/).map(Number);
  assert.equal(written, adj, scores.output);
  assert.ok(program! > shell!, `oom_score_adj ${adj}: ring-0 program ${program}, shell ${shell}`);
  return { kind: 'oom standing', images: 1, uncheckedAdmissions: 0, detail: `adj ${adj}: ${program} > ${shell}` };
}

export const CASES = [
  fuzzedImage,
  fuzzedImage,
  fuzzedImage,
  foreignSignature,
  exceptionVector,
  execRace,
  signalsWhileBlocked,
  exhaustion,
  forgedPanicBanner,
  deviceAccess,
  oomStanding,
];

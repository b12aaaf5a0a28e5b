// The guest kernel keeps its promise against hostile programs (issue 10):
// nothing reaches a ring-0 program's memory but the program's own typed
// accesses, every exception it raises ends only that program, the loader
// refuses every image docs/talo.md forbids even when it is signed, messages
// land at the file position of its stderr, the stack promise of
// docs/talo.md holds in ring 0, and a ring-0 program comes before the
// shells when memory runs out. Every case ends by checking that the kernel
// did not oops and that another shell still answers.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LaunchedGuest } from '../../main/vm/index.js';
import { resumeGuest } from '../vm/guest-fixture.js';
import {
  armGuest,
  assertGuestHealthy,
  build,
  HELLO,
  header,
  openProgram,
  patchedMain,
  ring0Execs,
  SLEEPER,
  writeFileProgram,
  type HostileGuest,
} from './forged-image-guest.js';
import { deviceAccess, exhaustion, forgedPanicBanner, foreignSignature, fuzzedImage, oomStanding, rng, signalsWhileBlocked } from './hostile-cases.js';

let guest: LaunchedGuest;
let h: HostileGuest;

before(async () => {
  guest = await resumeGuest();
  h = await armGuest(guest);
});
after(async () => {
  await guest?.vm.stop();
});

/** Starts SLEEPER in ring 0 in the background; returns its pid. */
async function startSleeper(name: string): Promise<number> {
  const path = await h.put(name, h.sign(build(SLEEPER)));
  const started = await h.sh(`talexec --mode kernel ${path} >/dev/null 2>&1 & echo $!`);
  const pid = Number.parseInt(started.output, 10);
  assert.ok(Number.isInteger(pid), started.output);
  // In ring 0 once its exe is the image (exec done) and it sleeps.
  await h.sh(`while ! grep -q '^State:.*S' /proc/${pid}/status; do sleep 0.1; done`);
  return pid;
}

describe("no alias of a ring-0 program's memory", { timeout: 600_000 }, () => {
  for (const path of ['/proc/self/mem', '/proc/thread-self/mem', '/proc/self/environ', '/proc/self/pagemap', '/proc/self/maps']) {
    it(`a checked ring-0 program cannot open its own ${path}`, async () => {
      const prog = await h.put('alias.talo', h.sign(build(openProgram(path))));
      const r = await h.sh(`talexec --mode kernel ${prog}; echo "status $?"`);
      const status = Number(/status (\d+)/.exec(r.output)?.[1]);
      // main returns open's result: a descriptor (3) if the kernel let it open; 255/243 are -EPERM/-EACCES.
      assert.ok(status === 255 || status === 243, `open(${path}) in ring 0 gave status ${status}: ${r.output}`);
      await assertGuestHealthy(h, path);
    });
  }

  it('another process (root) can neither read, write nor trace a ring-0 program', async () => {
    const pid = await startSleeper('sleeper.talo');
    for (const leaf of ['mem', 'environ', 'pagemap', 'maps', `task/${pid}/mem`]) {
      const r = await h.sh(`dd if=/proc/${pid}/${leaf} bs=4 count=1 skip=$((0x8048000 / 4)) 2>&1 >/dev/null; echo "status $?"`);
      assert.match(r.output, /status 1/, `reading /proc/${pid}/${leaf}: ${r.output}`);
    }
    const w = await h.sh(`printf 'XXXX' | dd of=/proc/${pid}/mem bs=4 seek=$((0x8049000 / 4)) conv=notrunc 2>&1; echo "status $?"`);
    assert.match(w.output, /status 1/, `writing /proc/${pid}/mem: ${w.output}`);
    assert.equal((await h.sh(`wc -c < /proc/${pid}/cmdline`)).output.trim(), '0', 'cmdline reads nothing of its memory');
    const t = await h.sh(`talprobe attach ${pid}`);
    assert.match(t.output, /talprobe: attach -1\b/, t.output);
    assert.match(t.output, /talprobe: seize -1\b/, t.output);
    assert.match((await h.sh(`grep TracerPid /proc/${pid}/status`)).output, /TracerPid:\s+0/);
    await h.sh(`kill -9 ${pid}`);
    await assertGuestHealthy(h, 'remote access');
  });

  it('a process that asked to be traced (PTRACE_TRACEME) is refused ring 0', async () => {
    const prog = await h.put('sleeper.talo', h.sign(build(SLEEPER)));
    const before = await ring0Execs(h);
    const r = await h.sh(`talprobe traceme ${prog}`);
    assert.match(r.output, /talprobe: traceme-exit 1\b/, `EPERM from execve: ${r.output}`);
    assert.equal(await ring0Execs(h), before, 'nothing started in ring 0');
    await assertGuestHealthy(h, 'traceme');
  });

  for (const who of ['root', 'uid 1000']) {
    it(`no /proc/pid/mem handle opened during the exec survives into ring 0 (${who})`, async () => {
      const prog = await h.put('sleeper.talo', h.sign(build(SLEEPER)));
      for (let round = 0; round < 5; round++) {
        const r = await h.sh(`talprobe race ${prog} 400${who === 'root' ? '' : ' 1000'}`);
        assert.match(r.output, /talprobe: race-aliased 0\b/, r.output);
      }
      await assertGuestHealthy(h, 'exec race');
    });
  }
});

/**
 * The signing key lies in guest memory, and a device that can DMA it is as good as /dev/mem: the
 * virtio-9p device reads whatever physical address a request names, and root (or a checked program,
 * which may open files) could reach its registers through /dev/port or the PCI files in sysfs, reset
 * it, and point a Twrite at the key. The kernel has no /dev/port and runs locked down (confidentiality,
 * which also keeps perf from sampling the registers of the signature check).
 */
describe('no way into a device that can read guest memory', { timeout: 300_000 }, () => {
  it('a checked ring-0 program cannot open /dev/port', async () => {
    const prog = await h.put('port.talo', h.sign(build(openProgram('/dev/port'))));
    const r = await h.sh(`talexec --mode kernel ${prog}; echo "status $?"`);
    const status = Number(/status (\d+)/.exec(r.output)?.[1]);
    // 3 would be a descriptor; 254 is -ENOENT (no such device), 255 -EPERM.
    assert.ok(status === 254 || status === 255, `open(/dev/port) in ring 0 gave status ${status}: ${r.output}`);
    await assertGuestHealthy(h, '/dev/port');
  });

  it("root can neither write a PCI device's config space nor its I/O registers", async () => {
    const dev = (await h.sh('dirname $(grep -l 0x1af4 /sys/bus/pci/devices/*/vendor) | head -1')).output.trim();
    assert.match(dev, /^\/sys\/bus\/pci\/devices\//, `the virtio device: ${dev}`);
    // Writes back the byte that is there (the command register's low byte), so an unpatched kernel is not harmed.
    const config = await h.sh(
      `dd if=${dev}/config bs=1 skip=4 count=1 2>/dev/null | dd of=${dev}/config bs=1 seek=4 count=1 conv=notrunc 2>&1; echo "status $?"`,
    );
    assert.match(config.output, /Operation not permitted[^]*status 1\b/, `config write: ${config.output}`);
    const bar = (await h.sh(`ls ${dev} | grep -E '^resource[0-9]$' | head -1`)).output.trim();
    if (bar !== '') {
      const io = await h.sh(`dd if=/dev/zero of=${dev}/${bar} bs=1 seek=20 count=1 conv=notrunc 2>&1; echo "status $?"`);
      assert.match(io.output, /status 1\b/, `I/O register write through ${bar}: ${io.output}`);
    }
    await assertGuestHealthy(h, 'PCI access');
  });

  it('root cannot sample the registers an interrupt finds in the kernel (the signature check holds key bytes)', async () => {
    // perf_event_open with PERF_SAMPLE_REGS_INTR: a CPU-clock event sampling repeated execs of a signed image
    // would record the HMAC's registers, key-derived words among them. Lockdown (confidentiality) refuses it.
    const r = await h.sh('talprobe perf');
    assert.match(r.output, /talprobe: perf-regs-intr -1\b/, `EPERM expected: ${r.output}`);
    await assertGuestHealthy(h, 'perf');
  });
});

/**
 * Code no checker accepts, signed: each exception must end only the program, with the signal a ring-3
 * process gets and the kernel's message. v86 0.5.462 raises nothing for int1, TF single-step or bound
 * (not even in ring 3: `ringThree: 0`); there the test asserts that ring 0 behaves as ring 3 does.
 * Vectors a program cannot raise at all (NMI, #MC, #TS, #NM, #AC in ring 0) are in docs/architecture.md.
 */
const EXCEPTIONS: { name: string; code: number[]; signal: number; message: RegExp; ringThree?: 0 }[] = [
  { name: 'int3', code: [0xcc], signal: 5, message: /killed: breakpoint \(int3\)/ },
  { name: 'int $3', code: [0xcd, 0x03], signal: 5, message: /killed: breakpoint \(int3\)/ },
  { name: 'int1 (icebp)', code: [0xf1], signal: 5, message: /killed: debug exception/, ringThree: 0 },
  { name: 'single-step (TF)', code: [0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d], signal: 5, message: /killed: debug exception/, ringThree: 0 },
  { name: 'bound', code: [0x31, 0xc0, 0x62, 0x04, 0x24], signal: 11, message: /killed: bound range exceeded/, ringThree: 0 },
  { name: 'into', code: [0xb0, 0x7f, 0x04, 0x01, 0xce], signal: 11, message: /killed: overflow/ },
  { name: 'divide by zero', code: [0x31, 0xc9, 0xf7, 0xf1], signal: 8, message: /killed: divide error/ },
  { name: 'ud2', code: [0x0f, 0x0b], signal: 4, message: /killed: invalid opcode/ },
  { name: 'bad segment', code: [0x66, 0xb8, 0x34, 0x12, 0x8e, 0xd8], signal: 11, message: /killed: general protection fault/ },
  { name: 'null read', code: [0x8b, 0x05, 0, 0, 0, 0], signal: 11, message: /killed: page fault at address 0x00000000/ },
];

describe('every exception a ring-0 program raises ends only that program', { timeout: 600_000 }, () => {
  for (const e of EXCEPTIONS) {
    it(`${e.name}: as in ring 3, signal ${e.signal} and the usual message`, async () => {
      const prog = await h.put('exception.talo', h.sign(patchedMain(e.code)));
      const status = async (mode: string) => {
        const r = await h.sh(`talexec --mode ${mode} ${prog}; echo "status $?"`);
        return { output: r.output, status: Number(/status (\d+)/.exec(r.output)?.[1]) };
      };
      const user = await status('user');
      const kernel = await status('kernel');
      const expected = e.ringThree ?? 128 + e.signal;
      assert.equal(user.status, expected, `ring 3: ${user.output}`);
      assert.equal(kernel.status, expected, `ring 0: ${kernel.output}`);
      if (expected !== 0) assert.match(kernel.output, e.message, kernel.output);
      await assertGuestHealthy(h, e.name);
    });
  }
});

describe("messages to a program's stderr respect the file position", { timeout: 120_000 }, () => {
  it('a kill message is appended after what the file already holds', async () => {
    const prog = await h.put('crash.talo', h.sign(patchedMain([0x0f, 0x0b])));
    await h.sh(`{ echo first >&2; talexec --mode kernel ${prog}; } 2>/tmp/err.txt`);
    const text = (await h.sh('cat /tmp/err.txt')).output;
    assert.match(text, /^first\n/, text);
    assert.match(text, /\ntal: pid \d+ \(\S+\) killed: invalid opcode/, text);
  });
});

describe('the stack promise of docs/talo.md holds in ring 0', { timeout: 120_000 }, () => {
  // .stack 8192: main's frame stays above the guard (entry - 4096) when it calls deep, whose block
  // goes its allowed half of .stack below deep's guard; so the stack reaches entry - 8004 bytes, just
  // inside the checker's global bound of .stack below the entry ESP. There (no label, so no guard) it
  // sleeps 50 ms in a direct system call — whose kernel frames use the same stack in ring 0 — and
  // timer ticks arrive on top of it.
  const DEEP = `.stack 8192
.import nanosleep
.data
ts:     .bytes "\\x00\\x00\\x00\\x00\\x80\\xf0\\xfa\\x02"
.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
        sub esp, 4000
        mov dword [esp], 0
        call deep
        add esp, 4000
        xor eax, eax
        ret
deep: forall t:stack. code {ESP: sptr (code {EAX: int, ESP: sptr t}) :: t}
        sub esp, 4000
        mov dword [esp], 0
        mov ebx, ts
        xor ecx, ecx
        call nanosleep
        add esp, 4000
        xor eax, eax
        ret
`;
  it('a program using its whole .stack runs to the end in ring 0 as in ring 3', async () => {
    const prog = await h.put('deep.talo', h.sign(build(DEEP)));
    for (const mode of ['kernel', 'user']) {
      const r = await h.sh(`talexec --mode ${mode} ${prog}; echo "status $?"`, 120_000);
      assert.match(r.output, /status 0\b/, `${mode} mode: ${r.output}`);
    }
  });
});

describe('memory pressure: ring-0 programs before the shells', { timeout: 120_000 }, () => {
  it('a sleeping ring-0 program has a higher OOM score than the shell', async () => {
    const pid = await startSleeper('sleeper.talo');
    const program = Number((await h.sh(`cat /proc/${pid}/oom_score`)).output.trim());
    const shell = Number((await h.sh('cat /proc/$$/oom_score')).output.trim());
    assert.ok(program > shell, `oom_score: ring-0 program ${program}, shell ${shell}`);
    await h.sh(`kill -9 ${pid}`);
  });

  // A checked program may write files; as root it could write -1000 to its own oom_score_adj (or inherit
  // it) and never be chosen, so that the OOM killer took the shells after all (patch 0010).
  for (const how of ['written by the program itself', 'inherited across the exec']) {
    it(`a negative oom_score_adj ${how} does not move a ring-0 program behind the shell`, async () => {
      const source = how.startsWith('written') ? writeFileProgram('/proc/self/oom_score_adj', '-1000', 30) : SLEEPER;
      const prog = await h.put('oomadj.talo', h.sign(build(source)));
      const inherit = how.startsWith('inherited') ? 'echo -1000 > /proc/self/oom_score_adj; ' : '';
      const started = await h.sh(`(${inherit}exec talexec --mode kernel ${prog}) >/dev/null 2>&1 & echo $!`);
      const pid = Number.parseInt(started.output, 10);
      await h.sh(`while ! grep -q '^State:.*S' /proc/${pid}/status; do sleep 0.1; done; sleep 0.3`);
      const adj = Number((await h.sh(`cat /proc/${pid}/oom_score_adj`)).output.trim());
      assert.equal(adj, -1000, 'the program runs with oom_score_adj -1000');
      const program = Number((await h.sh(`cat /proc/${pid}/oom_score`)).output.trim());
      const shell = Number((await h.sh('cat /proc/$$/oom_score')).output.trim());
      await h.sh(`kill -9 ${pid}`);
      assert.ok(program > shell, `oom_score: ring-0 program ${program}, shell ${shell}`);
      await assertGuestHealthy(h, 'oom_score_adj');
    });
  }
});

/** One signed image per rule of docs/talo.md's "Validation", each breaking only that rule. */
interface Violation {
  rule: string;
  message: RegExp;
  mutate(image: Uint8Array): Uint8Array;
}

function codeRelocs(image: Uint8Array) {
  return header(image).relocs.filter((r) => r.section === 0);
}

const VIOLATIONS: Violation[] = [
  {
    rule: 'relocations overlap (an ABS32 on an import site)',
    message: /relocations unsorted or overlapping/,
    mutate(image) {
      const relocs = codeRelocs(image);
      const call = relocs.findIndex((r) => r.kind === 2 && relocs[relocs.indexOf(r) - 1]?.kind === 1);
      const abs = relocs[call - 1]!;
      header(image).view.setUint32(abs.at, relocs[call]!.offset, true);
      return image;
    },
  },
  {
    rule: "a relocation covers a call's E8 opcode",
    message: /relocation overlaps a call's opcode/,
    mutate(image) {
      const relocs = codeRelocs(image);
      const call = relocs.findIndex((r) => r.kind === 2 && relocs[relocs.indexOf(r) - 1]?.kind === 1);
      header(image).view.setUint32(relocs[call - 1]!.at, relocs[call]!.offset - 4, true);
      return image;
    },
  },
  {
    rule: 'relocations unsorted',
    message: /relocations unsorted or overlapping/,
    mutate(image) {
      const [a, b] = codeRelocs(image);
      const bytesA = image.slice(a!.at, a!.at + 8);
      image.copyWithin(a!.at, b!.at, b!.at + 8);
      image.set(bytesA, b!.at);
      return image;
    },
  },
  {
    rule: 'heap_end is not heap_size (a runtime word)',
    message: /data does not start with the runtime words/,
    mutate(image) {
      const h = header(image);
      h.view.setUint32(h.dataOff + 4, h.heapSize + 4096, true);
      return image;
    },
  },
  {
    rule: 'heap_next has no relocation to the heap',
    message: /data does not start with the runtime words/,
    mutate(image) {
      const h = header(image);
      const word = h.relocs.find((r) => r.section === 1 && r.offset === 0)!;
      image[word.at + 6] = 1; // target: data instead of heap
      return image;
    },
  },
  {
    rule: 'duplicate import',
    message: /duplicate import/,
    mutate(image) {
      const [first, second] = header(image).imports;
      image.copyWithin(second!, first!, first! + 32);
      return image;
    },
  },
  {
    rule: 'import name outside [a-z0-9_]',
    message: /import name not \[a-z0-9_\]/,
    mutate(image) {
      image[header(image).imports[0]! + 4] = 'W'.charCodeAt(0);
      return image;
    },
  },
  {
    rule: 'import name not NUL-padded',
    message: /import name empty, unterminated or not NUL-padded/,
    mutate(image) {
      image[header(image).imports[0]! + 4 + 27] = 'x'.charCodeAt(0);
      return image;
    },
  },
  {
    rule: 'line table not strictly increasing',
    message: /line table out of range or unsorted/,
    mutate(image) {
      const [a, b] = header(image).lines;
      header(image).view.setUint32(b!.at, a!.codeOffset, true);
      return image;
    },
  },
  {
    rule: 'IMPORT_REL32 not after E8',
    message: /IMPORT_REL32 not in a call rel32/,
    mutate(image) {
      const call = codeRelocs(image).find((r) => r.kind === 2)!;
      image[header(image).codeOff + call.offset - 1] = 0xe9;
      return image;
    },
  },
  {
    rule: 'relocation in the heap section',
    message: /relocation in an unknown section/,
    mutate(image) {
      image[codeRelocs(image)[0]!.at + 4] = 2;
      return image;
    },
  },
];

describe('the loader enforces every rule of docs/talo.md on signed images', { timeout: 600_000 }, () => {
  for (const v of VIOLATIONS) {
    it(`refuses: ${v.rule}`, async () => {
      const prog = await h.put('violation.talo', h.sign(v.mutate(build(HELLO))));
      const before = await ring0Execs(h);
      const r = await h.sh(`talexec --mode kernel ${prog}; echo "status $?"`);
      assert.match(r.output, /status 127\b/, r.output);
      assert.match(r.output, v.message, r.output);
      assert.equal(await ring0Execs(h), before, 'nothing started in ring 0');
    });
  }

  it('refuses a trailer that does not start with TSIG, in any mode', async () => {
    const image = build(HELLO);
    const junk = new Uint8Array(image.length + 40);
    junk.set(image);
    const prog = await h.put('trailer.talo', junk);
    const r = await h.sh(`talexec ${prog}; echo "status $?"`);
    assert.match(r.output, /signature trailer does not start with TSIG/, r.output);
    assert.match(r.output, /status 127\b/, r.output);
  });

  it('still runs the unmodified image in ring 0', async () => {
    const prog = await h.put('hello.talo', h.sign(build(HELLO)));
    const r = await h.sh(`talexec --mode kernel ${prog}; echo "status $?"`);
    assert.match(r.output, /^hi\nstatus 0\b/, r.output);
    await assertGuestHealthy(h, 'loader rules');
  });
});

describe("a fixed sample of the soak's randomised cases", { timeout: 900_000 }, () => {
  const next = rng(20261202);
  it('fuzzed headers (signed) and images (unsigned), foreign signatures: nothing unchecked in ring 0', async () => {
    let admitted = 0;
    for (let i = 0; i < 30; i++) admitted += (await fuzzedImage(h, next)).uncheckedAdmissions;
    for (let i = 0; i < 5; i++) admitted += (await foreignSignature(h, next)).uncheckedAdmissions;
    assert.equal(admitted, 0);
    await assertGuestHealthy(h, 'fuzzed images');
  });

  it('signals to programs blocked in direct system calls, and 40 ring-0 programs at once', async () => {
    for (let i = 0; i < 4; i++) await signalsWhileBlocked(h, next);
    await exhaustion(h, () => 0.5);
    await assertGuestHealthy(h, 'signals and exhaustion');
  });

  it('forged panic banners, device access, OOM standing: the kernel counts nothing and refuses everything', async () => {
    for (let i = 0; i < 3; i++) {
      await forgedPanicBanner(h, next);
      await deviceAccess(h, next);
      await oomStanding(h, next);
    }
    await assertGuestHealthy(h, 'banners, devices and OOM standing');
  });
});

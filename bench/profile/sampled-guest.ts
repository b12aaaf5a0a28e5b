// The guest in this thread, for profiling: a v86 instance resumed from the VM
// service's cached snapshot (same images and options as its worker), with a
// sampler on v86's hardware-timer hook. v86 calls that hook between runs of
// compiled blocks, every few thousand guest instructions, so the samples of
// the instruction pointer are spread over guest instructions, not host time:
// they show where the instruction counts of the benchmark come from.
//
// A development tool (npm run bench:profile), not part of the benchmark: it
// reaches into v86 internals (cpu.run_hardware_timers, cpu.instruction_pointer,
// cpu.cpl) that the npm build keeps by name, and pins nothing else.

import { V86 } from 'v86';
import { DEFAULT_MEMORY_MIB, GUEST_SHARE_DIR, VmError, launchGuest, type GuestMemory } from '../../main/vm/index.js';
import { defaultImagesDir, loadGuestImages, ownBuffer } from '../../main/vm/guest-images.js';
import { v86WasmPath } from '../../main/vm/runtime-paths.js';
import { v86Options } from '../../main/vm/v86-options.js';
import { ShellChannel } from '../../main/vm/shell-channel.js';
import { defaultCacheDir, loadSnapshot } from '../../main/vm/snapshot-cache.js';
import { resolveCmdline } from '../../main/vm/vm-service.js';

export interface IpSample {
  ip: number;
  cpl: number;
}

interface V86Internals {
  v86: { cpu: { run_hardware_timers: (...args: unknown[]) => unknown; instruction_pointer: Int32Array; cpl: Uint8Array } };
  read_memory(addr: number, len: number): Uint8Array;
  get_instruction_counter(): number;
  write_memory(bytes: Uint8Array, addr: number): void;
  create_file(path: string, bytes: Uint8Array): Promise<void>;
  read_file(path: string): Promise<Uint8Array>;
  serial_send_bytes(port: number, bytes: Uint8Array): void;
  add_listener(event: string, fn: (value: number) => void): void;
  destroy(): Promise<void>;
}

export class SampledGuest implements GuestMemory {
  private samples: IpSample[] | null = null;
  private readonly shell: ShellChannel;

  private constructor(
    private readonly emulator: V86Internals,
    /** The images' manifest (for the control page address). */
    readonly manifest: Record<string, unknown> | null,
    readonly memoryBytes: number,
  ) {
    this.shell = new ShellChannel(0, async (bytes) => this.emulator.serial_send_bytes(0, bytes));
    let pending: number[] = [];
    emulator.add_listener('serial0-output-byte', (byte) => {
      pending.push(byte);
      if (pending.length === 1) {
        queueMicrotask(() => {
          const batch = Uint8Array.from(pending);
          pending = [];
          this.shell.receive(batch);
        });
      }
    });
    const cpu = emulator.v86.cpu;
    const timers = cpu.run_hardware_timers.bind(cpu);
    cpu.run_hardware_timers = (...args: unknown[]) => {
      this.samples?.push({ ip: cpu.instruction_pointer[0]! >>> 0, cpl: cpu.cpl[0]! });
      return timers(...args);
    };
  }

  /** Resume the cached booted snapshot (creating it through the VM service if there is none yet). */
  static async start(): Promise<SampledGuest> {
    const images = await loadGuestImages(defaultImagesDir());
    const identity = { imagesDigest: images.digest, memoryMiB: DEFAULT_MEMORY_MIB, cmdline: resolveCmdline(images) };
    let state = await loadSnapshot(defaultCacheDir(), identity);
    if (!state) {
      const made = await launchGuest({ snapshot: 'use' });
      await made.vm.stop();
      state = await loadSnapshot(defaultCacheDir(), identity);
      if (!state) throw new Error('no guest snapshot could be made');
    }
    const emulator = new V86(
      v86Options({
        wasmPath: v86WasmPath(),
        bios: ownBuffer(images.files.bios),
        vgaBios: ownBuffer(images.files.vgaBios),
        bzImage: ownBuffer(images.files.bzImage),
        initrd: ownBuffer(images.files.initrd),
        cmdline: identity.cmdline,
        memorySize: identity.memoryMiB * 2 ** 20,
        initialState: ownBuffer(state),
      }),
    ) as unknown as V86Internals;
    await new Promise<void>((resolve) => emulator.add_listener('emulator-started', () => resolve()));
    const guest = new SampledGuest(emulator, images.manifest ?? null, identity.memoryMiB * 2 ** 20);
    await guest.exec('true');
    return guest;
  }

  async exec(command: string, timeoutMs = 120_000): Promise<string> {
    const r = await this.shell.exec(command, { timeoutMs });
    if (r.exitStatus !== 0) throw new Error(`guest command failed (${r.exitStatus}): ${command}\n${r.output}`);
    return r.output;
  }

  /** Put a file into the 9p share; returns its guest path. */
  async putFile(name: string, bytes: Uint8Array): Promise<string> {
    await this.emulator.create_file(name, bytes);
    return `${GUEST_SHARE_DIR}/${name}`;
  }

  async getFile(name: string): Promise<Uint8Array> {
    return this.emulator.read_file(name);
  }

  async readMemory(addr: number, len: number): Promise<Uint8Array> {
    return this.emulator.read_memory(addr, len).slice();
  }

  async writeMemory(addr: number, bytes: Uint8Array): Promise<void> {
    this.emulator.write_memory(bytes, addr);
  }

  /** Run a command with the sampler on; returns its output, the samples taken while it ran and the instructions it took. */
  async sample(command: string, timeoutMs = 300_000): Promise<{ output: string; samples: IpSample[]; instructions: number }> {
    this.samples = [];
    try {
      const before = this.emulator.get_instruction_counter();
      const output = await this.exec(command, timeoutMs);
      const instructions = (this.emulator.get_instruction_counter() - before) >>> 0;
      return { output, samples: this.samples, instructions };
    } finally {
      this.samples = null;
    }
  }

  async stop(): Promise<void> {
    this.shell.fail(new VmError('STOPPED', 'the profiled guest was stopped'));
    await this.emulator.destroy();
  }
}

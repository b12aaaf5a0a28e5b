// The one place that says how the lab's guest machine is built in v86: the
// emulator worker and the in-process profiler must boot the same machine, or
// a snapshot from one would not resume in the other.

import type { V86 } from 'v86';
import type { EmulatorConfig } from './protocol.js';

export type V86Options = ConstructorParameters<typeof V86>[0];

export function v86Options(config: EmulatorConfig): V86Options {
  return {
    wasm_path: config.wasmPath,
    bios: { buffer: config.bios },
    vga_bios: { buffer: config.vgaBios },
    bzimage: { buffer: config.bzImage },
    initrd: { buffer: config.initrd },
    cmdline: config.cmdline,
    memory_size: config.memorySize,
    ...(config.initialState ? { initial_state: { buffer: config.initialState } } : {}),
    filesystem: {},
    // ttyS1..ttyS3 for the extra terminals and the runner's console.
    uart1: true,
    uart2: true,
    uart3: true,
    autostart: true,
    disable_speaker: true,
  };
}

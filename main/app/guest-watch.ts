// Notices a guest that died without the emulator ending: `poweroff -f` or a
// halt leaves v86 running with a CPU that no longer executes instructions, and
// a kernel panic stops the guest from answering while its CPU spins on. Either
// is reported at once, so the lab never shows "running" over a dead guest.
//
// A panic is learnt from the kernel's control region (its panic notifier sets
// `panicked`), never from the console's text: any guest process, a checked
// program included, can print "Kernel panic - not syncing" on /dev/console or
// through /dev/kmsg, and taking that for a panic threw away a healthy guest.
// Only a kernel without a control region is still judged by its console.

import { readCounters, type ControlRegion, type VmService } from '../vm/index.js';

export interface GuestWatch {
  stop(): void;
}

/** How often the instruction counter and the panic flag are read; a guest that executes none in two readings has stopped. */
const PERIOD_MS = 1_000;
const STILL_READINGS = 2;
const PANIC = /Kernel panic - not syncing[^\r\n]*/;

export function watchGuest(vm: VmService, region: ControlRegion | null, died: (why: string) => void, periodMs = PERIOD_MS): GuestWatch {
  let last: number | null = null;
  let still = 0;
  let stopped = false;
  let consoleText = '';
  // One reading at a time: readings taken while a restored state loads wait for the emulator
  // (VmService.instructionCounter) and would all answer at once with one value — a "halt".
  let reading = false;
  const timer = setInterval(() => {
    if (!reading) {
      reading = true;
      void vm
        .instructionCounter()
        .then(
          (now) => {
            if (stopped) return;
            still = now === last ? still + 1 : 0;
            last = now;
            if (still >= STILL_READINGS) died('the guest stopped executing instructions (it was powered off or halted)');
          },
          () => undefined, // the emulator ending is reported by its own 'crash' event
        )
        .finally(() => {
          reading = false;
        });
    }
    if (region !== null) {
      void readCounters(vm, region).then(
        (counters) => {
          if (!stopped && counters.panicked) died('the guest kernel panicked (its control region says so; the console shows why)');
        },
        () => undefined,
      );
    }
  }, periodMs);
  timer.unref();
  const onSerial = (port: number, bytes: Uint8Array): void => {
    if (port !== 0) return;
    consoleText = (consoleText + Buffer.from(bytes).toString('latin1')).slice(-4096);
    const m = PANIC.exec(consoleText);
    if (m !== null) died(`the guest kernel panicked (${m[0].trim()})`);
  };
  if (region === null) vm.on('serial', onSerial);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      if (region === null) vm.off('serial', onSerial);
    },
  };
}

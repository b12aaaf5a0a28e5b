// Instruction-pointer samples to names: kernel addresses through the guest's
// /proc/kallsyms, user addresses as the program's own code or "user space".

import type { IpSample } from './sampled-guest.js';

export interface KernelSymbols {
  addresses: number[];
  names: string[];
}

const KERNEL_BASE = 0xc0000000;

export function parseKallsyms(text: string): KernelSymbols {
  const entries = text
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.length >= 3 && /^[0-9a-f]{8}$/.test(f[0]!) && /^[tTwW]$/.test(f[1]!))
    .map((f) => ({ address: parseInt(f[0]!, 16), name: f[2]! }))
    .filter((e) => e.address >= KERNEL_BASE)
    .sort((a, b) => a.address - b.address);
  if (entries.length === 0) throw new Error('no kernel text symbols in kallsyms (is kptr_restrict hiding addresses?)');
  return { addresses: entries.map((e) => e.address), names: entries.map((e) => e.name) };
}

/** The function an address lies in (the nearest text symbol at or below it). */
export function symbolize(symbols: KernelSymbols, sample: IpSample): string {
  if (sample.ip < KERNEL_BASE) return sample.cpl === 0 ? 'TAL program code (ring 0)' : 'user space (ring 3)';
  let lo = 0;
  let hi = symbols.addresses.length - 1;
  if (sample.ip < symbols.addresses[0]!) return 'kernel (before _text)';
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (symbols.addresses[mid]! <= sample.ip) lo = mid;
    else hi = mid - 1;
  }
  return symbols.names[lo]!;
}

/**
 * Samples taken while the guest CPU sat in `hlt`: v86 runs its timers in a
 * loop while halted, so these count host time spent idle (typing the command,
 * waiting for the shell), not guest instructions.
 */
export function isIdle(name: string): boolean {
  return name === '__cpuidle_text_start' || name.startsWith('default_idle') || name === 'arch_cpu_idle';
}

export interface ProfileRow {
  name: string;
  samples: number;
  share: number;
}

/** Busy samples by function, with each function's share of the busy samples; idle samples are counted apart. */
export function profile(symbols: KernelSymbols, samples: readonly IpSample[]): { rows: ProfileRow[]; idle: number } {
  const counts = new Map<string, number>();
  let idle = 0;
  for (const s of samples) {
    const name = symbolize(symbols, s);
    if (isIdle(name)) idle++;
    else counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const busy = samples.length - idle;
  const rows = [...counts.entries()].map(([name, n]) => ({ name, samples: n, share: n / busy })).sort((a, b) => b.samples - a.samples);
  return { rows, idle };
}

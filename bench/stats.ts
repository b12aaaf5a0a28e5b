// Summaries of repeated measurements: the median (robust to the emulator's
// JIT pauses and timer interrupts) and the min–max spread.

export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`summarize: not a finite number: ${v}`);
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { runs: sorted.length, median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** How much less the kernel-mode value is than the user-mode one, in percent of the user-mode value (positive = kernel mode better). */
export function percentLower(user: number, kernel: number): number {
  return ((user - kernel) / user) * 100;
}

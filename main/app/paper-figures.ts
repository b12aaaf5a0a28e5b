// What Maeda and Yonezawa's Kernel Mode Linux + TAL work reports for the
// experiments `npm run bench` reproduces: one table, read by the benchmark
// (bench/experiments/) and by the lab's benchmarks view (bench-results.ts).

/**
 * Ways to compare kernel mode with the faster trap path: user/kernel ("36×
 * cheaper"), (user − kernel)/user in percent ("14% faster"), or user − kernel
 * in the experiment's unit ("4 µs sooner").
 */
export type Measure = 'times-cheaper' | 'percent-lower' | 'difference';

export interface Figure {
  measure: Measure;
  value: number;
  /** As a person would say it. */
  text: string;
}

export const PAPER_FIGURES = {
  getpid: { measure: 'times-cheaper', value: 432 / 12, text: '432 → 12 cycles (36×), Kernel Mode Linux on real hardware' },
  find: { measure: 'percent-lower', value: 14, text: '14% faster in kernel mode' },
  echod: { measure: 'difference', value: 4, text: 'round trip 4 µs shorter in kernel mode' },
} as const satisfies Record<string, Figure>;

export type PaperExperiment = keyof typeof PAPER_FIGURES;

export function paperFigure(experiment: string): Figure | undefined {
  return Object.hasOwn(PAPER_FIGURES, experiment) ? PAPER_FIGURES[experiment as PaperExperiment] : undefined;
}

/**
 * The figure as a speed-up ratio (user time ÷ kernel time), when it can be one:
 * a difference needs the base time, which the paper does not give.
 */
export function speedupRatio(f: Figure): number | undefined {
  switch (f.measure) {
    case 'times-cheaper':
      return f.value;
    case 'percent-lower':
      return 100 / (100 - f.value);
    case 'difference':
      return undefined;
  }
}

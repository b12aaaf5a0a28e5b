// Turns experiment results into the benchmark's report: the comparison of
// kernel mode with the faster trap path per experiment, a text table for the
// terminal, Markdown, and the JSON the lab's benchmarks view reads
// (main/app/bench-results.ts: a { points: [...] } object; the other fields are
// for people and tools that want the raw samples).

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Figure, Measure } from './experiments/experiment.js';
import { formatBounds, type SpeedBound } from './bounds.js';
import type { FirstOutputTiming, ToolchainTiming } from './host-timing.js';
import type { ExperimentResult, ModeResult } from './schedule.js';
import { percentLower, type Summary } from './stats.js';
import type { ExecMode } from '../main/runner/admission.js';
import { MODE_LABELS, RUN_MODES, USER_MODES } from './tal-launcher.js';

export interface Comparison {
  /** The user mode with the lower median: kernel mode is compared with it. */
  fasterTrap: ExecMode;
  user: number;
  kernel: number;
  timesCheaper: number;
  percentLower: number;
  difference: number;
  /** Instructions (median) of the faster trap path over kernel mode's. */
  instructionsTimesFewer: number;
  /** The experiment's headline measure. */
  headline: number;
  target?: Figure & { achieved: number; met: boolean };
}

export interface ExperimentReport {
  id: string;
  title: string;
  metric: string;
  unit: string;
  instructionsPer: string;
  paper?: Figure;
  modes: Array<{
    mode: ExecMode;
    label: string;
    unavailable?: string;
    value?: Summary;
    instructions?: Summary;
    samples: Array<{ value: number; instructions: number }>;
  }>;
  /** Absent when kernel mode (or every user mode) could not run, or when noise swamped a median. */
  comparison?: Comparison;
  /** For experiments without kernel mode: how much cheaper the faster trap path is than the other. */
  trapComparison?: { faster: ExecMode; timesCheaper: number };
  /** Why the modes that ran were not compared: a per-call time (a loop minus an empty loop) that host noise pushed to zero or below has no ratio. */
  unresolved?: string;
}

export interface BenchPointOut {
  name: string;
  metric: string;
  ours: number;
  paper?: number;
  unit: string;
}

export interface BenchReport {
  format: 1;
  kind: 'tal-lab-bench';
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  host: Record<string, string | number>;
  guest: Record<string, string | number>;
  launcher: string;
  params: Record<string, number>;
  experiments: ExperimentReport[];
  toolchain: ToolchainTiming[];
  firstOutput: FirstOutputTiming[];
  /** The lab's speed goals, each met or missed. */
  bounds: SpeedBound[];
  notes: string[];
  /** What the lab's benchmarks view shows. */
  points: BenchPointOut[];
}

/** Modes whose median is not above zero: no ratio with them means anything. */
function unresolvedModes(modes: readonly ModeResult[]): string | undefined {
  const bad = modes.filter((m) => m.value && !(m.value.median > 0));
  if (bad.length === 0) return undefined;
  return `not compared: the median of ${bad.map((m) => `${m.mode} (${m.value!.median})`).join(', ')} is not above zero; host noise swamped the difference — run more cycles`;
}

export function compare(result: ExperimentResult): Comparison | undefined {
  const kernel = result.modes.find((m) => m.mode === 'kernel' && m.value);
  const users = result.modes.filter((m) => USER_MODES.includes(m.mode) && m.value);
  if (!kernel || users.length === 0 || unresolvedModes([kernel, ...users])) return undefined;
  const faster = users.reduce((a, b) => (b.value!.median < a.value!.median ? b : a));
  const user = faster.value!.median;
  const k = kernel.value!.median;
  const measures: Record<Measure, number> = {
    'times-cheaper': user / k,
    'percent-lower': percentLower(user, k),
    difference: user - k,
  };
  const exp = result.experiment;
  const comparison: Comparison = {
    fasterTrap: faster.mode,
    user,
    kernel: k,
    timesCheaper: measures['times-cheaper'],
    percentLower: measures['percent-lower'],
    difference: measures.difference,
    instructionsTimesFewer: faster.instructions!.median / kernel.instructions!.median,
    headline: measures[exp.headline],
  };
  if (exp.target) {
    const achieved = measures[exp.target.measure];
    comparison.target = { ...exp.target, achieved, met: achieved >= exp.target.value };
  }
  return comparison;
}

export function experimentReport(result: ExperimentResult): ExperimentReport {
  const exp = result.experiment;
  const report: ExperimentReport = {
    id: exp.id,
    title: exp.title,
    metric: exp.metric,
    unit: exp.unit,
    instructionsPer: exp.instructionsPer,
    ...(exp.paper ? { paper: exp.paper } : {}),
    modes: result.modes.map((m: ModeResult) => ({
      mode: m.mode,
      label: MODE_LABELS[m.mode],
      ...(m.unavailable !== undefined ? { unavailable: m.unavailable } : {}),
      ...(m.value ? { value: m.value, instructions: m.instructions! } : {}),
      samples: m.samples,
    })),
  };
  const measured = result.modes.filter((m) => m.value);
  const unresolved = unresolvedModes(measured);
  const comparison = compare(result);
  if (comparison) report.comparison = comparison;
  else if (unresolved && measured.length >= 2) report.unresolved = unresolved;
  else if (!exp.modes.includes('kernel')) {
    if (measured.length === 2) {
      const [a, b] = measured as [ModeResult, ModeResult];
      const [fast, slow] = a.value!.median <= b.value!.median ? [a, b] : [b, a];
      report.trapComparison = { faster: fast.mode, timesCheaper: slow.value!.median / fast.value!.median };
    }
  }
  return report;
}

/** The points the benchmarks view plots: each experiment's headline (with the paper's figure) and every mode's median. */
export function benchPoints(experiments: readonly ExperimentReport[], toolchain: readonly ToolchainTiming[]): BenchPointOut[] {
  const points: BenchPointOut[] = [];
  for (const e of experiments) {
    if (e.comparison) {
      const measure = e.paper?.measure ?? 'percent-lower';
      points.push({
        name: e.id,
        metric: `kernel mode vs faster trap (${MEASURE_PHRASES[measure]})`,
        ours: round(e.comparison.headline, 3),
        ...(e.paper ? { paper: round(e.paper.value, 3) } : {}),
        unit: measure === 'difference' ? e.unit : measure === 'percent-lower' ? '%' : '×',
      });
    }
    for (const m of e.modes) {
      if (m.value) points.push({ name: `${e.id} ${m.mode}`, metric: `median ${e.metric}`, ours: round(m.value.median, 3), unit: e.unit });
    }
  }
  for (const t of toolchain) {
    points.push({ name: `check ${t.file}`, metric: 'median host time', ours: round(t.checkMs.median, 3), unit: 'ms' });
    points.push({ name: `build ${t.file}`, metric: 'median host time (check+assemble+sign)', ours: round(t.buildMs.median, 3), unit: 'ms' });
  }
  return points;
}

const MEASURE_PHRASES: Readonly<Record<Measure, string>> = {
  'times-cheaper': 'times cheaper',
  'percent-lower': 'time saved',
  difference: 'shorter by',
};

function describeComparison(e: ExperimentReport): string {
  const c = e.comparison;
  if (!c) {
    if (e.unresolved) return e.unresolved;
    if (e.trapComparison) return `${MODE_LABELS[e.trapComparison.faster]} ${fmt(e.trapComparison.timesCheaper)}× cheaper than the other trap`;
    const missing = e.modes.find((m) => m.mode === 'kernel' && m.unavailable !== undefined);
    return missing ? 'kernel mode not run' : 'n/a';
  }
  return `${fmt(c.timesCheaper)}× (${fmt(c.percentLower)}% lower, ${fmt(c.difference)} ${e.unit}) vs ${c.fasterTrap}`;
}

function describeTarget(e: ExperimentReport): string {
  const t = e.comparison?.target;
  if (!t) return '';
  const achieved =
    t.measure === 'times-cheaper' ? `${fmt(t.achieved)}×` : t.measure === 'percent-lower' ? `${fmt(t.achieved)}%` : `${fmt(t.achieved)} ${e.unit}`;
  return `${t.met ? 'met' : 'MISSED'}: ${achieved} (${t.text})`;
}

function cell(e: ExperimentReport, mode: ExecMode): string {
  const m = e.modes.find((x) => x.mode === mode);
  if (!m) return '—';
  if (m.unavailable !== undefined || !m.value) return 'not run';
  return `${fmt(m.value.median)} [${fmt(m.value.min)}–${fmt(m.value.max)}]`;
}

function instructionCell(e: ExperimentReport): string {
  return RUN_MODES.map((mode) => {
    const m = e.modes.find((x) => x.mode === mode);
    return m?.instructions ? fmt(m.instructions.median) : '—';
  }).join(' / ');
}

export function tableRows(report: BenchReport): string[][] {
  const header = [
    'experiment',
    'unit',
    ...RUN_MODES.map((m) => `${MODE_LABELS[m]}: median [min–max]`),
    'kernel vs faster trap',
    'instructions (int80 / sysenter / kernel)',
    'target',
    'paper',
  ];
  const rows = report.experiments.map((e) => [
    e.title,
    e.unit,
    ...RUN_MODES.map((m) => cell(e, m)),
    describeComparison(e),
    `${instructionCell(e)} ${e.instructionsPer}`,
    describeTarget(e),
    e.paper?.text ?? '',
  ]);
  return [header, ...rows];
}

/** A plain-text table, columns padded, for the terminal. */
export function formatTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function markdownTable(rows: readonly string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [rows[0]!, rows[0]!.map(() => '---'), ...rows.slice(1)].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

export function formatMarkdown(report: BenchReport): string {
  const out: string[] = [];
  out.push(`# TAL Lab benchmark${report.quick ? ' (quick mode: not representative)' : ''}`, '');
  out.push(`Started ${report.startedAt}, finished ${report.finishedAt}.`, '');
  out.push(
    `Host: ${Object.entries(report.host)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
    '',
  );
  out.push(
    `Guest: ${Object.entries(report.guest)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
    '',
  );
  out.push(`Programs: ${report.launcher}.`, '');
  out.push(
    `Parameters: ${Object.entries(report.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
  );
  out.push("Values are by the guest clock (CLOCK_MONOTONIC; v86 ties it to host time); instructions are v86's instruction counter.", '');
  out.push(markdownTable(tableRows(report)), '');
  if (report.toolchain.length > 0) {
    out.push('## Host toolchain', '');
    out.push(
      markdownTable([
        ['program', 'lines', 'instructions', 'image bytes', 'check ms: median [min–max]', 'check+assemble+sign ms: median [min–max]'],
        ...report.toolchain.map((t) => [
          t.file,
          String(t.sourceLines),
          String(t.instructions),
          String(t.imageBytes),
          `${fmt(t.checkMs.median)} [${fmt(t.checkMs.min)}–${fmt(t.checkMs.max)}]`,
          `${fmt(t.buildMs.median)} [${fmt(t.buildMs.min)}–${fmt(t.buildMs.max)}]`,
        ]),
      ]),
      '',
    );
  }
  if (report.firstOutput.length > 0) {
    out.push('## Source to first output', '');
    out.push(
      markdownTable([
        ['program', 'mode', 'first output', 'build ms', 'deliver ms', 'run to output ms', 'total ms'],
        ...report.firstOutput.map((f) => [
          f.file,
          MODE_LABELS[f.mode],
          JSON.stringify(f.marker),
          fmt(f.buildMs),
          fmt(f.deliverMs),
          fmt(f.runMs),
          fmt(f.totalMs),
        ]),
      ]),
      '',
    );
  }
  out.push('## Speed goals', '', markdownTable(formatBounds(report.bounds)), '');
  if (report.notes.length > 0) out.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

/** Writes <stamp>.json and <stamp>.md plus latest.json and latest.md; returns the paths written. */
export async function writeReport(report: BenchReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const md = formatMarkdown(report);
  const files: Array<[string, string]> = [
    [`bench-${stamp}.json`, json],
    [`bench-${stamp}.md`, md],
    ['latest.json', json],
    ['latest.md', md],
  ];
  const written: string[] = [];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    written.push(file);
  }
  return written;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return String(Math.round(v));
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

// Folds what the guest reports into what the transitions view draws. Every
// number about programs comes from the runs themselves (the runner counts a
// run's calls by its pid, exactly: main/runner/program-accounting.ts): the
// totals by path, the count and mean cost per (syscall, path), the lane of the
// last run's transitions and the last run in each mode side by side. The one
// live, whole-guest number is the rate chart, from the kernel's counters. The
// renderer only ever receives these aggregates, at a bounded rate.

import {
  EARLIER_CALLS,
  TRANSITION_WINDOW,
  type LabRunMode,
  type RunSummary,
  type TransitionKind,
  type SyscallStat,
  type TelemetrySnapshot,
  type TransitionSpan,
} from '../../preload/contract.js';
import type { ProgramRun } from './integration.js';

interface Accumulator {
  nr: number;
  name: string;
  path: TransitionKind;
  count: number;
  totalNs: number;
}

export class TelemetryAggregator {
  private table = new Map<string, Accumulator>();
  private totals: Record<TransitionKind, number> = { trap: 0, direct: 0 };
  private rate: Record<TransitionKind, number> = { trap: 0, direct: 0 };
  private sinceRate: Record<TransitionKind, number> = { trap: 0, direct: 0 };
  private rateStartedMs: number;
  private lastCounters: Record<TransitionKind, number> | undefined;
  private recent: TransitionSpan[] = [];
  private readonly lastRuns: Partial<Record<LabRunMode, RunSummary>> = {};
  private changed = true;

  constructor(
    private readonly nameOf: (nr: number) => string,
    private readonly now: () => number = () => Date.now(),
    private availability = { available: false, message: 'the guest has not announced a telemetry region' },
  ) {
    this.rateStartedMs = now();
  }

  setAvailability(available: boolean, message: string): void {
    if (available === this.availability.available && message === this.availability.message) return;
    this.availability = { available, message };
    this.changed = true;
  }

  /** The guest kernel's running totals by path (every process); the first reading, or one that went backwards (a restored snapshot), is a new baseline. */
  observeCounters(absolute: Record<TransitionKind, number>): void {
    const last = this.lastCounters;
    this.lastCounters = { ...absolute };
    if (last === undefined || absolute.trap < last.trap || absolute.direct < last.direct) return;
    for (const p of ['trap', 'direct'] as const) this.sinceRate[p] += absolute[p] - last[p];
  }

  /** Recomputes the per-second rates; call at a steady interval. */
  tick(): void {
    const now = this.now();
    const seconds = (now - this.rateStartedMs) / 1000;
    if (seconds <= 0) return;
    const next = { trap: this.sinceRate.trap / seconds, direct: this.sinceRate.direct / seconds };
    if (next.trap !== this.rate.trap || next.direct !== this.rate.direct) this.changed = true;
    this.rate = next;
    this.sinceRate = { trap: 0, direct: 0 };
    this.rateStartedMs = now;
  }

  /** A finished run: its program's calls become the totals, the cost table, the lane and its mode's side-by-side column. */
  addRun(summary: Omit<RunSummary, 'syscalls' | 'totals' | 'notItemized'>, program: ProgramRun | undefined): RunSummary {
    const syscalls: SyscallStat[] = [];
    const totals = { trap: 0, direct: 0 };
    if (program !== undefined) {
      for (const c of program.calls) {
        const name = this.nameOf(c.nr);
        syscalls.push({ nr: c.nr, name, path: c.path, count: c.count, meanNs: c.totalNs / c.count });
        const key = `${c.nr}/${c.path}`;
        const row = this.table.get(key) ?? { nr: c.nr, name, path: c.path, count: 0, totalNs: 0 };
        row.count += c.count;
        row.totalNs += c.totalNs;
        this.table.set(key, row);
      }
      totals[program.path] = program.total;
      this.totals[program.path] += program.total;
      this.recent = laneOf(program, this.nameOf);
    }
    const full: RunSummary = { ...summary, totals, syscalls, notItemized: program?.notItemized ?? 0 };
    this.lastRuns[summary.mode] = full;
    this.changed = true;
    return full;
  }

  reset(): void {
    this.table = new Map();
    this.totals = { trap: 0, direct: 0 };
    this.sinceRate = { trap: 0, direct: 0 };
    this.rate = { trap: 0, direct: 0 };
    this.recent = [];
    delete this.lastRuns.kernel;
    delete this.lastRuns.user;
    this.changed = true;
  }

  /** True once after anything visible changed; lets the caller skip pushing identical snapshots. */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }

  snapshot(): TelemetrySnapshot {
    return {
      available: this.availability.available,
      message: this.availability.message,
      totals: { ...this.totals },
      ratePerSec: { ...this.rate },
      stats: [...this.table.values()]
        .map((r) => ({ nr: r.nr, name: r.name, path: r.path, count: r.count, meanNs: r.totalNs / r.count }))
        .sort((a, b) => b.count - a.count || a.nr - b.nr || a.path.localeCompare(b.path)),
      recent: this.recent.map((s) => ({ ...s })),
      lastRuns: structuredClone(this.lastRuns),
    };
  }
}

/**
 * The run's last transitions (repeats merged), at most TRANSITION_WINDOW spans; when they do not hold
 * every call, a first span counts the rest, so the lane's counts add up to the run's total.
 */
export function laneOf(program: ProgramRun, nameOf: (nr: number) => string): TransitionSpan[] {
  const spans: TransitionSpan[] = [];
  for (const r of program.records) {
    const name = nameOf(r.nr);
    const last = spans[spans.length - 1];
    if (last !== undefined && last.name === name && last.path === program.path) {
      last.meanNs += (r.ns - last.meanNs) / (last.count + 1);
      last.count++;
    } else {
      spans.push({ seq: r.seq, name, path: program.path, count: 1, meanNs: r.ns });
    }
  }
  const keep = spans.slice(-(TRANSITION_WINDOW - 1));
  const shown = keep.reduce((a, s) => a + s.count, 0);
  const earlier = program.total - shown;
  if (earlier > 0) keep.unshift({ seq: -1, name: EARLIER_CALLS, path: program.path, count: earlier, meanNs: 0 });
  return keep;
}

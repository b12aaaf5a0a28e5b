// Folds the guest's raw syscall events into what the transitions view draws:
// totals and rates per path, count and mean cost per (syscall, path), a short
// window of recent transitions with repeats merged, and a summary of the last
// run in each mode. The renderer only ever receives these aggregates, at a
// bounded rate, so thousands of syscalls per second cost it nothing extra.

import {
  TRANSITION_WINDOW,
  type RunMode,
  type RunSummary,
  type SyscallPath,
  type SyscallStat,
  type TelemetrySnapshot,
  type TransitionSpan,
} from '../ipc/contract.js';
import type { SyscallEvent } from './integration.js';

interface Accumulator {
  nr: number;
  path: SyscallPath;
  count: number;
  totalNs: number;
}

class StatTable {
  private readonly rows = new Map<string, Accumulator>();

  add(e: SyscallEvent): void {
    const key = `${e.nr}/${e.path}`;
    const row = this.rows.get(key) ?? { nr: e.nr, path: e.path, count: 0, totalNs: 0 };
    row.count++;
    row.totalNs += e.durationNs;
    this.rows.set(key, row);
  }

  stats(nameOf: (nr: number) => string): SyscallStat[] {
    return [...this.rows.values()]
      .map((r) => ({ nr: r.nr, name: nameOf(r.nr), path: r.path, count: r.count, meanNs: r.totalNs / r.count }))
      .sort((a, b) => b.count - a.count || a.nr - b.nr || a.path.localeCompare(b.path));
  }
}

export class TelemetryAggregator {
  private table = new StatTable();
  private totals: Record<SyscallPath, number> = { trap: 0, direct: 0 };
  private rate: Record<SyscallPath, number> = { trap: 0, direct: 0 };
  private sinceRate: Record<SyscallPath, number> = { trap: 0, direct: 0 };
  private rateStartedMs: number;
  private recent: TransitionSpan[] = [];
  /** The run in progress: its records, and its transitions per process (the program's pid is known only at the end). */
  private run: { mode: RunMode; table: StatTable; spansByPid: Map<number, TransitionSpan[]> } | undefined;
  private readonly lastRuns: Partial<Record<RunMode, RunSummary>> = {};
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

  /**
   * Adds syscall records. count: whether they also make the totals and rates; false when the
   * guest's exact counters are observed instead (the record ring can overflow between reads).
   */
  ingest(events: readonly SyscallEvent[], count = true): void {
    for (const e of events) {
      this.table.add(e);
      this.run?.table.add(e);
      if (count) {
        this.totals[e.path]++;
        this.sinceRate[e.path]++;
      }
      this.pushTransition(e);
    }
    if (events.length > 0) this.changed = true;
  }

  /** The guest kernel's running totals by path; the first reading, or one that went backwards (a restored snapshot), is a new baseline. */
  observeCounters(absolute: Record<SyscallPath, number>): void {
    const last = this.lastCounters;
    this.lastCounters = { ...absolute };
    if (last === undefined || absolute.trap < last.trap || absolute.direct < last.direct) return;
    for (const p of ['trap', 'direct'] as const) {
      const d = absolute[p] - last[p];
      if (d === 0) continue;
      this.totals[p] += d;
      this.sinceRate[p] += d;
      this.changed = true;
    }
  }
  private lastCounters: Record<SyscallPath, number> | undefined;

  private pushTransition(e: SyscallEvent): void {
    appendSpan(this.recent, e, this.nameOf(e.nr));
    if (this.run !== undefined) {
      const mine = this.run.spansByPid.get(e.pid) ?? [];
      this.run.spansByPid.set(e.pid, mine);
      appendSpan(mine, e, this.nameOf(e.nr));
    }
  }

  /** Recomputes per-second rates; call at a steady interval. */
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

  beginRun(mode: RunMode): void {
    this.run = { mode, table: new StatTable(), spansByPid: new Map() };
  }

  /** The run did not happen: nothing to compare. */
  cancelRun(): void {
    this.run = undefined;
  }

  /** exact: the run's own syscalls when the runner counted them by pid; otherwise what arrived during the run. */
  endRun(summary: Omit<RunSummary, 'syscalls'>, exact?: SyscallStat[], pid?: number): RunSummary {
    const syscalls = exact ?? this.run?.table.stats(this.nameOf) ?? [];
    // Once the program's pid is known, the swimlane shows its own transitions rather than the shell's around it.
    const own = pid === undefined ? undefined : this.run?.spansByPid.get(pid);
    if (own !== undefined && own.length > 0) this.recent = own;
    this.run = undefined;
    const full: RunSummary = { ...summary, syscalls };
    this.lastRuns[summary.mode] = full;
    this.changed = true;
    return full;
  }

  reset(): void {
    this.table = new StatTable();
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
      stats: this.table.stats(this.nameOf),
      recent: this.recent.map((s) => ({ ...s })),
      lastRuns: structuredClone(this.lastRuns),
    };
  }
}

/** Appends one syscall to a list of spans, merging a repeat of the last one; keeps the newest TRANSITION_WINDOW. */
function appendSpan(spans: TransitionSpan[], e: SyscallEvent, name: string): void {
  const last = spans[spans.length - 1];
  if (last !== undefined && last.name === name && last.path === e.path) {
    last.meanNs += (e.durationNs - last.meanNs) / (last.count + 1);
    last.count++;
    return;
  }
  spans.push({ seq: e.seq, name, path: e.path, count: 1, meanNs: e.durationNs });
  if (spans.length > TRANSITION_WINDOW) spans.shift();
}

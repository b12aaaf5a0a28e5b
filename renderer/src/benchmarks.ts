// The benchmarks view: the runs `npm run bench` wrote, newest first, each
// labelled by date and machine; for the picked run its kernel-mode speed-ups
// beside the Kernel Mode Linux paper's as ratios on one axis (chart and
// table), its speed goals met or missed, and every figure it recorded.

import type { BenchPoint, BenchReply, BenchRun, LabApi } from '../../preload/contract.js';
import { clear, h } from './dom.js';
import { formatRatio, ratioChart } from './ratio-chart.js';

export class BenchmarksView {
  /** The picked run's file, kept across reloads while it still exists. */
  private picked: string | undefined;

  constructor(
    private readonly el: HTMLElement,
    private readonly api: LabApi,
  ) {}

  async refresh(): Promise<void> {
    const reply = await this.api.listBenchResults({});
    if (!reply.ok) {
      clear(this.el, h('p', { class: 'error' }, reply.error.message));
      return;
    }
    this.render(reply.value);
  }

  private render(r: BenchReply): void {
    const refresh = h('button', { id: 'bench-refresh' }, 'Reload results');
    refresh.addEventListener('click', () => void this.refresh());
    const problems = r.problems.length > 0 ? h('ul', { class: 'error', id: 'bench-problems' }, ...r.problems.map((p) => h('li', {}, p))) : null;
    if (r.runs.length === 0) {
      clear(
        this.el,
        h(
          'div',
          { class: 'bench-empty', id: 'bench-empty' },
          h('p', {}, 'No benchmark results yet.'),
          h('p', {}, 'Run ', h('code', {}, 'npm run bench'), ` — it writes ${r.directory}/*.json, which this view reads.`),
        ),
        problems,
        refresh,
      );
      return;
    }
    if (!r.runs.some((run) => run.file === this.picked)) this.picked = r.runs[0]!.file;
    const picker = h('select', { id: 'bench-run', 'aria-label': 'Benchmark run' }, ...r.runs.map((run) => h('option', { value: run.file }, runLabel(run))));
    picker.value = this.picked!;
    const body = h('div', { class: 'bench-run', id: 'bench-run-body' });
    const show = (): void => {
      this.picked = picker.value;
      clear(body, ...runBody(r.runs.find((run) => run.file === picker.value)!));
    };
    picker.addEventListener('change', show);
    show();
    clear(
      this.el,
      h('div', { class: 'bench-head' }, h('label', { for: 'bench-run' }, `Run (${r.runs.length}, newest first): `), picker, refresh),
      h('p', { class: 'muted' }, `From ${r.directory}`),
      body,
      problems,
    );
  }
}

/** "2026-11-25 10:09 UTC — Intel Xeon, 2 cores, Node v20.20.2", the picker's words for a run. */
export function runLabel(run: BenchRun): string {
  const when = `${run.startedAt.slice(0, 10)} ${run.startedAt.slice(11, 16)} UTC${run.dated === 'file-time' ? ' (file date)' : ''}`;
  const m = run.machine;
  const machine = m
    ? [m.cpu, m.cores !== undefined ? `${m.cores} cores` : '', m.node ? `Node ${m.node}` : ''].filter(Boolean).join(', ')
    : 'machine not recorded';
  return `${when} — ${machine}${run.quick ? ' (quick: not representative)' : ''}`;
}

function runBody(run: BenchRun): Node[] {
  const m = run.machine;
  const about = [
    `File ${run.file}`,
    m?.os ? `host ${m.os}` : '',
    m?.memoryGiB !== undefined ? `${m.memoryGiB} GiB` : '',
    m?.loadAverage1m !== undefined ? `load average ${m.loadAverage1m}` : '',
    run.guest ? `guest ${run.guest}` : '',
  ].filter(Boolean);
  const caption = 'Kernel-mode speed-up: the faster user-mode time ÷ the kernel-mode time (log scale; right of 1× kernel mode is faster)';
  return [
    h('p', { class: 'muted', id: 'bench-run-about' }, `${about.join('; ')}.`),
    h('h4', {}, 'Ours beside the paper'),
    run.ratios.length > 0
      ? h(
          'figure',
          { class: 'bench-chart' },
          ratioChart(run.ratios, `${caption}, run of ${runLabel(run)}`),
          h('figcaption', { class: 'muted' }, caption, h('span', { class: 'legend ours' }, 'ours'), h('span', { class: 'legend paper' }, 'paper')),
        )
      : h('p', { class: 'muted' }, 'This run has no experiment with kernel mode to compare.'),
    ratioTable(run),
    h('h4', {}, 'Speed goals'),
    run.goals ? goalTable(run) : h('p', { class: 'muted', id: 'bench-goals-none' }, 'This run did not measure speed goals (older result file).'),
    h('details', {}, h('summary', {}, `Every figure in this run (${run.points.length})`), pointTable(run.points)),
  ];
}

function table(id: string, caption: string, head: readonly string[], rows: readonly HTMLTableRowElement[]): HTMLTableElement {
  return h(
    'table',
    { class: 'bench-table', id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows),
  );
}

function ratioTable(run: BenchRun): HTMLTableElement {
  const rows = run.ratios.map((r) =>
    h(
      'tr',
      { 'data-experiment': r.experiment },
      h('th', { scope: 'row' }, r.title),
      h('td', { class: 'ours' }, r.ours === undefined ? '—' : formatRatio(r.ours)),
      h('td', { class: 'paper' }, r.paper === undefined ? '—' : formatRatio(r.paper)),
      h('td', { class: 'muted' }, `ours: ${r.oursBasis}; paper: ${r.paperBasis}`),
    ),
  );
  return table('bench-ratios', 'Kernel-mode speed-up ratios', ['experiment', 'ours', 'paper', 'from'], rows);
}

function goalTable(run: BenchRun): HTMLTableElement {
  const rows = (run.goals ?? []).map((g) =>
    h(
      'tr',
      { class: g.met ? 'met' : 'missed' },
      h('th', { scope: 'row' }, g.what),
      h('td', {}, g.measured),
      h('td', {}, g.target),
      h('td', { class: 'verdict' }, g.met ? 'met' : 'MISSED'),
    ),
  );
  return table('bench-goals', 'Speed goals of this run', ['goal', 'measured', 'target', 'result'], rows);
}

function pointTable(points: readonly BenchPoint[]): HTMLTableElement {
  const rows = points.map((p) =>
    h(
      'tr',
      { 'data-bench': p.name },
      h('th', { scope: 'row' }, p.name),
      h('td', {}, p.metric),
      h('td', {}, `${round(p.ours)} ${p.unit}`),
      h('td', {}, p.paper === undefined ? '' : `${round(p.paper)} ${p.unit}`),
    ),
  );
  return table('bench-points', 'Every figure', ['name', 'metric', 'ours', 'paper'], rows);
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

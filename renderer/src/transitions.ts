// The syscall-transition view: a swimlane of the most recent syscalls (user
// lane above the ring boundary, kernel lane below: a user-mode syscall is a
// trap down across the boundary and a return back up; a kernel-mode syscall is
// a direct call inside the kernel lane), counters and rates by path, a rate
// chart, mean cost per syscall by path, and the last user-mode and kernel-mode
// runs side by side. It draws only the aggregates main pushes (≤ 4 per second),
// so its cost does not grow with the syscall rate.

import uPlot from 'uplot';
import { EARLIER_CALLS, type LabApi, type RunSummary, type TransitionKind, type TelemetrySnapshot, type TransitionSpan } from '../../preload/contract.js';
import { clear, h } from './dom.js';
import { cssColor } from './theme.js';

const RATE_SAMPLES = 120;
const COLORS: Record<TransitionKind, string> = { trap: '#d73a49', direct: '#2188ff' };

export class TransitionsView {
  private readonly counters: HTMLElement;
  private readonly lane: HTMLCanvasElement;
  private readonly rateBox: HTMLElement;
  private readonly costBox: HTMLElement;
  private readonly compare: HTMLElement;
  private readonly notice: HTMLElement;
  private rateChart: uPlot | undefined;
  private costChart: uPlot | undefined;
  private readonly rateData: [number[], number[], number[]] = [[], [], []];
  private last: TelemetrySnapshot | undefined;

  constructor(
    private readonly el: HTMLElement,
    api: LabApi,
  ) {
    this.notice = h('p', { class: 'muted', id: 'telemetry-notice' });
    this.counters = h('div', { class: 'counters', id: 'counters' });
    this.lane = h('canvas', { class: 'swimlane', id: 'swimlane', height: '180', role: 'img' });
    this.rateBox = h('div', { class: 'chart', id: 'rate-chart' });
    this.costBox = h('div', { class: 'chart', id: 'cost-chart' });
    this.compare = h('div', { class: 'compare', id: 'run-compare' });
    const reset = h('button', { id: 'telemetry-reset' }, 'Reset counters');
    reset.addEventListener('click', () => void api.resetTelemetry({}));
    el.append(
      this.notice,
      this.counters,
      reset,
      h('h4', {}, 'The last run’s transitions'),
      this.lane,
      h('h4', {}, 'Syscalls per second, whole guest (live)'),
      this.rateBox,
      h('h4', {}, 'Mean cost per syscall of the programs run (ns of guest time)'),
      this.costBox,
      h('h4', {}, 'Last runs, side by side'),
      this.compare,
    );
    api.on('telemetry', (s) => this.update(s));
    new ResizeObserver(() => this.resize()).observe(el); // the panes are resizable
    void api.getTelemetry({}).then((r) => r.ok && this.update(r.value));
  }

  update(s: TelemetrySnapshot): void {
    this.last = s;
    const [x, trap, direct] = this.rateData;
    x.push(Date.now() / 1000);
    trap.push(s.ratePerSec.trap);
    direct.push(s.ratePerSec.direct);
    if (x.length > RATE_SAMPLES) [x, trap, direct].forEach((a) => a.shift());
    this.render(s);
  }

  private render(s: TelemetrySnapshot): void {
    this.notice.textContent = s.available ? '' : `Telemetry: ${s.message}`;
    clear(
      this.counters,
      ...(['trap', 'direct'] as const).map((p) =>
        h(
          'div',
          { class: `counter counter-${p}`, 'data-path': p },
          h('span', { class: 'counter-name' }, p === 'trap' ? 'trapped (int 0x80 / sysenter)' : 'direct calls (ring-0 gate)'),
          h(
            'span',
            { class: 'counter-value', id: `count-${p}`, title: 'system calls of the programs run since the last reset (never the shells)' },
            fmt(s.totals[p]),
          ),
          h('span', { class: 'counter-rate', title: 'whole guest, live' }, `${fmt(Math.round(s.ratePerSec[p]))}/s in the guest`),
        ),
      ),
    );
    this.drawRates();
    this.drawLane(s.recent);
    this.drawCosts(s);
    this.renderCompare(s.lastRuns);
  }

  /** Takes the page theme's colours: the charts are built again (uPlot draws its axes on a canvas) and the lane redrawn. */
  restyle(): void {
    this.rateChart?.destroy();
    this.costChart?.destroy();
    this.rateChart = this.costChart = undefined;
    clear(this.rateBox);
    clear(this.costBox);
    if (this.last) this.render(this.last);
    else this.drawLane([]);
  }

  /** Called when the pane becomes visible: charts cannot size themselves while hidden. */
  resize(): void {
    if (this.el.clientWidth === 0) return;
    const width = Math.max(this.el.clientWidth - 24, 200);
    this.rateChart?.setSize({ width, height: 140 });
    this.costChart?.setSize({ width, height: 160 });
    // Charts are created on the first render while visible: updates that came while hidden could not.
    if (this.last) this.render(this.last);
  }

  private drawRates(): void {
    if (this.rateChart === undefined) {
      if (this.el.clientWidth === 0) return;
      this.rateChart = new uPlot(
        {
          width: Math.max(this.el.clientWidth - 24, 200),
          height: 140,
          series: [{}, { label: 'trap/s', stroke: COLORS.trap }, { label: 'direct/s', stroke: COLORS.direct }],
          axes: [themedAxis({}), themedAxis({ size: 72 })],
        },
        this.rateData,
        this.rateBox,
      );
    } else {
      this.rateChart.setData(this.rateData);
    }
  }

  private drawCosts(s: TelemetrySnapshot): void {
    const names = [...new Set(s.stats.map((r) => r.name))].slice(0, 12);
    const cost = (p: TransitionKind): Array<number | null> => names.map((n) => s.stats.find((r) => r.name === n && r.path === p)?.meanNs ?? null);
    const data: uPlot.AlignedData = [names.map((_, i) => i), cost('trap'), cost('direct')];
    if (names.length === 0) {
      if (this.costChart === undefined) clear(this.costBox, h('p', { class: 'muted' }, 'no syscalls recorded yet'));
      this.costChart?.setData([[], [], []]);
      return;
    }
    if (this.costChart === undefined) {
      if (this.el.clientWidth === 0) return;
      clear(this.costBox);
      const bars = uPlot.paths.bars!;
      this.costChart = new uPlot(
        {
          width: Math.max(this.el.clientWidth - 24, 200),
          height: 160,
          scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] } },
          series: [
            {},
            { label: 'trap (ns)', fill: COLORS.trap, stroke: COLORS.trap, paths: bars({ size: [0.4], align: -1 }), points: { show: false } },
            { label: 'direct (ns)', fill: COLORS.direct, stroke: COLORS.direct, paths: bars({ size: [0.4], align: 1 }), points: { show: false } },
          ],
          axes: [themedAxis({ values: (_u, ticks) => ticks.map((t) => this.costNames[t] ?? '') }), themedAxis({ size: 72 })],
        },
        data,
        this.costBox,
      );
    } else {
      this.costChart.setData(data);
    }
    this.costNames = names;
  }
  private costNames: string[] = [];

  private drawLane(spans: readonly TransitionSpan[]): void {
    const c = this.lane;
    const width = Math.max(this.el.clientWidth - 24, 200);
    if (c.width !== width) c.width = width;
    const g = c.getContext('2d');
    if (g === null) return;
    const H = c.height;
    const userY = 45;
    const kernelY = 135;
    g.clearRect(0, 0, width, H);
    g.font = '11px sans-serif';
    const ink = { text: cssColor('--fg'), label: cssColor('--lane-text') };
    g.fillStyle = cssColor('--lane-user');
    g.fillRect(0, 0, width, H / 2);
    g.fillStyle = cssColor('--lane-kernel');
    g.fillRect(0, H / 2, width, H / 2);
    g.strokeStyle = cssColor('--lane-line');
    g.setLineDash([4, 4]);
    g.beginPath();
    g.moveTo(0, H / 2);
    g.lineTo(width, H / 2);
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = ink.label;
    g.fillText('user lane (ring 3)', 4, 12);
    g.fillText('kernel lane (ring 0)', 4, H - 4);
    g.fillText('ring boundary', width - 80, H / 2 - 4);
    const shown = fitLane(spans, Math.max(2, Math.floor((width - 10) / 44)));
    // The same picture in words, for screen readers (and tests).
    c.setAttribute('aria-label', shown.length === 0 ? 'no syscalls yet' : shown.map((s) => `${s.name} ${s.path} ×${fmt(s.count)}`).join('; '));
    shown.forEach((s, i) => {
      const x = 10 + i * 44;
      if (s.name === EARLIER_CALLS) {
        // The run's calls before the ones drawn: one block with their count, so the lane adds up to the run.
        g.fillStyle = cssColor('--lane-earlier');
        g.fillRect(x, userY - 4, 36, kernelY - userY + 8);
        g.fillStyle = ink.text;
        g.fillText('earlier', x + 2, userY + 10);
        g.fillText(`×${compact(s.count)}`, x + 2, userY + 24);
        return;
      }
      g.strokeStyle = COLORS[s.path];
      g.fillStyle = COLORS[s.path];
      g.lineWidth = Math.min(1 + Math.log10(s.count), 5);
      g.beginPath();
      if (s.path === 'trap') {
        // Program code in ring 3 traps down into the kernel and returns up.
        g.moveTo(x, userY);
        g.lineTo(x + 10, kernelY);
        g.lineTo(x + 24, kernelY);
        g.lineTo(x + 34, userY);
      } else {
        // Program code already in ring 0: a plain call and return inside the kernel lane.
        g.moveTo(x, kernelY - 30);
        g.quadraticCurveTo(x + 17, kernelY + 10, x + 34, kernelY - 30);
      }
      g.stroke();
      g.fillStyle = ink.text;
      g.fillText(laneLabel(s.name), x, s.path === 'trap' ? userY - 8 : kernelY - 36);
      if (s.count > 1) g.fillText(`×${compact(s.count)}`, x + 4, kernelY + 14);
    });
    g.lineWidth = 1;
    if (shown.length === 0) {
      g.fillStyle = ink.label;
      g.fillText('no syscalls yet — run a program', width / 2 - 80, H / 2 + 16);
    }
  }

  private renderCompare(runs: Partial<Record<'user' | 'kernel', RunSummary>>): void {
    const column = (mode: 'user' | 'kernel'): HTMLElement => {
      const r = runs[mode];
      if (r === undefined) return h('div', { class: 'run-col', 'data-mode': mode }, h('h5', {}, `${mode} mode`), h('p', { class: 'muted' }, 'no run yet'));
      return h(
        'div',
        { class: 'run-col', 'data-mode': mode },
        h('h5', {}, `${mode} mode — ${r.file}`),
        h(
          'p',
          {},
          `${r.status}${r.exitCode !== undefined ? ` (exit ${r.exitCode})` : ''}, ${r.wallMs ?? '?'} ms wall${r.pid !== undefined ? `, pid ${r.pid}` : ''}`,
        ),
        h('p', {}, `trapped: ${fmt(r.totals.trap)}, direct: ${fmt(r.totals.direct)}`),
        r.notItemized > 0
          ? h('p', { class: 'muted' }, `${fmt(r.notItemized)} earlier calls are counted but not itemized below (the guest's record ring holds the last 2,048)`)
          : null,
        h(
          'table',
          { class: 'stats' },
          h('tr', {}, h('th', {}, 'syscall'), h('th', {}, 'path'), h('th', {}, 'count'), h('th', {}, 'mean ns')),
          ...r.syscalls.map((s) => h('tr', {}, h('td', {}, s.name), h('td', {}, s.path), h('td', {}, fmt(s.count)), h('td', {}, fmt(Math.round(s.meanNs))))),
        ),
      );
    };
    clear(this.compare, column('user'), column('kernel'), comparison(runs));
  }
}

/** The two runs against each other: ratios of time and calls, and what each call costs on each path. */
function comparison(runs: Partial<Record<'user' | 'kernel', RunSummary>>): HTMLElement | null {
  const { user, kernel } = runs;
  if (user === undefined || kernel === undefined) return null;
  const lines: string[] = [];
  if (user.wallMs && kernel.wallMs) lines.push(`kernel mode took ${ratio(kernel.wallMs / user.wallMs)} the wall time of user mode`);
  const calls = (r: RunSummary): number => r.totals.trap + r.totals.direct;
  if (calls(user) > 0)
    lines.push(`kernel mode made ${ratio(calls(kernel) / calls(user))} the system calls of user mode (${fmt(calls(kernel))} vs ${fmt(calls(user))})`);
  for (const k of kernel.syscalls) {
    const u = user.syscalls.find((x) => x.name === k.name);
    if (u === undefined || k.meanNs <= 0) continue;
    const diff = u.meanNs - k.meanNs;
    const how = diff >= 0 ? `${fmt(Math.round(diff))} ns (${(u.meanNs / k.meanNs).toFixed(1)}×) cheaper` : `${fmt(Math.round(-diff))} ns dearer`;
    lines.push(`${k.name}: ${fmt(Math.round(k.meanNs))} ns direct vs ${fmt(Math.round(u.meanNs))} ns trapped — ${how} per call`);
  }
  return h('div', { class: 'run-ratio', id: 'run-ratio' }, h('h5', {}, 'kernel mode against user mode'), ...lines.map((l) => h('p', {}, l)));
}

/** A chart axis in the page theme's colours. */
function themedAxis(axis: uPlot.Axis): uPlot.Axis {
  const grid = cssColor('--chart-grid');
  return { ...axis, stroke: cssColor('--fg'), grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

function ratio(x: number): string {
  return `${x.toFixed(2)}×`;
}

/** Numbers with thousands separators, the same everywhere in the view. */
function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Short counts for the lane's narrow slots: 98k, 1.2M. */
function compact(n: number): string {
  return n < 10_000 ? String(n) : n < 1_000_000 ? `${Math.round(n / 1000)}k` : `${(n / 1_000_000).toFixed(1)}M`;
}

/** At most `slots` spans: the ones that do not fit join the leading "earlier calls" span, so the lane still adds up to the run. */
function fitLane(spans: readonly TransitionSpan[], slots: number): TransitionSpan[] {
  if (spans.length <= slots) return [...spans];
  const kept = spans.slice(-(slots - 1));
  const folded = spans.slice(0, spans.length - kept.length).reduce((a, s) => a + s.count, 0);
  return [{ seq: -1, name: EARLIER_CALLS, path: kept[0]!.path, count: folded, meanNs: 0 }, ...kept];
}

/** Short enough for a 44-pixel slot. */
function laneLabel(name: string): string {
  return name.slice(0, 7);
}

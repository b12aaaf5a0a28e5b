// The benchmarks view: what `npm run bench` measured here next to what the
// Kernel Mode Linux paper reports (find 14% faster in kernel mode, echod 4 µs
// lower latency), or a clear "nothing yet, run …" when there are no results.

import type { BenchPoint, BenchReply, LabApi } from '../../preload/contract.js';
import { clear, h } from './dom.js';

export class BenchmarksView {
  constructor(private readonly el: HTMLElement, private readonly api: LabApi) {}

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
    const problems = r.problems.length > 0 ? h('ul', { class: 'error' }, ...r.problems.map((p) => h('li', {}, p))) : null;
    if (r.points.length === 0) {
      clear(
        this.el,
        h('div', { class: 'bench-empty', id: 'bench-empty' }, h('p', {}, 'No benchmark results yet.'), h('p', {}, 'Run ', h('code', {}, 'npm run bench'), ` — it writes ${r.directory}/*.json, which this view reads.`)),
        problems,
        refresh,
      );
      return;
    }
    clear(this.el, h('p', { class: 'muted' }, `From ${r.files.join(', ')} in ${r.directory}`), ...r.points.map(pointRow), problems, refresh);
  }
}

function pointRow(p: BenchPoint): HTMLElement {
  const max = Math.max(Math.abs(p.ours), Math.abs(p.paper ?? 0), 1e-9);
  const bar = (who: string, value: number | undefined, cls: string): HTMLElement =>
    h(
      'div',
      { class: 'bench-bar-row' },
      h('span', { class: 'bench-who' }, who),
      value === undefined ? h('span', { class: 'muted' }, 'no figure') : h('span', { class: `bench-bar ${cls}`, style: `width:${Math.round((Math.abs(value) / max) * 100)}%` }),
      h('span', { class: 'bench-val' }, value === undefined ? '' : `${round(value)} ${p.unit}`),
    );
  return h('div', { class: 'bench-point', 'data-bench': p.name }, h('h5', {}, `${p.name}: ${p.metric}`), bar('ours', p.ours, 'ours'), bar('paper', p.paper, 'paper'));
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

// A grouped bar chart of speed-up ratios on one shared log axis: per
// experiment a bar for ours and one for the paper's, growing from 1× (right:
// kernel mode faster, left: slower). Plain SVG, so every bar carries its own
// accessible name; the view beside it has the same numbers as a table.

import type { BenchRatio } from '../../preload/contract.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const LABEL_W = 150;
const RIGHT_PAD = 70;
const BAR_H = 14;
const GROUP_H = 2 * BAR_H + 16;
const AXIS_H = 28;
/** Candidate tick values; those inside the domain are drawn. */
const TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: Array<Node | string>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

export function formatRatio(v: number): string {
  return `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
}

/** The chart for one run's ratios; `label` names it for screen readers. */
export function ratioChart(ratios: readonly BenchRatio[], label: string): SVGSVGElement {
  const values = ratios.flatMap((r) => [r.ours, r.paper]).filter((v): v is number => v !== undefined && v > 0);
  const lo = Math.min(0.5, ...values.map((v) => v / 1.25));
  const hi = Math.max(2, ...values.map((v) => v * 1.25));
  const plotW = WIDTH - LABEL_W - RIGHT_PAD;
  const x = (v: number): number => LABEL_W + ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotW;
  const height = ratios.length * GROUP_H + AXIS_H;
  const plotBottom = ratios.length * GROUP_H;

  const chart = svg('svg', { class: 'ratio-chart', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': label });
  for (const t of TICKS.filter((t) => t >= lo && t <= hi)) {
    chart.append(
      svg('line', { class: t === 1 ? 'axis-one' : 'gridline', x1: x(t), x2: x(t), y1: 0, y2: plotBottom }),
      svg('text', { class: 'tick', x: x(t), y: plotBottom + 16, 'text-anchor': 'middle' }, formatRatio(t).replace(/\.0+×$/, '×')),
    );
  }
  ratios.forEach((r, i) => {
    const top = i * GROUP_H + 4;
    const group = svg('g', { class: 'ratio-group', 'data-experiment': r.experiment });
    group.append(svg('text', { class: 'group-label', x: 0, y: top + BAR_H + 4 }, r.experiment));
    group.append(bar(r.experiment, 'ours', r.ours, r.oursBasis, top, x));
    group.append(bar(r.experiment, 'paper', r.paper, r.paperBasis, top + BAR_H + 2, x));
    chart.append(group);
  });
  return chart;
}

function bar(experiment: string, who: 'ours' | 'paper', value: number | undefined, basis: string, y: number, x: (v: number) => number): SVGGElement {
  const name = `${experiment}, ${who}: ${value === undefined ? 'no ratio' : formatRatio(value)} (${basis})`;
  const g = svg('g', { class: `ratio-bar ${who}`, role: 'img', 'aria-label': name }, svg('title', {}, name));
  if (value === undefined || value <= 0) {
    g.append(svg('text', { class: 'bar-value muted', x: x(1) + 4, y: y + BAR_H - 3 }, `${who}: no ratio`));
    return g;
  }
  const [from, to] = value >= 1 ? [x(1), x(value)] : [x(value), x(1)];
  g.append(
    svg('rect', { x: from, y, width: Math.max(1, to - from), height: BAR_H }),
    svg('text', { class: 'bar-value', x: to + 4, y: y + BAR_H - 3 }, `${who} ${formatRatio(value)}`),
  );
  return g;
}

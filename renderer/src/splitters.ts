// Resizable panes: a splitter between two panes sets the size of one of them
// (a CSS variable the grid reads), dragged with the mouse or moved with the
// keyboard as an ARIA window splitter (role=separator, focusable,
// aria-valuenow in pixels; arrows move it, Shift+arrows faster, Home/End to
// the limits, Enter back to the default). Each pane keeps a minimum and so
// does the pane on the other side; sizes are reported for the session.

import { h } from './dom.js';

export interface SplitterSpec {
  /** The session's key for this size. */
  name: string;
  /** Accessible name, e.g. "resize the terminals". */
  label: string;
  /** 'row': the panes are stacked and the splitter is a horizontal bar; 'column': side by side. */
  axis: 'row' | 'column';
  /** The pane whose size the splitter sets, and the one that gives or takes the difference. */
  sized: HTMLElement;
  other: HTMLElement;
  /** Whether the sized pane comes after the splitter (below / right of it): dragging towards it shrinks it. */
  sizedAfter: boolean;
  /** The element the CSS variable is set on, and the variable's name. */
  host: HTMLElement;
  cssVar: string;
  minPx: number;
  otherMinPx: number;
}

const STEP_PX = 10;
const BIG_STEP_PX = 50;

export interface Splitters {
  /** The current sizes by name ("240px"), for the session; only the ones the person set. */
  sizes(): Record<string, string>;
  /** Applies stored sizes (e.g. from the last session). */
  apply(sizes: Record<string, string>): void;
}

/** Creates one splitter element per spec (the caller places them in the layout). */
export function createSplitters(specs: readonly SplitterSpec[], onChange: () => void): { elements: Record<string, HTMLElement>; splitters: Splitters } {
  const set = new Map<string, number>();
  const elements: Record<string, HTMLElement> = {};
  const extent = (el: HTMLElement, axis: SplitterSpec['axis']): number => {
    const r = el.getBoundingClientRect();
    return axis === 'row' ? r.height : r.width;
  };

  const items = specs.map((spec) => {
    const el = h('div', {
      class: `splitter splitter-${spec.axis}`,
      role: 'separator',
      tabindex: '0',
      id: `splitter-${spec.name}`,
      'aria-label': spec.label,
      'aria-orientation': spec.axis === 'row' ? 'horizontal' : 'vertical',
      'aria-valuemin': String(spec.minPx),
      title: `${spec.label}: drag, or focus and use the arrow keys (Shift: faster, Home/End: limits, Enter: default size)`,
    });
    elements[spec.name] = el;

    /** The largest size the sized pane may take now: the room both panes share, less the other's minimum. */
    const maxPx = (): number => Math.max(spec.minPx, extent(spec.sized, spec.axis) + extent(spec.other, spec.axis) - spec.otherMinPx);
    const clamp = (px: number): number => Math.round(Math.min(Math.max(px, spec.minPx), maxPx()));
    const show = (): void => {
      el.setAttribute('aria-valuenow', String(Math.round(extent(spec.sized, spec.axis))));
      el.setAttribute('aria-valuemax', String(Math.round(maxPx())));
    };
    const resize = (px: number | null, notify = true): void => {
      if (px === null) {
        set.delete(spec.name);
        spec.host.style.removeProperty(spec.cssVar);
      } else {
        const v = clamp(px);
        set.set(spec.name, v);
        spec.host.style.setProperty(spec.cssVar, `${v}px`);
      }
      show();
      if (notify) onChange();
    };

    el.addEventListener('keydown', (ev) => {
      const now = extent(spec.sized, spec.axis);
      const step = ev.shiftKey ? BIG_STEP_PX : STEP_PX;
      // Arrows move the splitter; the sized pane grows when the splitter moves away from it.
      const towardsStart = spec.axis === 'row' ? ev.key === 'ArrowUp' : ev.key === 'ArrowLeft';
      const towardsEnd = spec.axis === 'row' ? ev.key === 'ArrowDown' : ev.key === 'ArrowRight';
      let next: number | null | undefined;
      if (towardsStart || towardsEnd) next = now + (towardsStart === spec.sizedAfter ? step : -step);
      else if (ev.key === 'Home') next = spec.minPx;
      else if (ev.key === 'End') next = maxPx();
      else if (ev.key === 'Enter') next = null;
      else return;
      ev.preventDefault();
      resize(next);
    });

    el.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      ev.preventDefault();
      el.setPointerCapture(ev.pointerId);
      el.classList.add('dragging');
      const start = spec.axis === 'row' ? ev.clientY : ev.clientX;
      const startSize = extent(spec.sized, spec.axis);
      const move = (m: PointerEvent): void => {
        const delta = (spec.axis === 'row' ? m.clientY : m.clientX) - start;
        resize(startSize + (spec.sizedAfter ? -delta : delta));
      };
      const up = (): void => {
        el.classList.remove('dragging');
        el.removeEventListener('pointermove', move);
        el.removeEventListener('pointerup', up);
        el.removeEventListener('pointercancel', up);
      };
      el.addEventListener('pointermove', move);
      el.addEventListener('pointerup', up);
      el.addEventListener('pointercancel', up);
    });
    el.addEventListener('dblclick', () => resize(null));
    return { spec, show, resize };
  });

  // A smaller window may leave a stored size too big: the minimums still hold.
  window.addEventListener('resize', () => {
    for (const it of items) {
      const px = set.get(it.spec.name);
      if (px !== undefined) it.resize(px, false);
      else it.show();
    }
  });
  requestAnimationFrame(() => items.forEach((it) => it.show()));

  return {
    elements,
    splitters: {
      sizes: () => Object.fromEntries([...set].map(([name, px]) => [name, `${px}px`])),
      apply(sizes) {
        for (const it of items) {
          const px = Number.parseFloat(sizes[it.spec.name] ?? '');
          if (Number.isFinite(px)) {
            set.set(it.spec.name, px);
            it.spec.host.style.setProperty(it.spec.cssVar, `${px}px`);
          }
        }
        // Clamp against the laid-out panes once the browser has placed them.
        requestAnimationFrame(() => {
          for (const it of items) {
            const px = set.get(it.spec.name);
            if (px !== undefined) it.resize(px, false);
            else it.show();
          }
        });
      },
    },
  };
}

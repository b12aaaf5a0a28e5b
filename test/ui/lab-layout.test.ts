// The lab's layout in Chromium at a small window (1024×700): the editor's
// share of it, splitters between the editor, the side panels, the problems
// list and the terminals (mouse, keyboard, minimums, kept across a reload),
// the dark theme (system setting, header toggle, kept choice; the editor,
// terminals, charts and swimlane all follow it), and the keyboard's ways
// around: out of a terminal, and Ctrl+Enter in the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser } from '../../bench/chromium.js';

const SMALL = { width: 1024, height: 700 };

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted');
}

/** Height or width of an element in CSS pixels. */
async function size(page: Page, selector: string, axis: 'height' | 'width'): Promise<number> {
  const box = await page.locator(selector).boundingBox();
  assert.ok(box, `${selector} is laid out`);
  return Math.round(axis === 'height' ? box.height : box.width);
}

async function valueNow(page: Page, splitter: string): Promise<number> {
  return Number(await page.getAttribute(`#splitter-${splitter}`, 'aria-valuenow'));
}

/** Drags a splitter by (dx, dy) with the mouse. */
async function drag(page: Page, splitter: string, dx: number, dy: number): Promise<void> {
  const box = await page.locator(`#splitter-${splitter}`).boundingBox();
  assert.ok(box);
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2);
  await page.mouse.move(x + dx, y + dy);
  await page.mouse.up();
}

/** Relative luminance (0 dark … 255 light) of a CSS colour as getComputedStyle reports it. */
function lightness(css: string): number {
  const m = css.match(/rgba?\((\d+), (\d+), (\d+)/);
  assert.ok(m, `a colour: ${css}`);
  return 0.2126 * Number(m[1]) + 0.7152 * Number(m[2]) + 0.0722 * Number(m[3]);
}

/** The computed colours the theme must set, by part of the page. */
async function themeColours(page: Page): Promise<Record<string, number>> {
  const css = await page.evaluate(() => {
    const bg = (s: string): string => getComputedStyle(document.querySelector(s)!).backgroundColor;
    return {
      page: bg('body'),
      editor: bg('.cm-editor'),
      gutter: bg('.cm-gutters'),
      terminal: bg('.term-pane[data-port="0"] .xterm-scrollable-element'),
      statusline: bg('#status'),
      text: getComputedStyle(document.querySelector('.cm-content')!).color,
    };
  });
  return Object.fromEntries(Object.entries(css).map(([k, v]) => [k, lightness(v)]));
}

/** What the canvases drew: the swimlane's user-lane background; the rate chart's brightest opaque pixel and its share of near-white ones. */
async function canvasInk(page: Page): Promise<{ lane: number; chartBrightest: number; chartWhiteShare: number }> {
  return page.evaluate(() => {
    const lane = document.getElementById('swimlane') as HTMLCanvasElement;
    const [r, g, b] = lane.getContext('2d')!.getImageData(lane.width - 20, 20, 1, 1).data;
    const chart = document.querySelector('#rate-chart canvas') as HTMLCanvasElement;
    const d = chart.getContext('2d')!.getImageData(0, 0, chart.width, chart.height).data;
    let brightest = 0;
    let white = 0;
    for (let i = 0; i < d.length; i += 4) {
      const l = 0.2126 * d[i]! + 0.7152 * d[i + 1]! + 0.0722 * d[i + 2]!;
      if (d[i + 3]! > 200) brightest = Math.max(brightest, l);
      if (d[i + 3]! > 200 && l > 240) white++;
    }
    return { lane: 0.2126 * r! + 0.7152 * g! + 0.0722 * b!, chartBrightest: brightest, chartWhiteShare: white / (d.length / 4) };
  });
}

test('layout: the editor at 1024×700, splitters by mouse and keyboard, kept after a reload', async (t) => {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0 });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, 'lab-layout', { viewport: SMALL });
  t.after(() => b.close());
  const { page } = b;
  await ready(page);

  const editorLines = async (): Promise<number> =>
    page.evaluate(() => Math.floor(document.querySelector('.cm-scroller')!.clientHeight / document.querySelector('.cm-line')!.getBoundingClientRect().height));
  const lines = await editorLines();
  t.diagnostic(`editor lines at 1024×700 with the default panes: ${lines}`);
  assert.ok(lines >= 14, `the editor shows ${lines} lines at 1024×700 (it showed 7 before the layout was reworked)`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), SMALL.width, 'nothing is wider than the window');

  // Every splitter is an ARIA window splitter.
  for (const name of ['side', 'problems', 'terminals']) {
    const s = page.locator(`#splitter-${name}`);
    assert.equal(await s.getAttribute('role'), 'separator');
    assert.equal(await s.getAttribute('tabindex'), '0');
    assert.match((await s.getAttribute('aria-label')) ?? '', /^resize the /);
    assert.equal(
      await valueNow(page, name),
      await size(page, { side: '.right', problems: '#problems', terminals: '#terminals' }[name]!, name === 'side' ? 'width' : 'height'),
    );
  }
  assert.equal(await page.getByRole('separator', { name: 'resize the terminals' }).getAttribute('aria-orientation'), 'horizontal');
  assert.equal(await page.getByRole('separator', { name: 'resize the side panels' }).getAttribute('aria-orientation'), 'vertical');

  await t.test('keyboard: arrows, Shift+arrows, Home (the minimum), Enter (the default)', async () => {
    const terminals0 = await size(page, '#terminals', 'height');
    await page.focus('#splitter-terminals');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await size(page, '#terminals', 'height'), terminals0 + 20, 'the splitter moved up: the terminals grew');
    await page.keyboard.press('Shift+ArrowDown');
    assert.equal(await size(page, '#terminals', 'height'), terminals0 - 30);
    assert.equal(await valueNow(page, 'terminals'), terminals0 - 30);
    await page.keyboard.press('Home');
    assert.equal(await size(page, '#terminals', 'height'), 80, 'the terminals keep their minimum');
    await page.keyboard.press('Enter');
    assert.equal(await size(page, '#terminals', 'height'), terminals0, 'Enter restores the default size');

    const side0 = await size(page, '.right', 'width');
    await page.focus('#splitter-side');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await size(page, '.right', 'width'), side0 + 10, 'the splitter moved left: the side panels grew');
    await page.keyboard.press('ArrowRight');
    assert.equal(await size(page, '.right', 'width'), side0);
  });

  await t.test('mouse: dragging, and the minimums on both sides', async () => {
    const side0 = await size(page, '.right', 'width');
    await drag(page, 'side', -120, 0);
    assert.equal(await size(page, '.right', 'width'), side0 + 120, 'dragged left by 120 px');
    await drag(page, 'side', -2000, 0);
    assert.equal(await size(page, '.left', 'width'), 320, 'the editor keeps its minimum width');
    await drag(page, 'side', 2000, 0);
    assert.equal(await size(page, '.right', 'width'), 260, 'the side panels keep theirs');

    await drag(page, 'terminals', 0, 3000);
    assert.equal(await size(page, '#terminals', 'height'), 80, 'the terminals keep their minimum height');
    await drag(page, 'terminals', 0, -3000);
    assert.equal(await size(page, 'main', 'height'), 140, 'the editor and panels keep theirs');

    await page.focus('#splitter-terminals');
    await page.keyboard.press('Enter'); // room for the problems list again
    const problems0 = await size(page, '#problems', 'height');
    await drag(page, 'problems', 0, -40);
    assert.equal(await size(page, '#problems', 'height'), problems0 + 40, 'the problems list grew by 40 px');
  });

  await t.test('the sizes are kept in the session and come back after a reload', async () => {
    await page.focus('#splitter-terminals');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowDown'); // 100 px smaller than the largest
    await drag(page, 'side', 300, 0);
    const before = {
      side: await size(page, '.right', 'width'),
      problems: await size(page, '#problems', 'height'),
      terminals: await size(page, '#terminals', 'height'),
    };
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('tal-lab.session.v1') ?? '{}').panes?.terminals !== undefined);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('tal-lab.session.v1')!).panes);
    assert.deepEqual(stored, { side: `${before.side}px`, problems: `${before.problems}px`, terminals: `${before.terminals}px` });
    await b.shot('resized');
    await page.reload();
    await ready(page);
    await page.waitForFunction((h) => document.getElementById('splitter-terminals')?.getAttribute('aria-valuenow') === String(h), before.terminals);
    const after = {
      side: await size(page, '.right', 'width'),
      problems: await size(page, '#problems', 'height'),
      terminals: await size(page, '#terminals', 'height'),
    };
    assert.deepEqual(after, before);
    // A smaller window: the stored sizes give way so the minimums still hold.
    await page.setViewportSize({ width: 900, height: 500 });
    await page.waitForFunction(() => document.querySelector('main')!.getBoundingClientRect().height >= 140);
    assert.ok((await size(page, '.left', 'width')) >= 320);
    await page.setViewportSize(SMALL);
  });

  await t.test('keyboard: the way out of a terminal is shown and works both ways; Ctrl+Enter in the editor runs and inserts nothing', async () => {
    assert.equal(await page.locator('#term-hint').isVisible(), true);
    assert.equal(await page.textContent('#term-hint'), 'Esc then Tab leaves the terminal');
    assert.equal(await page.getAttribute('.term-pane[data-port="0"]', 'title'), 'Esc then Tab leaves the terminal');
    await page.click('.term-pane[data-port="0"]');
    await page.keyboard.press('Tab'); // a plain Tab stays in the terminal: it is the guest shell's completion
    assert.ok(await page.evaluate(() => document.activeElement?.closest('.term-pane') !== null));
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+Tab');
    assert.ok(await page.evaluate(() => document.activeElement?.closest('.term-pane') === null), 'Escape then Shift+Tab left the terminal');

    const lineCount = async (): Promise<number> => page.locator('.cm-line').count();
    await page.click('.cm-content');
    const n = await lineCount();
    await page.evaluate(() => (document.getElementById('status')!.dataset['run'] = ''));
    await page.keyboard.press('Control+Enter');
    // No guest runs in this shell: the run is answered at once, which shows Ctrl+Enter ran.
    await page.waitForFunction(() => (document.getElementById('status')?.dataset['run'] ?? '') !== '');
    assert.equal(await lineCount(), n, 'Ctrl+Enter inserted no line');
  });

  assert.deepEqual(b.errors, []);
});

test('dark theme: follows the system, the header toggle overrides it and is kept; every part follows', async (t) => {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0 });
  t.after(() => shell.close());

  await t.test('a dark system: everything is dark, the canvases too', async (tt) => {
    const b = await openBrowser(shell.url, 'lab-theme-dark', { viewport: SMALL, colorScheme: 'dark' });
    tt.after(() => b.close());
    const { page } = b;
    await ready(page);
    await page.click('#tab-transitions');
    await page.waitForSelector('#rate-chart canvas');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await page.getAttribute('#theme-toggle', 'aria-pressed'), 'true');
    const dark = await themeColours(page);
    for (const part of ['page', 'editor', 'gutter', 'terminal', 'statusline']) assert.ok(dark[part]! < 50, `${part} is dark: ${JSON.stringify(dark)}`);
    assert.ok(dark['text']! > 150, `editor text is light: ${dark['text']}`);
    const ink = await canvasInk(page);
    assert.ok(ink.lane < 50, `the swimlane is dark: ${JSON.stringify(ink)}`);
    assert.ok(ink.chartBrightest > 150, `the chart's axes are drawn in light ink: ${JSON.stringify(ink)}`);
    assert.ok(ink.chartWhiteShare < 0.001, `no white area in the chart: ${ink.chartWhiteShare}`);
    await b.shot('dark');

    // The toggle: light, kept over a reload although the system stays dark.
    await page.click('#theme-toggle');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    assert.equal(await page.getAttribute('#theme-toggle', 'aria-pressed'), 'false');
    const light = await themeColours(page);
    for (const part of ['page', 'editor', 'terminal']) assert.ok(light[part]! > 200, `${part} is light after the toggle: ${JSON.stringify(light)}`);
    assert.ok((await canvasInk(page)).lane > 200, 'the swimlane was redrawn light');
    await page.reload();
    await ready(page);
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light', 'the choice is kept');
    // Choosing what the system says again: the page follows the system from then on.
    await page.click('#theme-toggle');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await page.evaluate(() => localStorage.getItem('tal-lab.theme')), null);
    assert.deepEqual(b.errors, []);
  });

  await t.test('a light system: light by default; the toggle makes it dark and it stays dark', async (tt) => {
    const b = await openBrowser(shell.url, 'lab-theme-light', { viewport: SMALL, colorScheme: 'light' });
    tt.after(() => b.close());
    const { page } = b;
    await ready(page);
    await page.click('#tab-transitions');
    await page.waitForSelector('#rate-chart canvas');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    const light = await themeColours(page);
    for (const part of ['page', 'editor', 'terminal']) assert.ok(light[part]! > 200, `${part} is light: ${JSON.stringify(light)}`);
    await b.shot('light');
    await page.click('#theme-toggle');
    await page.reload();
    await ready(page);
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', 'the choice is kept');
    await page.click('#tab-transitions');
    await page.waitForSelector('#rate-chart canvas');
    assert.ok((await themeColours(page))['terminal']! < 50);
    assert.ok((await canvasInk(page)).lane < 50);
    assert.deepEqual(b.errors, []);
  });
});

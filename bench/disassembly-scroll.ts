// A large program in the lab's disassembly pane: a generated program of
// 10,000 instruction lines is opened, and the listing is scrolled from top to
// bottom a viewport at a time, one frame per step, checking that the rows in
// view are the right ones and timing the frames (requestAnimationFrame gaps)
// and long tasks. The UI test (test/ui/lab-large-program.test.ts) checks the
// rows; `npm run bench` (bench/bounds.ts) holds the ≤ 100 ms frame goal.

import type { Page } from 'playwright-core';

export const LARGE_PROGRAM_LINES = 10_000;
/** Source lines before the first instruction (.code, main's label and type). */
const FIRST_INSTRUCTION_LINE = 3;

/** An accepted program of `lines` instruction lines (and a ret), the same instruction pair over and over. */
export function largeProgram(lines = LARGE_PROGRAM_LINES): string {
  const main = 'main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}';
  return `.code\n${main}\n${'  mov eax, 1\n  add eax, eax\n'.repeat(lines / 2)}  ret\n`;
}

export interface ScrollReport {
  /** Rows of the listing (labels and instructions). */
  rows: number;
  steps: number;
  /** The row of the program's first instruction (the runtime's rows and main's label come before it); -1 if never seen. */
  firstInstructionRow: number;
  /** Rows rendered in the page at the end (the window, not the listing). */
  rowsInPage: number;
  /** Steps whose top row was not the one expected, described. */
  wrongRows: string[];
  /** The largest source line among the rows in the page at the end (the program's ret). */
  lastSourceLine: number;
  worstFrameMs: number;
  medianFrameMs: number;
  p95FrameMs: number;
  longTasks: number;
  longestTaskMs: number;
}

/**
 * Replaces the editor's text with largeProgram(lines) as a paste (how a person brings in a big program; typing it
 * through the browser's input path costs Chromium minutes of its own) and waits until it is checked.
 */
export async function pasteLargeProgram(page: Page, timeoutMs: number, lines = LARGE_PROGRAM_LINES): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    document.querySelector('.cm-content')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, largeProgram(lines));
  // The paste set "checking…" as it landed; wait for the verdict on the new text.
  await page.waitForFunction(() => document.getElementById('check-state')?.textContent === '✓ accepted', undefined, { timeout: timeoutMs });
}

/** Opens the disassembly of the program in the editor (already checked) and reports when its rows are in the page. */
export async function openDisassembly(page: Page, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await page.click('#tab-disassembly');
  await page.waitForSelector('#dis-scroll .dis-row', { timeout: timeoutMs });
  return Date.now() - t0;
}

/** Scrolls the listing of largeProgram(lines) end to end, a viewport a frame, and checks every step's top row against the program's layout. */
export async function scrollDisassembly(page: Page, lines = LARGE_PROGRAM_LINES): Promise<ScrollReport> {
  return page.evaluate(
    async ({ firstLine, lines }) => {
      const ROW_PX = 18;
      const scroller = document.getElementById('dis-scroll')!;
      const spacer = scroller.firstElementChild as HTMLElement;
      const rows = Math.round(spacer.getBoundingClientRect().height / ROW_PX);
      let longTasks = 0;
      let longestTaskMs = 0;
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          longTasks++;
          longestTaskMs = Math.max(longestTaskMs, e.duration);
        }
      });
      observer.observe({ type: 'longtask', buffered: false });
      const frame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));
      const gaps: number[] = [];
      const wrongRows: string[] = [];
      const view = scroller.getBoundingClientRect();
      let previous = await frame();
      let steps = 0;
      let firstInstructionRow: number | null = null;
      for (let top = 0; ; top += scroller.clientHeight) {
        scroller.scrollTop = top;
        const now = await frame();
        gaps.push(now - previous);
        previous = now;
        steps++;
        // The row under the scroller's top edge. The listing is the runtime (its labels and rows), main's label, and the
        // instructions of lines 3..n+3 in order: once the first instruction row is seen, every later row's line follows
        // from its position.
        const index = Math.floor((scroller.scrollTop + 1) / ROW_PX);
        const el = document.elementFromPoint(view.left + 30, view.top + 1)?.closest<HTMLElement>('.dis-row, .dis-label');
        const line = el?.dataset['line'] === undefined ? null : Number(el.dataset['line']);
        const found = !el ? 'nothing' : el.classList.contains('dis-label') ? 'label' : line === null ? 'runtime' : `line ${line}`;
        if (firstInstructionRow === null && line !== null) firstInstructionRow = index - (line - firstLine);
        const expected =
          firstInstructionRow === null || index < firstInstructionRow - 1
            ? ['label', 'runtime']
            : index === firstInstructionRow - 1
              ? ['label']
              : index <= firstInstructionRow + lines
                ? [`line ${index - firstInstructionRow + firstLine}`]
                : ['label', 'runtime'];
        if (!expected.includes(found) && wrongRows.length < 10)
          wrongRows.push(`row ${index} at ${scroller.scrollTop}px: expected ${expected.join(' or ')}, found ${found}`);
        if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1) break;
      }
      observer.disconnect();
      const lastSourceLine = Math.max(0, ...[...scroller.querySelectorAll<HTMLElement>('.dis-row[data-line]')].map((r) => Number(r.dataset['line'])));
      const sorted = [...gaps].sort((a, b) => a - b);
      return {
        rows,
        steps,
        firstInstructionRow: firstInstructionRow ?? -1,
        rowsInPage: scroller.querySelectorAll('.dis-row, .dis-label').length,
        wrongRows,
        lastSourceLine,
        worstFrameMs: sorted[sorted.length - 1] ?? 0,
        medianFrameMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
        p95FrameMs: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
        longTasks,
        longestTaskMs,
      };
    },
    { firstLine: FIRST_INSTRUCTION_LINE, lines },
  );
}

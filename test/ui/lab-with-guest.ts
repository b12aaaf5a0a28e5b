// The UI tests that need the real guest start the same way: a web shell that
// boots the VM, the lab in Chromium, and a wait until the header says the
// guest runs (or failed, which the caller's assertion then shows in words).

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { resolveLabPaths } from '../../main/app/resource-paths.js';
import { startWebShell } from '../../main/web/web-shell.js';
import { openBrowser, type BrowserSession } from '../../bench/chromium.js';

/** A hang detector for a boot on a loaded 2-core machine, not a speed bound. */
export const BOOT_TIMEOUT_MS = 240_000;

/** A program that runs until it is stopped: the runaway the run-control tests end. */
export const SPIN = `.code
main: forall s:stack. code {EBX: argv, ESP: sptr (code {EAX: int, ESP: sptr s}) :: s}
spin:
        jmp spin
`;

/** The lab with a running guest; closed when the test ends. `name` names the screenshots' folder. */
export async function openLabWithGuest(t: TestContext, name: string): Promise<BrowserSession> {
  const shell = await startWebShell({ paths: resolveLabPaths(), port: 0, bootVm: true });
  t.after(() => shell.close());
  const b = await openBrowser(shell.url, name);
  t.after(() => b.close());
  await b.page.waitForFunction(() => ['running', 'failed'].includes(document.getElementById('vm-state')?.dataset['state'] ?? ''), undefined, {
    timeout: BOOT_TIMEOUT_MS,
  });
  assert.equal(await b.page.getAttribute('#vm-state', 'data-state'), 'running', (await b.page.textContent('#vm-state')) ?? '');
  return b;
}

// Drives Debian's Chromium with playwright-core (no browser download): a fresh
// profile per launch, and screenshots saved to test-artifacts/. Shared by the
// UI tests and the benchmark's frame-time goal (bench/bounds.ts).

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { APP_ROOT } from '../main/app/resource-paths.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(APP_ROOT, 'test-artifacts');

export interface BrowserSession {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface BrowserOptions {
  /** The window's size; 1400×900 unless told. */
  viewport?: { width: number; height: number };
  /** The system colour scheme the page sees (prefers-color-scheme). */
  colorScheme?: 'light' | 'dark';
}

/** Opens `url` in Chromium; a missing browser fails the test with what to install (.ci/run installs it). */
export async function openBrowser(url: string, artifactDir: string, opts: BrowserOptions = {}): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  const profile = await mkdtemp(path.join(tmpdir(), 'tal-lab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: opts.viewport ?? { width: 1400, height: 900 },
    colorScheme: opts.colorScheme ?? 'light',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const dir = path.join(ARTIFACTS, artifactDir);
  await rm(dir, { recursive: true, force: true }); // only this run's screenshots
  await mkdir(dir, { recursive: true });
  let n = 0;
  await page.goto(url);
  return {
    page,
    context,
    errors,
    async shot(name) {
      const file = path.join(dir, `${String(++n).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

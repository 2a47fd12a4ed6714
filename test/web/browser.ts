import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';
import { CHROMIUM } from '../helpers/chromium.js';

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

/** Waits in these tests: generous for a loaded 2-core machine, never fixed sleeps. */
export const UI_TIMEOUT = 20_000;

export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

/**
 * One headless Debian Chromium per test file, driven by playwright-core (the global setup
 * installs it when missing). Playwright gives it a fresh profile (user-data-dir) in the
 * system temp folder and removes it on close. The flags keep Chromium off the network: this
 * machine has none, and its background services would only fail.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface UiPage {
  page: Page;
  context: BrowserContext;
  /** Page errors and console errors (a CSP violation shows up here), minus failed requests. */
  problems: string[];
}

const open: BrowserContext[] = [];

afterEach(async () => {
  for (const context of open.splice(0)) await context.close();
});

/** A new context and page at `url` (closed after the test). */
export async function openUi(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number } = LAPTOP,
): Promise<UiPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  open.push(context);
  context.setDefaultTimeout(UI_TIMEOUT);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // HTTP errors the app handles (401 → prompt, 404, 409 gate_not_waiting) are logged too.
    if (/Failed to load resource|net::ERR_|EventSource/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  await page.goto(url);
  return { page, context, problems };
}

/** The page raised no error and violated no CSP rule. */
export function expectNoProblems(ui: UiPage): void {
  expect(ui.problems).toEqual([]);
}

/** With auth mode none, the token prompt never shows. */
export async function expectNoTokenPrompt(page: Page): Promise<void> {
  expect(await page.locator('dialog[open]').count()).toBe(0);
}

/** Waits until the locator's text contains `text`. */
export async function waitForText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

/** The run status shown in the page header (text, not colour). */
export async function waitForRunStatus(page: Page, status: string): Promise<void> {
  await page.locator('[data-testid="run-status"]', { hasText: new RegExp(`\\b${status}\\b`) }).waitFor();
}

/** A full-page screenshot into test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Nothing sticks out sideways: the page reads at this width without horizontal scrolling. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  // A string: the root tsconfig (which checks the tests) has no DOM types.
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow).toBeLessThanOrEqual(0);
}

/** Marks the document, to prove later that the page was never reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate('window.waveMark = true');
}

export async function expectSameDocument(page: Page): Promise<void> {
  expect(await page.evaluate<boolean>('window.waveMark === true')).toBe(true);
}

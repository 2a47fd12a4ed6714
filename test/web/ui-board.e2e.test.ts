import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINISHED_PAGE } from '../../src/web/state/board.js';
import { api, startTestServer } from '../helpers/server.js';
import { createRun, waitForGate, waitForStatus } from '../server/support.js';
import {
  expectNoHorizontalScroll,
  expectNoProblems,
  expectNoTokenPrompt,
  expectSameDocument,
  LAPTOP,
  launchChromium,
  markDocument,
  openUi,
  PHONE,
  screenshot,
  waitForText,
} from './browser.js';
import { uiProject } from './projects.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const column = (page: Page, status: string) => page.locator(`section[data-status="${status}"]`);
const card = (page: Page, status: string, id: string) =>
  column(page, status).locator(`[data-run-id="${id}"]`);

/** Waits until a column's count reads exactly `text` (e.g. `2`, or `25+` when older runs exist). */
async function waitForCount(page: Page, status: string, text: string): Promise<void> {
  const exact = new RegExp(`^${text.replace('+', '\\+')}$`);
  await column(page, status).locator('.count', { hasText: exact }).waitFor();
}

/** Waits until the board is subscribed to the live feed. */
async function waitForLive(page: Page): Promise<void> {
  await page.locator('.stream-live').waitFor();
}

describe('runs board in the browser', { timeout: 60_000 }, () => {
  it('updates columns and counts live as runs are created and move, without a reload', async () => {
    const server = await startTestServer(uiProject(), { flags: { mock: true } });
    const ui = await openUi(browser, `${server.url}/`);
    const { page } = ui;
    await waitForLive(page);
    await markDocument(page);
    for (const status of ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled']) {
      await waitForCount(page, status, '0');
    }

    const quick = await createRun(server, 'quick', { input: 'board' });
    await card(page, 'completed', quick.id).waitFor();
    await waitForCount(page, 'completed', '1');

    const gated = await createRun(server, 'gated');
    await card(page, 'waiting', gated.id).waitFor();
    await waitForCount(page, 'waiting', '1');

    const slow = await createRun(server, 'slow');
    await card(page, 'running', slow.id).waitFor();
    expect((await api(server, 'POST', `/api/runs/${slow.id}/cancel`)).status).toBe(202);
    await card(page, 'cancelled', slow.id).waitFor();
    await waitForCount(page, 'running', '0');

    const fails = await createRun(server, 'fails');
    await card(page, 'failed', fails.id).waitFor();

    // The gate answered elsewhere: the run leaves the waiting column for completed.
    await waitForGate(server, gated.id, 'ask');
    expect((await api(server, 'POST', `/api/runs/${gated.id}/gate/ask`, { choice: 'yes' })).status).toBe(200);
    await card(page, 'completed', gated.id).waitFor();
    await waitForCount(page, 'completed', '2');
    await waitForCount(page, 'waiting', '0');

    // Status is written, not only coloured.
    await waitForText(card(page, 'failed', fails.id), 'failed');
    await expectSameDocument(page);
    await screenshot(page, 'board-laptop');
    await expectNoTokenPrompt(page);
    expectNoProblems(ui);
  });

  it('filters by pipeline and status, and finds a run by id', async () => {
    const server = await startTestServer(uiProject(), { flags: { mock: true } });
    const quick = await createRun(server, 'quick', { input: 'a' });
    const fails = await createRun(server, 'fails');
    await waitForStatus(server, quick.id, ['completed']);
    await waitForStatus(server, fails.id, ['failed']);

    const ui = await openUi(browser, `${server.url}/`);
    const { page } = ui;
    await card(page, 'completed', quick.id).waitFor();
    await card(page, 'failed', fails.id).waitFor();

    await page.getByLabel('Pipeline').selectOption('fails');
    await page.waitForURL(/\?pipeline=fails$/);
    await waitForCount(page, 'completed', '0');
    await card(page, 'failed', fails.id).waitFor();
    expect(await page.locator(`[data-run-id="${quick.id}"]`).count()).toBe(0);

    await page.getByLabel('Pipeline').selectOption('');
    await page.getByLabel('Status').selectOption('completed');
    await page.waitForURL(/\?status=completed$/);
    await card(page, 'completed', quick.id).waitFor();
    // The board re-renders as the filter's answer arrives: wait for the filtered columns.
    await expect.poll(() => page.locator('section[data-status]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator(`[data-run-id="${fails.id}"]`).count()).toBe(0);

    // A run created now appears in the filtered board too.
    const later = await createRun(server, 'quick', { input: 'b' });
    await card(page, 'completed', later.id).waitFor();

    await page.getByLabel('Find run by id').fill('no-such-run');
    await page.getByRole('button', { name: 'Open' }).click();
    await waitForText(page.getByRole('alert'), 'No run has the id "no-such-run"');

    await page.getByLabel('Find run by id').fill(fails.id);
    await page.getByLabel('Find run by id').press('Enter');
    await page.waitForURL(new RegExp(`/runs/${fails.id}$`));
    await waitForText(page.locator('h1'), fails.id);
    // The browser's back button returns to the filtered board.
    await page.goBack();
    await page.waitForURL(/\?status=completed$/);
    await card(page, 'completed', quick.id).waitFor();
    expectNoProblems(ui);
  });

  it('pages older finished runs', async () => {
    // One slot, held by a slow run: the runs behind it stay queued until cancelled.
    const server = await startTestServer(uiProject(), { flags: { mock: true, maxConcurrent: 1 } });
    const slow = await createRun(server, 'slow');
    await waitForStatus(server, slow.id, ['running']);
    const total = FINISHED_PAGE + 3;
    const ids: string[] = [];
    for (let i = 0; i < total; i++) {
      const run = await createRun(server, 'quick', { input: String(i) });
      expect((await api(server, 'POST', `/api/runs/${run.id}/cancel`)).status).toBe(202);
      ids.push(run.id);
    }

    const ui = await openUi(browser, `${server.url}/`);
    const { page } = ui;
    await card(page, 'running', slow.id).waitFor();
    await waitForCount(page, 'cancelled', `${FINISHED_PAGE}+`);
    // Newest first: the oldest three are on the next page.
    await card(page, 'cancelled', ids.at(-1)!).waitFor();
    expect(await card(page, 'cancelled', ids[0]!).count()).toBe(0);

    await page.getByRole('button', { name: 'Load older runs' }).click();
    await card(page, 'cancelled', ids[0]!).waitFor();
    await waitForCount(page, 'cancelled', String(total));
    expect(await column(page, 'cancelled').locator('[data-run-id]').count()).toBe(total);
    expect(await page.getByRole('button', { name: 'Load older runs' }).count()).toBe(0);
    expectNoProblems(ui);
  });

  it('the board reads at phone width and works from the keyboard', async () => {
    const server = await startTestServer(uiProject(), { flags: { mock: true } });
    const run = await createRun(server, 'quick', { input: 'phone' });
    await waitForStatus(server, run.id, ['completed']);
    const ui = await openUi(browser, `${server.url}/`, PHONE);
    const { page } = ui;
    await card(page, 'completed', run.id).waitFor();
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'board-phone');

    // Keyboard only: the skip link first, then the navigation; Enter follows a link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Runs');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/new$/);
    await waitForText(page.locator('h1'), 'Start a run');
    expect(await page.evaluate<string>('document.activeElement.tagName')).toBe('H1');
    await page.setViewportSize(LAPTOP);
    expectNoProblems(ui);
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import {
  expectNoHorizontalScroll,
  expectNoProblems,
  expectNoTokenPrompt,
  LAPTOP,
  launchChromium,
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

const CONFIG = {
  'wave.yaml':
    'schedules:\n  - { name: nightly, pipeline: quick, cron: "0 3 * * *", timezone: Europe/Berlin }\n',
};

describe('the Schedules page', { timeout: 90_000 }, () => {
  it('lists schedules, checks a new expression with its next five times, saves, runs now, pauses', async () => {
    const server = await startTestServer(uiProject(CONFIG), { flags: { mock: true } });
    const ui = await openUi(browser, `${server.url}/`);
    const { page } = ui;
    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.waitForURL(/\/schedules$/);
    const table = page.locator('table.schedules-table');
    await waitForText(table, 'nightly');
    await waitForText(table.locator('tr', { hasText: 'nightly' }), '0 3 * * *');

    // An invalid expression: the server's message, and no saving.
    await page.getByLabel('Name').fill('weekly-report');
    await page.getByLabel('Pipeline').selectOption('quick');
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await page.getByLabel('Time zone').fill('UTC');
    await waitForText(page.locator('#schedule-preview'), /cron/);
    expect(await page.getByRole('button', { name: 'Save schedule' }).isDisabled()).toBe(true);

    // A valid one: its next five times before saving.
    await page.getByLabel('Cron expression').fill('0 9 * * 1');
    await page.locator('#schedule-preview li').nth(4).waitFor();
    expect(await page.locator('#schedule-preview li').count()).toBe(5);
    const times = await page
      .locator('#schedule-preview time')
      .evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
    for (const t of times) expect(new Date(t!).getUTCDay()).toBe(1);
    await screenshot(page, 'schedules-new-laptop');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await waitForText(page.getByRole('status'), 'schedule weekly-report saved');
    const row = table.locator('tr', { hasText: 'weekly-report' });
    await waitForText(row, '0 9 * * 1');

    // Run now: the last run appears with its status and a link to the run.
    await page.getByRole('button', { name: 'Run weekly-report now' }).click();
    await waitForText(page.getByRole('status'), /weekly-report: run quick-\S+ queued/);
    await row.getByRole('link').waitFor();
    expect(
      (await server.ctx.runs.list({ labels: { schedule: 'weekly-report' }, limit: 10 })).runs,
    ).toHaveLength(1);

    await page.getByRole('button', { name: 'Pause weekly-report' }).click();
    await page.getByRole('button', { name: 'Resume weekly-report' }).waitFor();
    await waitForText(row, 'paused');
    const stored = (await server.ctx.schedules.list()).find((s) => s.name === 'weekly-report');
    expect(stored?.paused).toBe(true);
    await page.setViewportSize(LAPTOP);
    await screenshot(page, 'schedules-laptop');

    await page.setViewportSize(PHONE);
    await waitForText(table, 'weekly-report');
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'schedules-phone');
    await expectNoTokenPrompt(page);
    expectNoProblems(ui);
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';
import { createRun, waitForStatus } from '../server/support.js';
import {
  expectNoHorizontalScroll,
  expectNoProblems,
  expectNoTokenPrompt,
  launchChromium,
  openUi,
  PHONE,
  screenshot,
  waitForText,
} from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const FILES = {
  '.wave/pipelines/ok.yaml': yaml`
    kind: WavePipeline
    steps:
      - { id: work, type: command, script: 'true' }
  `,
  '.wave/pipelines/bad.yaml': yaml`
    kind: WavePipeline
    steps:
      - { id: work, type: command, script: 'exit 3' }
  `,
};

describe('the Insights page and a pipeline page', { timeout: 90_000 }, () => {
  it('charts runs and failures per day and durations per pipeline; a pipeline page shows its recent runs', async () => {
    const server = await startTestServer(FILES, { flags: { mock: true } });
    const runs = [
      await createRun(server, 'ok'),
      await createRun(server, 'ok'),
      await createRun(server, 'bad'),
    ];
    for (const r of runs) await waitForStatus(server, r.id, ['completed', 'failed'], 60_000);

    const ui = await openUi(browser, `${server.url}/insights`);
    const today = new Date().toISOString().slice(0, 10);
    const day = ui.page.locator(`[data-testid="daily-chart"] [data-date="${today}"]`);
    await day.waitFor();
    expect(await day.locator('title').textContent()).toBe(`${today}: 3 runs, 1 failed`);
    await ui.page.locator('[data-testid="duration-chart"] [data-pipeline="ok"]').waitFor();
    await waitForText(ui.page.locator('[data-testid="insights-pipelines"] tr[data-pipeline="ok"]'), '100.0%');
    await waitForText(
      ui.page.locator('[data-testid="insights-pipelines"] tr[data-pipeline="bad"]'),
      'exit_code (1)',
    );
    await screenshot(ui.page, 'insights-laptop');
    await expectNoTokenPrompt(ui.page);
    expectNoProblems(ui);

    const phone = await openUi(browser, `${server.url}/insights`, PHONE);
    await phone.page.locator('[data-testid="daily-chart"]').waitFor();
    await screenshot(phone.page, 'insights-phone');
    await expectNoHorizontalScroll(phone.page);
    expectNoProblems(phone);

    const pipeline = await openUi(browser, `${server.url}/pipelines/ok`);
    await waitForText(pipeline.page.getByTestId('pipeline-success-rate'), '100.0%');
    await waitForText(pipeline.page.getByTestId('pipeline-recent'), runs[0]?.id ?? '');
    await pipeline.page.getByTestId('pipeline-recent').scrollIntoViewIfNeeded();
    await screenshot(pipeline.page, 'pipeline-recent-laptop');
    expectNoProblems(pipeline);
  });
});

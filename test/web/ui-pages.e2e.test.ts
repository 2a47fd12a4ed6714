import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { createRun, waitForGate, waitForStatus } from '../server/support.js';
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

describe('pipelines and personas in the browser', { timeout: 60_000 }, () => {
  it('lists pipelines; a pipeline page shows its DAG, steps and YAML source', async () => {
    const server = await startTestServer(uiProject(), { flags: { mock: true } });
    const ui = await openUi(browser, `${server.url}/pipelines`);
    const { page } = ui;
    for (const name of ['quick', 'gated', 'slow', 'fails', 'think']) {
      await page.locator(`[data-pipeline="${name}"]`).waitFor();
    }
    await waitForText(page.locator('[data-pipeline="think"]'), '4 steps');

    await page.getByRole('link', { name: 'think', exact: true }).click();
    await page.waitForURL(/\/pipelines\/think$/);
    const graph = page.getByRole('img', { name: 'Step graph of think' });
    await graph.waitFor();
    for (const step of ['plan', 'think', 'check', 'report']) {
      await graph.locator(`[data-step="${step}"]`).waitFor({ state: 'attached' });
    }
    expect(await graph.locator('.dag-edge').count()).toBe(4);
    const source = readFileSync(join(server.root, '.wave/pipelines/think.yaml'), 'utf8');
    expect(await page.getByTestId('pipeline-yaml').textContent()).toBe(source);
    await waitForText(page.locator('.pipeline-steps'), 'as thinker');

    // Start a run of it from here: the form comes with the pipeline chosen.
    await page.getByRole('link', { name: 'Start a run' }).click();
    await page.waitForURL(/\/new\?pipeline=think$/);
    expect(await page.getByLabel('Pipeline').inputValue()).toBe('think');

    await page.getByRole('link', { name: 'Personas' }).click();
    await waitForText(page.locator('table'), 'thinker');
    await expectNoTokenPrompt(page);
    expectNoProblems(ui);
  });

  it('takes a screenshot of every page at laptop and phone width', async () => {
    const server = await startTestServer(uiProject(), { flags: { mock: true } });
    const done = await createRun(server, 'think', { input: 'screens', labels: { team: 'web' } });
    const gated = await createRun(server, 'gated');
    await createRun(server, 'slow');
    await waitForStatus(server, done.id, ['completed']);
    await waitForGate(server, gated.id, 'ask');
    const pages: [string, string, string][] = [
      ['board', '/', 'Runs'],
      ['run', `/runs/${done.id}`, done.id],
      ['run-gate', `/runs/${gated.id}`, gated.id],
      ['start-run', '/new?pipeline=quick', 'Start a run'],
      ['pipelines', '/pipelines', 'Pipelines'],
      ['pipeline', '/pipelines/think', 'Pipeline think'],
      ['personas', '/personas', 'Personas'],
      ['not-found', '/no/such/page', 'Not found'],
    ];
    for (const [size, viewport] of [
      ['laptop', LAPTOP],
      ['phone', PHONE],
    ] as const) {
      const ui = await openUi(browser, 'about:blank', viewport);
      for (const [name, path, heading] of pages) {
        await ui.page.goto(`${server.url}${path}`);
        await waitForText(ui.page.locator('h1'), heading);
        // Wait for the page's data, not for time.
        await ui.page.locator('[role="status"]', { hasText: /^Loading/ }).waitFor({ state: 'detached' });
        if (name === 'board') await ui.page.locator(`[data-run-id="${done.id}"]`).waitFor();
        if (name.startsWith('run')) await ui.page.locator('[data-testid="timeline"]').waitFor();
        await expectNoHorizontalScroll(ui.page);
        await screenshot(ui.page, `${name}-${size}`);
      }
      expectNoProblems(ui);
      await ui.context.close();
    }
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIAMOND } from '../helpers/diamond.js';
import { startTestServer } from '../helpers/server.js';
import { createRun, getRun, type RunBody, waitForStatus } from '../server/support.js';
import {
  expectNoHorizontalScroll,
  expectNoProblems,
  launchChromium,
  openUi,
  PHONE,
  screenshot,
  waitForRunStatus,
  waitForText,
} from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const ranLog = (root: string) => readFileSync(join(root, 'ran.log'), 'utf8').trim().split('\n').sort();
const runIdOf = (url: string) => decodeURIComponent(new URL(url).pathname.split('/').pop()!);

describe('retry and fork in the browser', { timeout: 90_000 }, () => {
  it('Retry on a failed run opens the new run; both pages link to each other', async () => {
    const server = await startTestServer({ '.wave/pipelines/diamond.yaml': DIAMOND });
    const source = await createRun(server, 'diamond');
    await waitForStatus(server, source.id, ['failed'], 60_000);
    writeFileSync(join(server.root, 'fixed'), '');
    writeFileSync(join(server.root, 'ran.log'), '');

    const ui = await openUi(browser, `${server.url}/runs/${source.id}`);
    const { page } = ui;
    await waitForRunStatus(page, 'failed');
    await screenshot(page, 'run-retry-button-laptop');
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await page.waitForURL((u) => runIdOf(u.toString()) !== source.id);
    const retryId = runIdOf(page.url());
    await waitForRunStatus(page, 'completed');
    await waitForText(page.getByTestId('run-origin'), source.id);
    expect(await page.getByTestId('run-origin').textContent()).toContain('Retry of');
    expect(ranLog(server.root)).toEqual(['c', 'd']);
    expect((await getRun<RunBody>(server, retryId)).origin).toEqual({
      kind: 'retry',
      run_id: source.id,
      step: null,
    });
    await screenshot(page, 'run-retried-laptop');

    // Back on the source: it names its retry.
    await page.getByTestId('run-origin').getByRole('link', { name: source.id }).click();
    await waitForText(page.getByTestId('run-derived'), retryId);
    expectNoProblems(ui);
  });

  it('Fork from here on a step of a finished run; a refused fork says why; phone width', async () => {
    const server = await startTestServer({ '.wave/pipelines/diamond.yaml': DIAMOND });
    const source = await createRun(server, 'diamond');
    await waitForStatus(server, source.id, ['failed'], 60_000);

    const ui = await openUi(browser, `${server.url}/runs/${source.id}`, PHONE);
    const { page } = ui;
    await waitForRunStatus(page, 'failed');
    // d would reuse c, which failed: refused with the reason.
    await page.getByRole('button', { name: 'Fork from step d' }).click();
    await waitForText(page.getByRole('alert'), /did not complete/);
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'run-fork-refused-phone');

    writeFileSync(join(server.root, 'fixed'), '');
    writeFileSync(join(server.root, 'ran.log'), '');
    await page.getByRole('button', { name: 'Fork from step c' }).click();
    await page.waitForURL((u) => runIdOf(u.toString()) !== source.id);
    const forkId = runIdOf(page.url());
    await waitForRunStatus(page, 'completed');
    await waitForText(page.getByTestId('run-origin'), 'Fork of');
    await waitForText(page.getByTestId('run-origin'), 'c');
    expect(ranLog(server.root)).toEqual(['c', 'd']);
    expect((await getRun<RunBody>(server, forkId)).origin).toEqual({
      kind: 'fork',
      run_id: source.id,
      step: 'c',
    });
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'run-forked-phone');
    expectNoProblems(ui);
  });
});

import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetailT } from '../../src/api/schemas.js';
import { api, startTestServer } from '../helpers/server.js';
import { createRun, getRun, waitForGate, waitForStatus } from '../server/support.js';
import {
  expectNoHorizontalScroll,
  expectNoProblems,
  expectNoTokenPrompt,
  launchChromium,
  openUi,
  PHONE,
  screenshot,
  waitForRunStatus,
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

const start = () => startTestServer(uiProject(), { flags: { mock: true } });

describe('run pages in the browser', { timeout: 60_000 }, () => {
  it('submits a run from the form and watches it reach completed live', async () => {
    const server = await start();
    const ui = await openUi(browser, `${server.url}/new`);
    const { page } = ui;
    await page.getByLabel('Pipeline').selectOption('quick');
    // The pipeline's description, its input and its steps are shown before submitting.
    await waitForText(page.locator('.start-form'), 'Greets the input and keeps the greeting');
    await waitForText(page.locator('.start-form'), 'Who to greet');
    await page.locator('.start-form .dag [data-step="shout"]').waitFor();
    await screenshot(page, 'start-run-laptop');

    await page.getByLabel(/^Input/).fill('world');
    await page.getByLabel('Labels').fill('team=web\nticket=42');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/quick-/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

    await waitForRunStatus(page, 'completed');
    await waitForText(page.getByTestId('log-lines'), 'hello world');
    await waitForText(page.getByTestId('log-lines'), 'done shouting');
    await page.locator('[data-testid="timeline"] [data-type="run_completed"]').waitFor();
    await waitForText(page.locator('tr[data-step="greet"]'), 'completed');

    const run = await getRun<RunDetailT>(server, id);
    expect(run.status).toBe('completed');
    expect(run.input).toBe('world');
    expect(run.labels).toEqual({ team: 'web', ticket: '42' });
    expect(run.trigger.source).toBe('ui');

    // The artifact downloads through fetch (with the token, when there is one).
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download greeting from step greet' }).click(),
    ]);
    // Chromium adds the extension of the blob's type (text/plain).
    expect(download.suggestedFilename()).toMatch(/^greeting(\.txt)?$/);
    expect(readFileSync((await download.path())!, 'utf8')).toBe('hello world\n');

    // The log filter keeps one step's lines.
    await page.getByLabel('Step', { exact: true }).selectOption('shout');
    await waitForText(page.getByTestId('log-count'), '1 line');
    expect(await page.getByTestId('log-lines').textContent()).not.toContain('hello world');

    await screenshot(page, 'run-completed-laptop');
    await expectNoTokenPrompt(page);
    expectNoProblems(ui);
  });

  it('answers a gate in the browser with a choice and a note; the run goes on', async () => {
    const server = await start();
    const run = await createRun(server, 'gated');
    await waitForGate(server, run.id, 'ask');
    const ui = await openUi(browser, `${server.url}/runs/${run.id}`);
    const { page } = ui;
    await waitForRunStatus(page, 'waiting');
    const gate = page.locator('[data-gate="ask"]');
    await waitForText(gate, 'Ship it?');
    await screenshot(page, 'run-gate-laptop');

    await gate.getByLabel('Ship').check();
    await gate.getByLabel('Note (optional)').fill('looks good');
    await gate.getByRole('button', { name: 'Answer gate' }).click();

    await waitForText(page.getByTestId('gate-answer'), /Answered Ship by local/);
    await waitForRunStatus(page, 'completed');
    await waitForText(page.getByTestId('log-lines'), 'shipping with yes');
    await waitForText(page.getByTestId('log-lines'), 'note=looks good');
    const after = await getRun<RunDetailT>(server, run.id);
    expect(after.gates[0]!.answer).toMatchObject({ choice: 'yes', text: 'looks good', by: 'local' });
    expectNoProblems(ui);
  });

  it('shows who answered when another client answered the gate (live, and after a lost race)', async () => {
    const server = await start();
    const run = await createRun(server, 'gated');
    await waitForGate(server, run.id, 'ask');

    // Live: the page watches while another client answers.
    const watcher = await openUi(browser, `${server.url}/runs/${run.id}`);
    await watcher.page.getByRole('button', { name: 'Answer gate' }).waitFor();
    const answered = await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, {
      choice: 'no',
      text: 'not today',
    });
    expect(answered.status).toBe(200);
    await waitForText(watcher.page.getByTestId('gate-answer'), /Answered Stop by local/);
    await waitForText(watcher.page.getByTestId('gate-answer'), 'not today');
    await waitForRunStatus(watcher.page, 'failed');
    expect(await watcher.page.getByRole('button', { name: 'Answer gate' }).count()).toBe(0);

    // A lost race: this page gets no live events, so it still offers the gate when it answers.
    const second = await createRun(server, 'gated');
    await waitForGate(server, second.id, 'ask');
    const { page, context } = await openUi(browser, 'about:blank');
    await context.route(/\/api\/runs\/[^/]+\/events/, (route) => route.abort());
    await page.goto(`${server.url}/runs/${second.id}`);
    const form = page.locator('[data-gate="ask"]');
    await form.getByRole('button', { name: 'Answer gate' }).waitFor();
    expect((await api(server, 'POST', `/api/runs/${second.id}/gate/ask`, { choice: 'yes' })).status).toBe(
      200,
    );
    await form.getByLabel('Stop').check();
    await form.getByRole('button', { name: 'Answer gate' }).click();
    await waitForText(page.getByTestId('gate-lost'), 'Another client answered this gate first: local');
    await waitForText(page.getByTestId('gate-answer'), /Answered Ship by local/);
    expectNoProblems(watcher);
  });

  it('the live log loses and repeats no line when the connection drops mid-run', async () => {
    const server = await start();
    const run = await createRun(server, 'counter');
    const ui = await openUi(browser, `${server.url}/runs/${run.id}`);
    const { page } = ui;
    await waitForText(page.getByTestId('log-lines'), 'line-5');
    // Every connection drops, as on a network blip: the browser resumes with Last-Event-ID.
    server.app.server.closeAllConnections();
    await waitForRunStatus(page, 'completed');
    await waitForText(page.getByTestId('log-count'), '40 lines');
    const lines = await page.locator('[data-testid="log-lines"] .log-line').allTextContents();
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `[count] line-${i + 1}`));
    expectNoProblems(ui);
  });

  it('cancels a running run from its Cancel button', async () => {
    const server = await start();
    const run = await createRun(server, 'slow');
    const ui = await openUi(browser, `${server.url}/runs/${run.id}`);
    const { page } = ui;
    await waitForRunStatus(page, 'running');
    await waitForText(page.getByTestId('log-lines'), 'long started');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await waitForRunStatus(page, 'cancelled');
    await waitForText(page.locator('tr[data-step="long"]'), 'cancelled');
    await page.locator('[data-testid="timeline"] [data-type="run_cancelled"]').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    expect((await waitForStatus(server, run.id, ['cancelled'])).status).toBe('cancelled');
    expectNoProblems(ui);
  });

  it('the run page reads at phone width', async () => {
    const server = await start();
    const run = await createRun(server, 'think', { input: 'phones' });
    await waitForStatus(server, run.id, ['completed']);
    const ui = await openUi(browser, `${server.url}/runs/${run.id}`, PHONE);
    await waitForRunStatus(ui.page, 'completed');
    await waitForText(ui.page.locator('tr[data-step="think"]'), 'thinker');
    await screenshot(ui.page, 'run-completed-phone');
    await expectNoHorizontalScroll(ui.page);
    expectNoProblems(ui);
  });
});

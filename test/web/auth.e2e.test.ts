import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetailT } from '../../src/api/schemas.js';
import { SECRET, token } from '../helpers/auth.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { waitForGate } from '../server/support.js';
import {
  expectNoProblems,
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

const JWT_MANIFEST = 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n';

function startJwtServer(): Promise<TestServer> {
  return startTestServer(uiProject({ 'wave.yaml': JWT_MANIFEST }), {
    flags: { mock: true },
    env: { WAVE_JWT_SECRET: SECRET },
  });
}

const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

/** The token prompt: a modal dialog with a labelled password field. */
const prompt = (page: Page) => page.getByRole('dialog', { name: 'Sign in with a token' });

async function signIn(page: Page, jwt: string): Promise<void> {
  await prompt(page).waitFor();
  const field = page.getByLabel('API token');
  expect(await field.getAttribute('type')).toBe('password');
  await field.fill(jwt);
  await page.getByRole('button', { name: 'Use token' }).click();
  await prompt(page).waitFor({ state: 'hidden' });
}

describe('the UI on a server that wants a JWT', { timeout: 60_000 }, () => {
  it('asks for a token, then uses it for requests and for the live event stream', async () => {
    const server = await startJwtServer();
    const alice = await token({ sub: 'alice', scope: 'admin' });
    const ui = await openUi(browser, `${server.url}/`);
    const { page } = ui;
    await prompt(page).waitFor();
    await screenshot(page, 'token-prompt-laptop');
    await signIn(page, alice);

    // SSE with ?access_token=: the board goes live and shows a run created elsewhere.
    await page.locator('.stream-live').waitFor();
    const created = await api<{ id: string }>(
      server,
      'POST',
      '/api/runs',
      { pipeline: 'quick' },
      bearer(alice),
    );
    expect(created.status).toBe(201);
    await page.locator(`section[data-status="completed"] [data-run-id="${created.body.id}"]`).waitFor();
    expect(await page.evaluate<string | null>("sessionStorage.getItem('wave.token')")).toBe(alice);
    // The token never lands in localStorage or a cookie.
    expect(await page.evaluate<number>('localStorage.length')).toBe(0);
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    expectNoProblems(ui);
  });

  it('a 401 brings the prompt back, and the new token is used from then on', async () => {
    const server = await startJwtServer();
    const alice = await token({ sub: 'alice', scope: 'admin' });
    const ui = await openUi(browser, `${server.url}/pipelines`, PHONE);
    const { page } = ui;
    await signIn(page, alice);
    await page.locator('[data-pipeline="quick"]').waitFor();

    // The stored token stops working (forged here; expired in real life).
    const forged = await token(
      { sub: 'alice', scope: 'admin' },
      { secret: 'another-secret-that-is-long-enough-000' },
    );
    await page.evaluate(`sessionStorage.setItem('wave.token', ${JSON.stringify(forged)})`);
    await page.getByRole('link', { name: 'Personas' }).click();
    await prompt(page).waitFor();
    await waitForText(prompt(page), 'The server said:');
    await screenshot(page, 'token-prompt-phone');
    await signIn(page, alice);
    await waitForText(page.locator('table'), 'thinker');
    expect(await page.evaluate<string | null>("sessionStorage.getItem('wave.token')")).toBe(alice);

    // Cancelling the prompt leaves an error with a way to try again.
    await page.evaluate('sessionStorage.clear()');
    await page.getByRole('link', { name: 'Pipelines' }).click();
    await prompt(page).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitForText(page.getByRole('alert'), /token/i);
    await page.getByRole('button', { name: 'Try again' }).click();
    await signIn(page, alice);
    await page.locator('[data-pipeline="quick"]').waitFor();
    expectNoProblems(ui);
  });

  it('answers a gate as the token’s subject and follows the run live', async () => {
    const server = await startJwtServer();
    const alice = await token({ sub: 'alice', scope: 'admin' });
    const bob = await token({ sub: 'bob', scope: 'runs:read runs:write' });
    const run = await api<{ id: string }>(server, 'POST', '/api/runs', { pipeline: 'gated' }, bearer(bob));
    expect(run.status).toBe(201);
    await waitForGate(server, run.body.id, 'ask');

    const ui = await openUi(browser, `${server.url}/runs/${run.body.id}`);
    const { page } = ui;
    await signIn(page, alice);
    await waitForRunStatus(page, 'waiting');
    await page.locator('.stream-live').waitFor();
    const gate = page.locator('[data-gate="ask"]');
    await gate.getByLabel('Note (optional)').fill('from alice');
    await gate.getByRole('button', { name: 'Answer gate' }).click();
    await waitForText(page.getByTestId('gate-answer'), /Answered Ship by alice/);
    await waitForRunStatus(page, 'completed');
    await waitForText(page.getByTestId('log-lines'), 'note=from alice');
    const after = await api<RunDetailT>(server, 'GET', `/api/runs/${run.body.id}`, undefined, bearer(alice));
    expect(after.body.gates[0]!.answer).toMatchObject({ choice: 'yes', text: 'from alice', by: 'alice' });
    expect(after.body.trigger.actor).toBe('bob');
    expectNoProblems(ui);
  });
});

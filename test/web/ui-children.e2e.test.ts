import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishChild, seedFamily, startChild } from '../helpers/lineage-seed.js';
import { startTestServer } from '../helpers/server.js';
import { draft } from '../helpers/store.js';
import { createRun, waitForStatus } from '../server/support.js';
import {
  expectNoHorizontalScroll,
  expectNoProblems,
  expectNoTokenPrompt,
  expectSameDocument,
  launchChromium,
  markDocument,
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

// The parent and its children are written through the server's own store, as the engine
// records them; the page sees them through the real API and event streams.
const start = () => startTestServer(uiProject(), { flags: { mock: true } });

const childList = (page: Page) => page.locator('[data-children-of="each"]');
const childRow = (page: Page, id: string) => childList(page).locator(`li[data-child-run="${id}"]`);

/** The rows of the children list as `#index id status`, in page order. */
async function rowsOf(page: Page): Promise<string[]> {
  const rows = childList(page).locator('li');
  const out: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    out.push(
      [
        await row.locator('.child-index').textContent(),
        await row.getAttribute('data-child-run'),
        (await row.locator('.status').textContent())?.replace(/^\S+\s/, ''),
      ].join(' '),
    );
  }
  return out;
}

describe('child runs in the browser', { timeout: 90_000 }, () => {
  it('lists children under their step, live, and links parent and children both ways', async () => {
    const server = await start();
    const { parent, children } = await seedFamily(server.ctx.store);
    const [done, broken, running] = children;
    const ui = await openUi(browser, `${server.url}/runs/${encodeURIComponent(parent)}`);
    const { page } = ui;
    await waitForRunStatus(page, 'running');
    await markDocument(page);

    await waitForText(
      page.getByTestId('child-summary-each'),
      '3 child runs: 1 completed, 1 failed, 1 running',
    );
    expect(await rowsOf(page)).toEqual([
      `#0 ${done} completed`,
      `#1 ${broken} failed`,
      `#2 ${running} running`,
    ]);
    // The list sits in the row right under its step's row.
    expect(
      await page.locator('tr[data-step="each"] + tr.child-runs-row [data-children-of="each"]').count(),
    ).toBe(1);
    expect(await page.locator('tr[data-step="prepare"] + tr.child-runs-row').count()).toBe(0);
    await screenshot(page, 'run-children-laptop');

    // A new child and a child ending show up from the parent's stream, without a reload.
    const added = await startChild(server.ctx.store, parent, 3);
    await childRow(page, added).waitFor();
    await waitForText(childRow(page, added), 'running');
    await server.ctx.store.append(running, [
      draft.stepCompleted(running, 'work', 3),
      draft.runCompleted(running),
    ]);
    await finishChild(server.ctx.store, parent, running, 'completed');
    await waitForText(childRow(page, running), 'completed');
    await waitForText(
      page.getByTestId('child-summary-each'),
      '4 child runs: 2 completed, 1 failed, 1 running',
    );
    await waitForText(childRow(page, added), '#3');
    await expectSameDocument(page);

    // A child's page names its parent and step, and links back.
    await childRow(page, broken).getByRole('link', { name: broken }).click();
    await page.waitForURL(new RegExp(`/runs/${broken}$`));
    await waitForRunStatus(page, 'failed');
    const back = page.getByTestId('run-parent');
    await waitForText(back, 'step each');
    await screenshot(page, 'run-child-laptop');
    await back.getByRole('link', { name: parent }).click();
    await page.waitForURL(new RegExp(`/runs/${parent}$`));
    await childRow(page, done).waitFor();
    await expectSameDocument(page);
    await expectNoTokenPrompt(page);
    expectNoProblems(ui);
  });

  it('reads at phone width: the children list wraps instead of scrolling sideways', async () => {
    const server = await start();
    const { parent, children } = await seedFamily(server.ctx.store);
    const ui = await openUi(browser, `${server.url}/runs/${encodeURIComponent(parent)}`, PHONE);
    const { page } = ui;
    await childRow(page, children[2]).waitFor();
    await waitForText(childRow(page, children[1]), 'failed');
    await expectNoHorizontalScroll(page);
    // The table scrolls sideways on a phone; the list under the step stays within the screen.
    for (const id of children) {
      const box = await childRow(page, id).locator('.status').boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    }
    await screenshot(page, 'run-children-phone');
    expectNoProblems(ui);
  });

  it('shows top-level runs only on the board, each parent with its child count, kept live', async () => {
    const server = await start();
    const quick = await createRun(server, 'quick', { input: 'board' });
    await waitForStatus(server, quick.id, ['completed']);
    const { parent, children } = await seedFamily(server.ctx.store);
    const ui = await openUi(browser, `${server.url}/`);
    const { page } = ui;
    await page.locator('.stream-live').waitFor();
    await markDocument(page);
    const parentCard = page.locator(`section[data-status="running"] [data-run-id="${parent}"]`);
    await waitForText(parentCard.getByTestId('child-count'), '3 child runs');
    await page.locator(`section[data-status="completed"] [data-run-id="${quick.id}"]`).waitFor();
    expect(await page.locator(`[data-run-id="${quick.id}"] [data-testid="child-count"]`).count()).toBe(0);

    // A child starting (its run_queued and run_started on the live feed) adds to the count
    // and never becomes a card of its own.
    const added = await startChild(server.ctx.store, parent, 3);
    await waitForText(parentCard.getByTestId('child-count'), '4 child runs');
    await server.ctx.store.append(added, [draft.stepCompleted(added, 'work', 3), draft.runCompleted(added)]);
    await finishChild(server.ctx.store, parent, added, 'completed');
    // The parent's own events come after: once they show, the child's have been handled too.
    await server.ctx.store.append(parent, [
      draft.stepCompleted(parent, 'each', 9),
      draft.runCompleted(parent),
    ]);
    await page.locator(`section[data-status="completed"] [data-run-id="${parent}"]`).waitFor();
    for (const id of [...children, added])
      expect(await page.locator(`[data-run-id="${id}"]`).count()).toBe(0);
    await waitForText(page.locator('section[data-status="completed"] .count'), '2');
    await expectSameDocument(page);
    await screenshot(page, 'board-children-laptop');

    await page.setViewportSize(PHONE);
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'board-children-phone');
    expectNoProblems(ui);
  });
});

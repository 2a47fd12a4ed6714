import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitEditProject } from '../helpers/git-project.js';
import { startTestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';
import { createRun, waitForGate, waitForStatus } from '../server/support.js';
import {
  expectNoProblems,
  expectNoTokenPrompt,
  launchChromium,
  openUi,
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

/** The page's getComputedStyle (the tests' types have no DOM). */
interface Styled {
  getComputedStyle(el: unknown): { color: string };
}

/** A worktree step that edits files, then a gate: the reviewer approves having seen the diff. */
const REVIEWED = yaml`
  kind: WavePipeline
  steps:
    - id: edit
      workspace: { type: worktree }
      type: command
      script: |
        printf '# title\\nnew line\\n' > README.md
        printf 'const answer = 42;\\n' > answer.js
    - id: review
      dependencies: [edit]
      gate:
        prompt: "Merge these changes?"
        choices: [ { key: yes, label: Merge }, { key: no, label: Stop, target: _fail } ]
`;

describe('the Changes section in the browser', { timeout: 90_000 }, () => {
  it('lists the files with +/- counts, shows each diff coloured, and the gate links to it', async () => {
    const root = gitEditProject(uiProject({ '.wave/pipelines/reviewed.yaml': REVIEWED }));
    const server = await startTestServer({}, { root });
    const run = await createRun(server, 'reviewed');
    await waitForGate(server, run.id, 'review');

    const ui = await openUi(browser, `${server.url}/runs/${encodeURIComponent(run.id)}`);
    const { page } = ui;
    const link = page.getByTestId('gate-changes');
    await waitForText(link, '2 files');
    await waitForText(link, '+2');
    await waitForText(link, '-1');
    await screenshot(page, 'gate-links-changes-laptop');

    await link.getByRole('link', { name: 'review the changes' }).click();
    expect(new URL(page.url()).hash).toBe('#changes');
    const changes = page.getByTestId('changes');
    await waitForText(changes, '2 files changed');
    const readme = changes.locator('details[data-path="README.md"]');
    await waitForText(readme.locator('summary'), '+1');
    await waitForText(readme.locator('summary'), '-1');
    await waitForText(changes.locator('details[data-path="answer.js"] summary'), 'added');

    await readme.locator('summary').click();
    const added = readme.locator('.diff-add');
    const removed = readme.locator('.diff-del');
    await waitForText(added, '+new line');
    await waitForText(removed, '-old line');
    await readme.locator('.diff-hunk').first().waitFor();
    // Coloured: an added line and a removed one do not look alike, nor like context.
    const colour = (l: typeof added) =>
      l.first().evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).color);
    expect(await colour(added)).not.toBe(await colour(removed));
    expect(await colour(added)).not.toBe(await colour(readme.locator('.diff-context')));
    // Syntax colours from the bundled highlight.js: the file's language, by its extension.
    const js = changes.locator('details[data-path="answer.js"]');
    await js.locator('summary').click();
    await waitForText(js.locator('.diff-add .hljs-keyword'), 'const');
    await waitForText(js.locator('.diff-add .hljs-number'), '42');
    expect(await colour(js.locator('.hljs-keyword'))).not.toBe(await colour(js.locator('.hljs-number')));
    await readme.scrollIntoViewIfNeeded();
    await screenshot(page, 'run-changes-laptop');

    await page.getByRole('button', { name: 'Answer gate' }).click();
    await waitForStatus(server, run.id, ['completed']);
    await waitForRunStatus(page, 'completed');
    // The gate is answered: no link any more; the changes stay (kept after the worktree is gone).
    await page.getByTestId('gate-answer').waitFor();
    expect(await page.getByTestId('gate-changes').count()).toBe(0);
    await waitForText(page.getByTestId('changes'), '2 files changed');
    await expectNoTokenPrompt(page);
    expectNoProblems(ui);
  });

  it('a run without changes has no Changes section and no link at its gate', async () => {
    const server = await startTestServer(uiProject(), { flags: { mock: true } });
    const run = await createRun(server, 'gated');
    await waitForGate(server, run.id, 'ask');
    const ui = await openUi(browser, `${server.url}/runs/${encodeURIComponent(run.id)}`);
    await ui.page.getByRole('button', { name: 'Answer gate' }).waitFor();
    expect(await ui.page.getByTestId('gate-changes').count()).toBe(0);
    expect(await ui.page.getByTestId('changes').count()).toBe(0);
    expect(await ui.page.locator('#changes-title').count()).toBe(0);
    expectNoProblems(ui);
  });
});

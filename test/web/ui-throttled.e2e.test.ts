import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startTestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';
import { createRun, storedEvents, waitForStatus } from '../server/support.js';
import {
  expectNoProblems,
  launchChromium,
  openUi,
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

// One place on the mock adapter, held by the first run until the test writes `release`.
const files = {
  'wave.yaml': yaml`
    kind: WaveManifest
    adapters:
      mock: { max_concurrent: 1 }
    personas:
      thinker: { adapter: mock }
  `,
  '.wave/pipelines/think.yaml': yaml`
    kind: WavePipeline
    metadata: { name: think }
    steps:
      - id: think
        persona: thinker
        exec: { type: prompt, source: "think" }
        handover:
          contract: { type: test_suite, command: 'while [ ! -f "$WAVE_PROJECT_ROOT/release" ]; do sleep 0.05; done' }
  `,
};

describe('a step waiting for its adapter, in the browser', { timeout: 90_000 }, () => {
  it('the steps table says what the pending step waits for, and it starts once the place is free', async () => {
    const server = await startTestServer(files, { flags: { maxConcurrent: 4 } });
    const holder = await createRun(server, 'think');
    await eventually(
      async () => (await storedEvents(server, holder.id)).some((e) => e.type === 'step_started'),
      20_000,
      'the first run holding the adapter',
    );
    const waiter = await createRun(server, 'think');
    const ui = await openUi(browser, `${server.url}/runs/${encodeURIComponent(waiter.id)}`);
    const { page } = ui;
    const note = page.locator('tr[data-step="think"] [data-testid="step-throttled"]');
    await waitForText(note, 'waiting for the mock adapter, next in line');
    await waitForText(page.locator('.timeline, section'), 'waiting for the mock adapter, next in line');
    await screenshot(page, 'run-step-throttled');

    writeFileSync(join(server.root, 'release'), '');
    expect(
      (await waitForStatus(server, waiter.id, ['completed', 'failed', 'cancelled'], 30_000)).status,
    ).toBe('completed');
    await waitForRunStatus(page, 'completed');
    expect(await note.count()).toBe(0);
    expectNoProblems(ui);
    await ui.context.close();
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { api, startTestServer } from '../helpers/server.js';
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

/** One retry (the first attempt of `flaky` fails) and one contract failure (on `checked`). */
const RETRO = yaml`
  kind: WavePipeline
  steps:
    - id: flaky
      type: command
      script: 'c="$WAVE_PROJECT_ROOT/$WAVE_RUN_ID.count"; n=$(($(cat "$c" 2>/dev/null || echo 0) + 1)); echo $n > "$c"; [ "$n" -ge 2 ] || { echo "flaked ($n)" >&2; exit 1; }'
      retry: { max_attempts: 2, base_delay: 1ms }
    - id: checked
      dependencies: [flaky]
      type: command
      script: 'touch empty'
      handover:
        contract: { type: non_empty_file, source: empty, on_failure: continue }
`;

/** retrospective.persona set: under --mock the mock adapter writes the narrative. */
const MANIFEST = yaml`
  kind: WaveManifest
  personas:
    scribe: { adapter: claude }
  retrospective: { persona: scribe }
`;

describe('the Retrospective section of a run page', { timeout: 90_000 }, () => {
  it('shows the critical path, retries with reasons and contract failures, at laptop and phone width', async () => {
    const server = await startTestServer(
      { 'wave.yaml': MANIFEST, '.wave/pipelines/retro.yaml': RETRO },
      { flags: { mock: true } },
    );
    const run = await createRun(server, 'retro');
    await waitForStatus(server, run.id, ['completed'], 60_000);
    // The narrative is written after the run ended: the page shows it once it exists.
    await eventually(
      async () =>
        (await api<{ narrative: string | null }>(server, 'GET', `/api/runs/${run.id}/retrospective`)).body
          .narrative,
      30_000,
      'the narrative',
    );

    const ui = await openUi(browser, `${server.url}/runs/${run.id}`);
    const section = ui.page.getByTestId('retrospective');
    await waitForText(section.getByTestId('retro-critical-path'), 'flaky → checked');
    await waitForText(section.getByTestId('retro-retries'), 'flaked (1)');
    await waitForText(section.getByTestId('retro-contracts'), 'non_empty_file');
    await waitForText(section.getByTestId('retro-narrative'), `Mock retrospective: Run ${run.id}`);
    await section.scrollIntoViewIfNeeded();
    await screenshot(ui.page, 'run-retrospective-laptop');
    await expectNoTokenPrompt(ui.page);
    expectNoProblems(ui);

    const phone = await openUi(browser, `${server.url}/runs/${run.id}`, PHONE);
    await waitForText(phone.page.getByTestId('retro-retries'), 'flaky');
    await phone.page.getByTestId('retrospective').scrollIntoViewIfNeeded();
    await screenshot(phone.page, 'run-retrospective-phone');
    await expectNoHorizontalScroll(phone.page);
    expectNoProblems(phone);
  });
});

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../helpers/server.js';
import { tempDir } from '../../helpers/tmp.js';
import { serverProject } from '../support.js';

const REDOCLY = fileURLToPath(new URL('../../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** `redocly lint --format=json` on a file, offline: no telemetry, no update check. */
function redoclyLint(file: string, cwd: string): Promise<LintReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [REDOCLY, 'lint', file, '--format=json', '--max-problems=1000'],
      {
        cwd,
        timeout: 120_000,
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
        },
      },
      (err, stdout, stderr) => {
        // Exit code 1 means "problems found": the report says which.
        try {
          resolve(JSON.parse(stdout) as LintReport);
        } catch {
          reject(new Error(`redocly lint gave no report (${err?.message}): ${stderr.slice(0, 2000)}`));
        }
      },
    );
  });
}

describe('the OpenAPI document, linted', () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const server = await startTestServer(serverProject());
    const res = await fetch(`${server.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    // An empty folder: no redocly.yaml can change the ruleset; the built-in `recommended` applies.
    const dir = tempDir('wave-openapi-lint-');
    const file = join(dir, 'openapi.json');
    writeFileSync(file, await res.text());
    const report = await redoclyLint(file, dir);
    const problems = report.problems.map(
      (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);
});

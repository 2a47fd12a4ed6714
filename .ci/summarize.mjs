// Prints "N passed, M failed" from vitest's JSON report; exits 1 if any test failed or the
// report is missing (a crashed run must not look green).
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests ?? 0;
// Suites that failed to load count as failures too.
const failed =
  (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0) - countSuitesWithFailedTests(report);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || report.success === false ? 1 : 0);

function countSuitesWithFailedTests(r) {
  return (r.testResults ?? []).filter((s) => (s.assertionResults ?? []).some((a) => a.status === 'failed'))
    .length;
}

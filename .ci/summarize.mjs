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
// Files that failed to load (no test failed in them, yet the file did) count as failures too.
// (numFailedTestSuites counts describe blocks as well, so it cannot be used for that.)
const failed = (report.numFailedTests ?? 0) + countFilesFailedWithoutTests(report);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || report.success === false ? 1 : 0);

function countFilesFailedWithoutTests(r) {
  return (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
}

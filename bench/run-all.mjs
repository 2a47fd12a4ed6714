// `npm run bench`: every benchmark in turn (or those named on the command line).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter(
    (f) => f.endsWith('.mjs') && !['lib.mjs', 'run-all.mjs', 'pg-cluster.mjs', 'pg-watch.mjs'].includes(f),
  )
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.mjs$/, '')));
// Benchmarks import the compiled code: build dist/ from the sources first (incremental).
const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(1);
let failed = 0;
for (const f of benches) {
  const r = spawnSync(process.execPath, [`${dir}${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

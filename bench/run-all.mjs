// `npm run bench`: every benchmark in turn (or those named on the command line).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && !['lib.mjs', 'run-all.mjs'].includes(f))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.mjs$/, '')));
let failed = 0;
for (const f of benches) {
  const r = spawnSync(process.execPath, [`${dir}${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

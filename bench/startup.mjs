// Cold start of `wave --version` against `node -e 0`: median of repeated runs, as a ratio.
// Goal: at most 2.5x (heavy modules load lazily, only in the commands that use them).
import { fileURLToPath } from 'node:url';
import { median, report, timeCommand } from './lib.mjs';

const bin = fileURLToPath(new URL('../bin/wave.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 25);
const node = [];
const wave = [];
// Interleave so drift in machine load hits both sides alike; one warm-up each.
timeCommand(process.execPath, ['-e', '0']);
timeCommand(process.execPath, [bin, '--version']);
for (let i = 0; i < runs; i++) {
  node.push(timeCommand(process.execPath, ['-e', '0']));
  wave.push(timeCommand(process.execPath, [bin, '--version']));
}
const ratio = median(wave) / median(node);
report(
  'startup: wave --version vs node -e 0',
  [
    ['runs', runs],
    ['node -e 0 (median)', `${median(node).toFixed(1)} ms`],
    ['wave --version (median)', `${median(wave).toFixed(1)} ms`],
    ['ratio', ratio.toFixed(2)],
  ],
  { ok: ratio <= 2.5, text: 'ratio <= 2.5' },
);

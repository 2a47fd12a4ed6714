// Small helpers shared by the benchmarks: each prints its baseline, its own figure and the ratio.
import { spawnSync } from 'node:child_process';

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Wall time of one synchronous run of a command, in ms. */
export function timeCommand(cmd, args, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function report(name, rows, verdict) {
  console.log(`\n== ${name}`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(34)} ${value}`);
  if (verdict) console.log(`  ${verdict.ok ? 'goal met' : 'GOAL MISSED'}: ${verdict.text}`);
}

// CPU accounting for a benchmark phase, from /proc (Linux): what this benchmark's own process
// tree used (servers, PostgreSQL and its backends, this process) and how busy the whole machine
// was, so a figure that is bound by the cores (shared with other work) says so.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** pid → { ppid, ms }: ms is the CPU time of the process and of its children it has reaped. */
function processes() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command (which may hold spaces) in parentheses: state ppid ... utime(14) stime cutime cstime.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    out.set(Number(name), { ppid: Number(f[1]), ms: ticks * TICK_MS });
  }
  return out;
}

/** CPU ms used so far by `root` and every descendant (live, or exited and reaped). */
export function treeCpuMs(root = process.pid) {
  const all = processes();
  let total = 0;
  for (const [pid, p] of all) {
    for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
      if (at === root) {
        total += p.ms;
        break;
      }
      at = all.get(at)?.ppid ?? 0;
    }
  }
  return total;
}

/** Busy and total CPU ms of the machine so far, over all cores. */
function machine() {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const sum = times.user + times.nice + times.sys + times.irq + times.idle;
    total += sum;
    busy += sum - times.idle;
  }
  return { busy, total };
}

/**
 * Starts measuring; `stop()` gives `{ treeMs, machineBusy }`: this tree's CPU ms in between and
 * the fraction of all cores' time the machine was busy (anyone's work).
 */
export function cpuMeter() {
  const tree0 = treeCpuMs();
  const m0 = machine();
  return {
    stop() {
      const m1 = machine();
      return {
        treeMs: treeCpuMs() - tree0,
        machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
      };
    },
  };
}

export const CORES = cpus().length;

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { eventually } from './eventually.js';
import { closeLeftoverServers } from './open-servers.js';

/**
 * After each test file (a setup file's afterAll runs after the file's own): no process this
 * worker started may still run, and no server the helpers started may still listen. Leftovers
 * are stopped so they cannot disturb the next file, and the file fails naming them.
 */
afterAll(async () => {
  const servers = await closeLeftoverServers();
  const mine = () => descendantsOf(process.pid);
  // Processes killed at the end of the last test may take a moment to exit.
  await eventually(() => mine().length === 0, 5000, 'child processes to exit').catch(() => undefined);
  const processes = mine();
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  const leaks = [
    ...servers.map((s) => `server ${s}`),
    ...processes.map((p) => `process ${p.pid}: ${p.command}`),
  ];
  if (leaks.length) throw new Error(`left running after this file:\n  ${leaks.join('\n  ')}`);
});

interface ProcessInfo {
  pid: number;
  command: string;
}

/** Live (not zombie) descendants of `root`, from /proc's parent links. */
export function descendantsOf(root: number): ProcessInfo[] {
  const children = new Map<number, number[]>();
  const alive = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      if (state !== 'Z' && state !== 'X') alive.add(pid);
      children.set(Number(ppid), [...(children.get(Number(ppid)) ?? []), pid]);
    } catch {
      // exited while we looked
    }
  }
  const found: ProcessInfo[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    queue.push(...(children.get(pid) ?? []));
    if (alive.has(pid)) found.push({ pid, command: commandOf(pid) });
  }
  return found;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 200);
  } catch {
    return '?';
  }
}

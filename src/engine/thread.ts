import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunContext } from './context.js';
import { runWorkspaceRoot } from './workspace.js';

/**
 * `thread` (GOWAVE.md §9): prompt steps with the same thread share a transcript. After each
 * attempt the step's output (the end of it the adapter keeps, a few KB) is appended; a later
 * step of the thread gets the transcript before its prompt under `## THREAD CONTEXT`. A thread
 * keeps at most THREAD_CAP_CHARS, dropping its oldest entries, as the Go Wave does. The
 * transcript is a file of the run's workspace folder, so a resumed run still has it.
 */
export const THREAD_CAP_CHARS = 100_000;

interface Entry {
  step: string;
  at: string;
  content: string;
}

function threadFile(ctx: RunContext, thread: string): string {
  const safe = thread.replace(/[^A-Za-z0-9_.-]/g, '_');
  return join(runWorkspaceRoot(ctx), '_threads', `${safe}.json`);
}

function readThread(file: string): Entry[] {
  if (!existsSync(file)) return [];
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(data) ? (data as Entry[]) : [];
  } catch {
    return [];
  }
}

/** The section prepended to a thread step's prompt; '' when the thread has nothing yet. */
export function threadContext(ctx: RunContext, thread: string): string {
  const entries = readThread(threadFile(ctx, thread));
  if (entries.length === 0) return '';
  const parts = entries.map((e) => `## Step: ${e.step} at ${e.at}\n\n${e.content.trim()}`);
  return `## THREAD CONTEXT\n\n${parts.join('\n\n')}\n\n---\n\n`;
}

/** Appends a step's output to its thread, dropping the oldest entries beyond the cap. */
export function appendThread(ctx: RunContext, thread: string, step: string, content: string): void {
  if (!content.trim()) return;
  const file = threadFile(ctx, thread);
  const entries = readThread(file);
  entries.push({ step, at: new Date().toISOString(), content: content.slice(-THREAD_CAP_CHARS) });
  let total = entries.reduce((n, e) => n + e.content.length, 0);
  while (total > THREAD_CAP_CHARS && entries.length > 1) total -= entries.shift()!.content.length;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(entries));
}

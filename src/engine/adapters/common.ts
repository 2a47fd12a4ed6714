import { formatDuration } from '../../pipeline/duration.js';
import type { ProcessResult } from '../process-group.js';
import type { AdapterRequest, AdapterResult } from './types.js';

/** Helpers the claude, cli and mock adapters share. */

const TAIL_CHARS = 4096;

export type AdapterError = NonNullable<AdapterResult['error']>;

/** The adapter's environment: the step's, plus the adapter's own `env` from wave.yaml. */
export function adapterEnv(req: AdapterRequest): NodeJS.ProcessEnv {
  return req.config.env ? { ...req.env, ...req.config.env } : req.env;
}

/** The runProcessGroup options every adapter shares. */
export function processOptions(req: AdapterRequest, env: NodeJS.ProcessEnv) {
  return {
    cwd: req.cwd,
    env,
    signal: req.signal,
    graceMs: req.graceMs,
    ...(req.timeoutMs > 0 ? { timeoutMs: req.timeoutMs } : {}),
  };
}

/** The error for an adapter binary that is not installed. */
export function missingBinary(binary: string): AdapterError {
  return {
    code: 'adapter_missing',
    message: `adapter binary "${binary}" was not found on PATH: install it, or run with --mock to use the built-in mock adapter`,
  };
}

/** Why the process ended early regardless of what it printed: cancelled, timed out, not started. */
export function interruption(proc: ProcessResult, req: AdapterRequest): AdapterError | null {
  const binary = req.config.binary;
  if (proc.aborted) return { code: 'cancelled', message: `agent "${binary}" was cancelled` };
  if (proc.timedOut) {
    return {
      code: 'timeout',
      message: `agent "${binary}" timed out after ${formatDuration(req.timeoutMs)} and was stopped`,
    };
  }
  if (proc.spawnError) {
    return {
      code: 'adapter_missing',
      message: `could not start adapter binary "${binary}" (${proc.spawnError.message}): fix it, or run with --mock to use the built-in mock adapter`,
    };
  }
  return null;
}

/** `exited with code 1`, `was killed by SIGKILL`. */
export function describeExit(proc: ProcessResult): string {
  if (proc.signal) return `was killed by ${proc.signal}`;
  return `exited with code ${proc.exitCode ?? 'unknown'}`;
}

/** `: text` when there is text. */
export function suffix(text: string): string {
  return text ? `: ${text}` : '';
}

/** A failed attempt. */
export function failure(
  error: AdapterError,
  usage: AdapterResult['usage'],
  outputTail: string,
): AdapterResult {
  return { ok: false, error, usage, outputTail };
}

/** The last few KB of the agent's output, for retry feedback. */
export class OutputTail {
  private buffer = '';

  push(line: string): void {
    this.buffer = (this.buffer + line + '\n').slice(-TAIL_CHARS);
  }

  text(): string {
    return this.buffer;
  }
}

/** GOWAVE.md §7: a reviewer's stdout is read up to 1 MB. */
const REPLY_MAX_CHARS = 1024 * 1024;

/** The agent's stdout as one text, up to 1 MB (a review's verdict is read from it). */
export class ReplyText {
  private parts: string[] = [];
  private size = 0;

  push(line: string): void {
    if (this.size >= REPLY_MAX_CHARS) return;
    this.parts.push(line);
    this.size += line.length + 1;
  }

  text(): string {
    return this.parts.join('\n');
  }
}

/**
 * The provider refused for load, not for the prompt: Claude Code's "API Error: 429/529 …
 * overloaded_error / rate_limit_error" text. Such attempts are tried again without counting.
 */
const RATE_LIMIT_TEXT = /\b(429|529)\b|overloaded|rate[ _-]?limit/i;

export function isRateLimitText(text: string): boolean {
  return RATE_LIMIT_TEXT.test(text);
}

/** `rate_limited` when the exit code is one of the adapter's `retry_on_exit`, else null. */
export function rateLimitedExit(proc: ProcessResult, req: AdapterRequest): AdapterError | null {
  const codes = req.config.retry_on_exit ?? [];
  if (proc.exitCode === null || !codes.includes(proc.exitCode)) return null;
  return rateLimited(
    `agent "${req.config.binary}" exited with code ${proc.exitCode} (adapters.${req.name}.retry_on_exit)`,
  );
}

export function rateLimited(message: string): AdapterError {
  return { code: 'rate_limited', message };
}

import { formatDuration } from '../../pipeline/duration.js';
import { type ProcessResult, runProcessGroup } from '../process-group.js';
import { which } from '../which.js';
import type { Adapter, AdapterRequest, AdapterResult } from './types.js';

const TAIL_CHARS = 4096;

type AdapterError = NonNullable<AdapterResult['error']>;

/**
 * The generic `cli` adapter (output_format `text`): runs `binary ...args` with the persona
 * prompt and the prompt on stdin (or as the last argument); stdout lines are agent activity and
 * the exit code decides success.
 */
export const cliAdapter: Adapter = { run: runCli };

async function runCli(req: AdapterRequest): Promise<AdapterResult> {
  const binary = req.config.binary;
  const env = adapterEnv(req);
  const command = which(binary, env.PATH);
  if (!command) return failure(missingBinary(binary), null, '');

  const prompt = req.systemPrompt ? `${req.systemPrompt}\n\n---\n\n${req.prompt}` : req.prompt;
  const viaArgument = req.config.prompt_via === 'argument';
  const tail = new OutputTail();
  let lastStderr = '';
  const proc = await runProcessGroup({
    ...processOptions(req, env),
    command,
    args: [...(req.config.args ?? []), ...(viaArgument ? [prompt] : [])],
    ...(viaArgument ? {} : { input: prompt }),
    onLine: (stream, line) => {
      tail.push(line);
      if (line.trim() === '') return;
      if (stream === 'stderr') lastStderr = line;
      req.onActivity(stream === 'stdout' ? 'agent' : 'stderr', line);
    },
  });

  const error =
    interruption(proc, req) ??
    (proc.exitCode === 0
      ? null
      : { code: 'agent_exit', message: `agent "${binary}" ${describeExit(proc)}${suffix(lastStderr)}` });
  return error
    ? failure(error, null, tail.text())
    : { ok: true, error: null, usage: null, outputTail: tail.text() };
}

// Helpers shared with the claude adapter.

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

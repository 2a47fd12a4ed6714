import { formatDuration } from '../../pipeline/duration.js';
import type { StepSpec } from '../../pipeline/model.js';
import { duplicateStdoutArtifacts, stdoutCapturePath } from '../artifacts.js';
import type { RunContext } from '../context.js';
import { type ProcessResult, runProcessGroup } from '../process-group.js';
import { isProjectValue, renderShellTemplate, ShellTemplateError, templateEnv } from '../shell-template.js';
import type { ExecOptions, ExecResult } from './types.js';

/**
 * Runs a command step under bash (`-eo pipefail`, no profile). Substituted values reach the
 * script through environment variables, quoted for where they stand: input is data, never code.
 */
export async function runCommandStep(
  ctx: RunContext,
  step: StepSpec,
  opts: ExecOptions,
): Promise<ExecResult> {
  let script: string;
  try {
    // wave.yaml's project.* values are the project's own commands, as trusted as the script.
    script = renderShellTemplate(step.command ?? '', opts.values, { raw: isProjectValue });
  } catch (err) {
    if (!(err instanceof ShellTemplateError)) throw err;
    return {
      ok: false,
      cancelled: false,
      error: { code: err.code, message: err.message },
      retryable: false,
      usage: null,
      tail: '',
    };
  }
  const stdoutFile = stdoutCapturePath(ctx, step);
  const result = await runProcessGroup({
    command: 'bash',
    args: ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script],
    cwd: opts.workspace,
    env: { ...opts.env, ...templateEnv(opts.values) },
    signal: ctx.signal,
    timeoutMs: opts.timeoutMs,
    graceMs: ctx.project.config.runtime.process_grace_ms,
    onLine: (stream, line) => ctx.recorder.activity({ step: step.id, stream, content: line }),
    ...(stdoutFile ? { stdoutFile } : {}),
  });
  duplicateStdoutArtifacts(ctx, step);
  return processOutcome(result, opts.timeoutMs, 'command');
}

/** Maps a finished process to a step result with a message that says what happened. */
export function processOutcome(result: ProcessResult, timeoutMs: number, what: string): ExecResult {
  const base = { usage: null, tail: result.tail };
  if (result.aborted)
    return {
      ok: false,
      cancelled: true,
      error: { code: 'cancelled', message: 'the run was cancelled' },
      retryable: false,
      ...base,
    };
  if (result.timedOut) {
    return {
      ok: false,
      cancelled: false,
      error: {
        code: 'timeout',
        message: `the ${what} timed out after ${formatDuration(timeoutMs)} (timeout_minutes) and was killed`,
      },
      retryable: true,
      ...base,
    };
  }
  if (result.spawnError) {
    return {
      ok: false,
      cancelled: false,
      error: { code: 'spawn_failed', message: `the ${what} could not start: ${result.spawnError.message}` },
      retryable: false,
      ...base,
    };
  }
  if (result.exitCode === 0) return { ok: true, ...base };
  const how =
    result.exitCode === null ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  const lastLine = result.tail.trimEnd().split('\n').pop();
  return {
    ok: false,
    cancelled: false,
    error: {
      code: 'exit_code',
      message: `the ${what} ${how}${lastLine ? `: ${lastLine.slice(0, 300)}` : ''}`,
    },
    retryable: true,
    ...base,
  };
}

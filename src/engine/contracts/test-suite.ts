import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { ContractSpec } from '../../pipeline/model.js';
import { type ProcessResult, runProcessGroup } from '../process-group.js';
import { ShellTemplateError } from '../shell-template.js';
import type { ContractChecker, ContractContext } from './types.js';

/** How many of the last output lines a failure reports. */
const TAIL_LINES = 20;
/** Longer output lines are cut in the report (they still reach onLine whole). */
const TAIL_LINE_CHARS = 500;

/**
 * `test_suite`: `contract.command` (rendered by ctx.renderCommand) runs as `bash -c` in
 * `contract.dir` and must exit 0. Every output line goes to ctx.onLine; a failure reports why
 * the command failed and the last lines of its output.
 */
export const testSuiteContract: ContractChecker = async (contract, ctx) => {
  if (!contract.command?.trim())
    return { ok: false, errors: ['the test_suite contract has no `command`; add one'] };
  const dir = contractDir(contract, ctx);
  const dirProblem = await checkDir(dir);
  if (dirProblem)
    return { ok: false, errors: [`the test_suite directory ${dir} ${dirProblem}; fix \`dir\``] };

  let command: string;
  try {
    command = ctx.renderCommand(contract.command);
  } catch (err) {
    if (err instanceof ShellTemplateError) return { ok: false, errors: [err.message] };
    throw err;
  }
  const tail: string[] = [];
  const result = await runProcessGroup({
    command: 'bash',
    args: ['-c', command],
    cwd: dir,
    env: ctx.env,
    timeoutMs: ctx.timeoutMs,
    graceMs: ctx.graceMs,
    signal: ctx.signal,
    onLine: (stream, line) => {
      tail.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}…` : line);
      if (tail.length > TAIL_LINES) tail.shift();
      ctx.onLine(stream, line);
    },
  });
  const failure = describeFailure(result, ctx.timeoutMs);
  if (!failure) return { ok: true, errors: [] };
  return { ok: false, errors: [`\`${command}\` ${failure}`, ...tail] };
};

/** Unset: the workspace; `project_root`: the project root; relative: under the workspace. */
function contractDir(contract: ContractSpec, ctx: ContractContext): string {
  if (!contract.dir) return ctx.workspace;
  if (contract.dir === 'project_root') return ctx.projectRoot;
  return isAbsolute(contract.dir) ? contract.dir : resolve(ctx.workspace, contract.dir);
}

async function checkDir(dir: string): Promise<string | null> {
  try {
    return (await stat(dir)).isDirectory() ? null : 'is not a directory';
  } catch {
    return 'does not exist';
  }
}

/** Null when the command passed, else what happened, to follow the command in the message. */
function describeFailure(result: ProcessResult, timeoutMs: number): string | null {
  if (result.spawnError) return `could not start: ${result.spawnError.message}`;
  if (result.timedOut) return `timed out after ${Math.round(timeoutMs / 100) / 10}s`;
  if (result.aborted) return 'was cancelled';
  if (result.signal) return `was killed by ${result.signal}`;
  if (result.exitCode !== 0) return `exited with code ${result.exitCode}`;
  return null;
}

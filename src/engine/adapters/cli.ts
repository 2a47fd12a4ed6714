import { runProcessGroup } from '../process-group.js';
import { which } from '../which.js';
import {
  adapterEnv,
  describeExit,
  failure,
  interruption,
  missingBinary,
  OutputTail,
  processOptions,
  ReplyText,
  rateLimitedExit,
  suffix,
} from './common.js';
import type { Adapter, AdapterRequest, AdapterResult } from './types.js';

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
  const reply = new ReplyText();
  let lastStderr = '';
  const proc = await runProcessGroup({
    ...processOptions(req, env),
    command,
    args: [...(req.config.args ?? []), ...(viaArgument ? [prompt] : [])],
    ...(viaArgument ? {} : { input: prompt }),
    onLine: (stream, line) => {
      tail.push(line);
      if (stream === 'stdout') reply.push(line);
      if (line.trim() === '') return;
      if (stream === 'stderr') lastStderr = line;
      req.onActivity(stream === 'stdout' ? 'agent' : 'stderr', line);
    },
  });

  const error =
    interruption(proc, req) ??
    rateLimitedExit(proc, req) ??
    (proc.exitCode === 0
      ? null
      : { code: 'agent_exit', message: `agent "${binary}" ${describeExit(proc)}${suffix(lastStderr)}` });
  return error
    ? failure(error, null, tail.text())
    : { ok: true, error: null, usage: null, outputTail: tail.text(), text: reply.text() };
}

import { runProcessGroup } from '../process-group.js';
import { which } from '../which.js';
import {
  adapterEnv,
  describeExit,
  failure,
  interruption,
  isRateLimitText,
  missingBinary,
  OutputTail,
  processOptions,
  rateLimited,
  rateLimitedExit,
  suffix,
} from './common.js';
import { parseStreamJsonLine, type StreamResult } from './stream-json.js';
import type { ActivityStream, Adapter, AdapterRequest, AdapterResult, Usage } from './types.js';

const MAX_RESULT_CHARS = 500;

/**
 * The `claude` adapter (output_format `stream-json`, or Go Wave's `json`): runs Claude Code in
 * print mode with the prompt on stdin, turns each stream-json line into activity, and takes
 * success, tokens and cost from the final `result` line.
 */
export const claudeAdapter: Adapter = { run: runClaude };

/** `claude -p --output-format stream-json --verbose` plus model, system prompt and tool flags. */
function claudeArgs(req: AdapterRequest): string[] {
  const args = ['-p', '--output-format', 'stream-json', '--verbose'];
  if (req.model) args.push('--model', req.model);
  if (req.systemPrompt) args.push('--append-system-prompt', req.systemPrompt);
  if (req.permissions.allowed_tools.length > 0) {
    args.push('--allowedTools', req.permissions.allowed_tools.join(','));
  }
  if (req.permissions.deny.length > 0) args.push('--disallowedTools', req.permissions.deny.join(','));
  return [...args, ...(req.config.args ?? [])];
}

async function runClaude(req: AdapterRequest): Promise<AdapterResult> {
  const binary = req.config.binary;
  const env = adapterEnv(req);
  const command = which(binary, env.PATH);
  if (!command) return failure(missingBinary(binary), null, '');

  const tail = new OutputTail();
  const emit = (stream: ActivityStream, content: string) => {
    tail.push(content);
    req.onActivity(stream, content);
  };
  let started = false;
  let result: StreamResult | null = null;
  // Usage per API message: a message's content blocks arrive as separate lines, each repeating it.
  const messageUsage = new Map<string, Usage>();
  let lastStderr = '';

  const proc = await runProcessGroup({
    ...processOptions(req, env),
    command,
    args: claudeArgs(req),
    input: req.prompt,
    onLine: (stream, line) => {
      if (line.trim() === '') return;
      if (stream === 'stderr') {
        lastStderr = line;
        emit('stderr', line);
        return;
      }
      const parsed = parseStreamJsonLine(line);
      switch (parsed.kind) {
        case 'init':
          if (!started) emit(parsed.activity.stream, parsed.activity.content);
          started = true;
          break;
        case 'assistant':
          for (const a of parsed.activities) emit(a.stream, a.content);
          if (parsed.usage) messageUsage.set(parsed.messageId ?? `#${messageUsage.size}`, parsed.usage);
          break;
        case 'result':
          result = parsed.result;
          break;
        case 'invalid':
          emit(parsed.activity.stream, parsed.activity.content);
          break;
      }
    },
  });

  // TypeScript cannot see the assignment inside the callback.
  const final = result as StreamResult | null;
  const usage = final ? final.usage : sumUsage([...messageUsage.values()]);
  const error =
    interruption(proc, req) ??
    (final === null
      ? (rateLimitedExit(proc, req) ??
        (isRateLimitText(lastStderr)
          ? rateLimited(`agent "${binary}" was rate limited: ${shorten(lastStderr)}`)
          : {
              code: 'agent_exit',
              message: `agent "${binary}" ${describeExit(proc)} before its result${suffix(lastStderr)}`,
            }))
      : final.ok
        ? null
        : isRateLimitText(final.text)
          ? rateLimited(`agent "${binary}" was rate limited (${final.subtype}): ${shorten(final.text)}`)
          : {
              code: 'agent_error',
              message: `agent "${binary}" finished with an error (${final.subtype})${suffix(shorten(final.text))}`,
            });
  return error
    ? failure(error, usage, tail.text())
    : { ok: true, error: null, usage, outputTail: tail.text(), text: final?.text ?? '' };
}

/** Tokens seen in assistant messages when no result line came (the cost is then unknown: 0). */
function sumUsage(usages: Usage[]): Usage | null {
  if (usages.length === 0) return null;
  return {
    tokens_in: usages.reduce((n, u) => n + u.tokens_in, 0),
    tokens_out: usages.reduce((n, u) => n + u.tokens_out, 0),
    cost_usd: 0,
  };
}

function shorten(text: string): string {
  const flat = text.trim();
  return flat.length > MAX_RESULT_CHARS ? `${flat.slice(0, MAX_RESULT_CHARS)}…` : flat;
}

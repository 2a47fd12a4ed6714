import type { ActivityStream, Usage } from './types.js';

/** One line of agent activity derived from the stream. */
export interface Activity {
  stream: ActivityStream;
  content: string;
}

/** The final `result` line of a Claude Code session. */
export interface StreamResult {
  ok: boolean;
  subtype: string;
  /** The agent's final text (or error text); '' when absent. */
  text: string;
  usage: Usage;
}

/** What one stdout line of `claude -p --output-format stream-json` means. */
export type StreamLine =
  | { kind: 'init'; activity: Activity }
  | {
      kind: 'assistant';
      activities: Activity[];
      /** The API message id and its usage so far (several lines can share one message). */
      messageId: string | null;
      usage: Usage | null;
    }
  | { kind: 'result'; result: StreamResult }
  | { kind: 'ignored' }
  | { kind: 'invalid'; activity: Activity };

type Json = Record<string, unknown>;

const TOOL_TARGET_KEYS = ['file_path', 'pattern', 'command', 'url', 'query', 'description', 'path'] as const;
const MAX_TARGET_CHARS = 200;

/** Parses one stdout line; never throws (a line that is not a JSON object is `invalid`). */
export function parseStreamJsonLine(line: string): StreamLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'invalid', activity: { stream: 'stdout', content: line } };
  }
  if (!isObject(value)) return { kind: 'invalid', activity: { stream: 'stdout', content: line } };

  switch (value.type) {
    case 'system': {
      if (value.subtype !== undefined && value.subtype !== 'init') return { kind: 'ignored' };
      const model = typeof value.model === 'string' ? ` (model ${value.model})` : '';
      return { kind: 'init', activity: { stream: 'agent', content: `session started${model}` } };
    }
    case 'assistant':
      return parseAssistant(value);
    case 'result':
      return { kind: 'result', result: parseResult(value) };
    default:
      // `user` lines carry tool results, which the tool_use lines already summarised.
      return { kind: 'ignored' };
  }
}

/** `Read src/app.ts`, `Bash npm test`: the tool and what it acts on. */
export function describeToolUse(name: string, input: unknown): string {
  const fields = isObject(input) ? input : {};
  let target = '';
  for (const key of TOOL_TARGET_KEYS) {
    const v = fields[key];
    if (typeof v === 'string' && v.trim() !== '') {
      target = v;
      break;
    }
  }
  target = target.slice(0, MAX_TARGET_CHARS).replace(/\s+/g, ' ').trim();
  return target ? `${name} ${target}` : name;
}

/** Token counts as Wave reports them: every kind of input token counts as input. */
export function toUsage(raw: unknown, costUsd: unknown = 0): Usage {
  const u = isObject(raw) ? raw : {};
  return {
    tokens_in: num(u.input_tokens) + num(u.cache_creation_input_tokens) + num(u.cache_read_input_tokens),
    tokens_out: num(u.output_tokens),
    cost_usd: num(costUsd),
  };
}

function parseAssistant(value: Json): StreamLine {
  const message = isObject(value.message) ? value.message : {};
  const content = Array.isArray(message.content) ? message.content : [];
  const activities: Activity[] = [];
  for (const block of content) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') {
      for (const line of block.text.split(/\r?\n/)) {
        if (line.trim() !== '') activities.push({ stream: 'agent', content: line });
      }
    } else if (block.type === 'tool_use') {
      const name = typeof block.name === 'string' ? block.name : 'tool';
      activities.push({ stream: 'tool', content: describeToolUse(name, block.input) });
    }
  }
  return {
    kind: 'assistant',
    activities,
    messageId: typeof message.id === 'string' ? message.id : null,
    usage: isObject(message.usage) ? toUsage(message.usage) : null,
  };
}

function parseResult(value: Json): StreamResult {
  const subtype = typeof value.subtype === 'string' ? value.subtype : 'success';
  return {
    ok: value.is_error !== true && subtype === 'success',
    subtype,
    text: typeof value.result === 'string' ? value.result : '',
    usage: toUsage(value.usage, value.total_cost_usd),
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
